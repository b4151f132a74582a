"""The deviations table shown on every reproduction page: facts from the spec, our run from its params."""
import pytest

from ser_lib.deviations import COLUMNS, deviations
from ser_lib.model import paper_param_formula

FULL = {"input_length": 2376, "n_classes": 7, "drop_attention": None, "init": "keras", "batch_size": 16,
        "n_blocks": 2, "epochs": 100, "device": "cpu", "params_keras": {"total": paper_param_formula(2376)}}


@pytest.mark.parametrize("corpus", ["emodb", "emovo", "tess", "savee", "ravdess", "cremad", "synthetic"])
def test_every_corpus_has_the_core_rows(corpus):
    df = deviations(corpus, FULL)
    assert list(df.columns) == COLUMNS and df.index.name == "aspect"
    for aspect in ("input features", "rows per audio file", "attention blocks", "batch size", "framework",
                   "initialisation", "epochs"):
        assert aspect in df.index, aspect
    assert df.notna().all().all()


def test_emodb_input_length_and_parameter_counts():
    row = deviations("emodb", FULL).loc["input features"]
    assert "2268" in row.iloc[0] and "21 × 108" in row.iloc[0]
    assert "2376" in row.iloc[1]
    assert "37 434 661" in row.iloc[2] and "1 769 472" in row.iloc[2]  # 64 * 256 * 108
    assert paper_param_formula(2376) - paper_param_formula(2268) == 64 * 256 * 108


def test_log_mel_corpora_and_tess():
    for corpus in ("savee", "ravdess", "cremad"):
        df = deviations(corpus, FULL)
        assert "251 columns" in df.loc["input features"].iloc[0]
        assert "256 rows" in df.loc["rows per audio file"].iloc[0]
    assert "2060" in deviations("tess", FULL).loc["input features"].iloc[0]
    assert "RAVDESS shapes" in deviations("cremad", FULL).loc["reported figure"].iloc[0]
    assert "reported figure" not in deviations("ravdess", FULL).index


def test_attention_row_says_which_model_ran():
    tess = deviations("tess", FULL).loc["attention blocks"]
    assert "channel-attention MLP" in tess.iloc[0] and "full model" in tess.iloc[1]
    assert "without channel" in deviations("tess", {**FULL, "drop_attention": "channel"}).loc["attention blocks"].iloc[1]
    assert "spatial-attention kernel" in deviations("ravdess", FULL).loc["attention blocks"].iloc[0]
    printed = deviations("savee", {**FULL, "drop_attention": "channel"}).loc["attention blocks"]
    assert "as the released notebook printed it" in printed.iloc[2]
    other = deviations("savee", {**FULL, "drop_attention": "spatial"}).loc["attention blocks"]
    assert "neither the printed" in other.iloc[2]


def test_run_specific_rows():
    df = deviations("ravdess", {**FULL, "batch_size": 32, "init": "torch", "max_minutes": 25},
                    data={"n_files": 1000, "n_files_in_corpus": 1000, "synthetic": False}, epochs_run=3)
    assert df.loc["batch size"].iloc[2].startswith("the released code's value")
    assert "init='torch'" in df.loc["initialisation"].iloc[1]
    assert "3 run so far" in df.loc["epochs"].iloc[1] and "25 minutes" in df.loc["epochs"].iloc[1]
    assert "1440 files" in df.loc["data"].iloc[0]
    complete = deviations("ravdess", FULL, data={"n_files": 1440, "n_files_in_corpus": 1440})
    assert "data" not in complete.index


def test_printed_model_comparison_pairs_runs_of_one_recipe():
    from ser_lib.deviations import printed_model_comparison

    def rec(corpus, drop, acc, epochs, init="keras"):
        return {"params": {"corpus": corpus, "drop_attention": drop, "init": init, "variant": "code", "seed": 0,
                           "lr": 1e-5, "batch_size": 16}, "metrics": {"accuracy": acc, "uar": acc - 0.01},
                "epochs_run": epochs}

    full = [rec("savee", None, 0.917, 100), rec("ravdess", None, 0.944, 100), rec("emodb", None, 0.979, 100)]
    printed = [rec("savee", "channel", 0.9, 40), rec("ravdess", "spatial", 0.5, 3, init="torch"),
               rec("tess", None, 0.99, 100)]  # a full-model record in the wrong folder is not a printed run
    df = printed_model_comparison(full, printed).set_index("corpus")
    assert list(df.index) == ["savee", "ravdess", "tess"]  # the paper's order; EMO-DB's printout is the full model
    assert df.loc["savee", "printed: accuracy / UAR (%)"] == "90.0 / 89.0"
    assert df.loc["savee", "printed: epochs"] == "40 of 100"
    assert df.loc["savee", "left out"] == "channel attention" and df.loc["ravdess", "left out"] == "spatial attention"
    assert df.loc["ravdess", "printed: accuracy / UAR (%)"] == "not run"  # another initialisation: not paired
    assert df.loc["tess", "printed: accuracy / UAR (%)"] == "not run" and df.loc["tess", "full: epochs"] == "–"
