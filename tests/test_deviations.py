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
