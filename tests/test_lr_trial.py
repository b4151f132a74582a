"""The learning-rate trial records validation UAR per fold and learning rate, nothing about test rows."""
import json

import pytest


def test_lr_trial_on_the_synthetic_corpus(tmp_path):
    from ser_lib.experiments import lr_trial
    path = lr_trial.run(["synthetic"], tmp_path / "lr.json", lrs=(1e-3, 1e-2), epochs=1, max_files=48,
                        progress=False)
    rec = json.loads(path.read_text())
    rows = rec["metrics"]["rows"]
    folds = {r["fold"] for r in rows}
    assert len(folds) >= 2 and len(rows) == 2 * len(folds)
    assert all(0.0 <= r["best_val_uar"] <= 1.0 for r in rows)
    assert rec["metrics"]["chosen"]["synthetic"] in (1e-3, 1e-2)
    assert not any("test" in k for r in rows for k in r)  # nothing measured on test rows
    tab = lr_trial.table(rec)
    assert list(tab.columns) == ["lr 0.001", "lr 0.01"] and "±" in tab.iloc[0, 0]
    fig = lr_trial.plot(rec, default_lr=3e-3)
    assert fig.axes[0].get_xscale() == "log"
    assert rec["metrics"]["at_edge"] == {"synthetic": True}  # two values: whichever wins is an edge

    # widening the grid keeps the stored rows and recomputes nothing of them
    path = lr_trial.run(["synthetic"], tmp_path / "lr.json", lrs=(3e-3,), epochs=1, max_files=48,
                        progress=False, merge=True)
    wide = json.loads(path.read_text())
    assert wide["params"]["lrs"] == [1e-3, 3e-3, 1e-2]
    assert len(wide["metrics"]["rows"]) == 3 * len(folds)
    kept = [r for r in wide["metrics"]["rows"] if r["lr"] != 3e-3]
    assert kept == rows
    with pytest.raises(ValueError, match="cannot merge"):
        lr_trial.run(["synthetic"], tmp_path / "lr.json", lrs=(3e-2,), epochs=2, max_files=48,
                     progress=False, merge=True)


def test_chosen_picks_the_highest_mean_validation_uar():
    import pandas as pd

    from ser_lib.experiments import lr_trial

    df = pd.DataFrame({"corpus": ["a"] * 4, "lr": [1e-3, 1e-3, 1e-2, 1e-2], "best_val_uar": [0.5, 0.7, 0.65, 0.66]})
    assert lr_trial.chosen(df) == {"a": pytest.approx(1e-2)}


def test_at_edge_flags_a_choice_at_either_end_of_the_grid():
    import pandas as pd

    from ser_lib.experiments import lr_trial

    df = pd.DataFrame({"corpus": ["a"] * 3 + ["b"] * 3, "lr": [1e-3, 3e-3, 1e-2] * 2,
                       "best_val_uar": [0.5, 0.6, 0.7, 0.5, 0.8, 0.6]})
    assert lr_trial.at_edge(df) == {"a": True, "b": False}
