"""The headline's numbers, read from the results files: one long table (corpus x split x model, UAR in %).

Three kinds of results files feed it, each written by a run the repository can repeat:

- ``results/reproduce/<corpus>.json`` -- the paper's protocol with the paper's network (our replica of
  the released code, :mod:`ser_lib.reproduce`), with the number of epochs it has run so far;
- ``results/audit-v2/*.json`` (the audit's second edition, when it has run; else ``results/audit/``, the
  first) -- the audit (:mod:`ser_lib.audit`): a different, much smaller model (the efficient attention
  CNN) and classical baselines under the three splits, over speaker folds (or seeds);
- ``results/faithful/*.json`` (when present) -- the paper's network under the honest splits
  (:mod:`ser_lib.experiments.faithful`).

:func:`load` reads them; :func:`headline` makes the long table; :func:`corpus_table` shows one corpus,
:func:`data_note` says what data its numbers used and :func:`page_links` where the book shows them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paper
from ..audit_tables import COLUMNS as AUDIT_COLUMNS
from ..audit_tables import fold_rows, unit_values
from ..config import REPO_ROOT
from ..corpora.registry import short_name

__all__ = ["PROTOCOLS", "SPLIT_NAMES", "HEADLINE_MODELS", "ROLES", "MODEL_NAMES", "MODEL_NOTES", "SOURCE_NAMES",
           "PAGES", "Results", "load", "headline", "corpus_table", "page_links", "data_note", "corpus_title"]

PROTOCOLS = ("paper", "utterance", "speaker")
SPLIT_NAMES = {"paper": "paper's split", "utterance": "recordings held out", "speaker": "speakers held out"}
#: the models of the headline, in column order: the paper's network, the audit's CNN, the best baseline.
#: Each role takes the first of its keys that the audit ran (second edition: inductive models; first
#: edition: speaker-normalised ones).
HEADLINE_MODELS = ("paper_code", "efficient", "efficient+spkn", "compare_svm", "compare_svm+spkn")
ROLES = {"paper_code": ("paper_code",), "cnn": ("efficient", "efficient+spkn"),
         "baseline": ("compare_svm", "compare_svm+spkn")}
MODEL_NAMES = {"paper_code": "paper's network (replica)", "efficient": "audit's efficient CNN",
               "efficient+spkn": "audit's efficient CNN, per-speaker norm.", "compare_svm": "ComParE + linear SVM",
               "compare_svm+spkn": "ComParE + SVM, per-speaker norm."}
_CNN = ("a small attention CNN built from the paper's ingredients (about 50 k parameters), not the paper's "
        "network")
_SVM = "openSMILE ComParE 2016 functionals with a linear SVM"
_SPKN = ("; every feature standardised with its speaker's own recordings (for a held-out speaker, their unlabeled "
         "test audio)")
MODEL_NOTES = {"paper_code": "our replica of the released Keras network (about 39 M parameters)",
               "efficient": _CNN, "efficient+spkn": _CNN + _SPKN, "compare_svm": _SVM,
               "compare_svm+spkn": _SVM + _SPKN}
#: a model trained on original recordings only is tested on the paper's split mostly with augmented copies it
#: never saw: that score says little and is left to the audit page
_ORIGINALS_ONLY = "original versions only"
#: who ran each kind of number, in sentences
SOURCE_NAMES = {"reproduce": "the reproduction", "faithful": "the paper's network on the honest splits",
                "audit": "the audit"}
#: where each kind of number is shown in the book (relative to the book's root folder)
PAGES = {"reproduce": "reproductions/{corpus}", "audit": "audit/audit", "faithful": "audit/same_network"}


def corpus_title(corpus: str) -> str:
    """``emodb`` -> ``EMO-DB``."""
    return short_name(corpus)


@dataclass
class Results:
    """Every results file behind the headline (see :func:`load`)."""

    reproduce: dict = field(default_factory=dict)   # corpus -> record of results/reproduce
    audit_dir: str = "audit"                        # the audit folder read: audit-v2 when present
    audit: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per fold (ser_lib.audit.collect)
    audit_data: dict = field(default_factory=dict)  # corpus -> the audit's data description
    audit_epochs: dict = field(default_factory=dict)  # corpus -> epochs of the audit's neural models
    audit_params: dict = field(default_factory=dict)  # corpus -> parameters of the efficient CNN
    faithful: list = field(default_factory=list)    # records of results/faithful
    root: Path = REPO_ROOT / "results"

    @property
    def empty(self) -> bool:
        return not self.reproduce and self.audit.empty and not self.faithful


def _read(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.append((p, json.loads(p.read_text())))
        except (OSError, json.JSONDecodeError):  # a file being written: skip it, the next build reads it
            continue
    return out


def load(results_root: str | Path | None = None) -> Results:
    """Read ``<results_root>/{reproduce,audit,faithful}/*.json`` (default: the repository's ``results/``).

    Reproduction runs on a subsample (``max_files``) or on the synthetic corpus are left out: they are
    smoke tests, not results. A folder that does not exist gives an empty part.
    """
    root = Path(results_root) if results_root is not None else REPO_ROOT / "results"
    res = Results(root=root)
    for _, rec in _read(root / "reproduce"):
        par = rec.get("params", {})
        if par.get("protocol", "paper") == "paper" and not par.get("max_files") and par.get("corpus") != "synthetic":
            res.reproduce[par["corpus"]] = rec
    rows = []
    v2 = _read(root / "audit-v2")
    res.audit_dir = "audit-v2" if v2 else "audit"
    for p, rec in v2 or _read(root / "audit"):
        par = rec.get("params", {})
        corpus = par.get("corpus")
        if corpus in (None, "synthetic"):
            continue
        res.audit_data.setdefault(corpus, rec.get("data", {}))
        if str(par.get("model", "")).startswith("efficient") and par.get("epochs"):
            res.audit_epochs.setdefault(corpus, int(par["epochs"]))
            res.audit_params.setdefault(corpus, (rec.get("cost") or {}).get("params"))
        originals_only = par.get("baseline_training_rows") == _ORIGINALS_ONLY
        rows += [dict(r, originals_only=originals_only) for r in fold_rows(rec, p.name)]
    res.audit = pd.DataFrame(rows, columns=[*AUDIT_COLUMNS, "originals_only"])
    for _, rec in _read(root / "faithful"):
        par = rec.get("params", {})
        if par.get("model") == "paper_code" and not par.get("max_files") and par.get("corpus") != "synthetic":
            res.faithful.append(rec)
    return res


def _mean_std(values) -> tuple[float, float | None, int]:
    v = np.asarray(list(values), float)
    return float(v.mean()), (float(v.std(ddof=1)) if v.size > 1 else None), int(v.size)


def _choose_models(g: pd.DataFrame) -> list[str]:
    """For one corpus's audit rows: the CNN run on the most splits (ties: the order of ``ROLES``), and the
    baseline run on the most splits, with the CNN's normalisation when there is a choice."""
    cover = g.groupby("model")["protocol"].nunique()
    best = lambda keys: sorted((k for k in keys if k in cover), key=lambda k: (-cover[k], keys.index(k)))  # noqa: E731
    cnn = best(ROLES["cnn"])
    base = best(ROLES["baseline"])
    if cnn and base:
        same = [k for k in base if k.partition("+")[2] == cnn[0].partition("+")[2] and cover[k] == cover[base[0]]]
        base = same or base
    return cnn[:1] + base[:1]


def headline(res: Results, models=HEADLINE_MODELS) -> pd.DataFrame:
    """One row per (corpus, split, model) with a result: UAR in % (mean, std over one value per unit:
    speaker folds with seeds averaged, or seeds where a split has one fold; :mod:`ser_lib.audit_tables`).

    Columns: corpus, protocol, model, uar, uar_std, n (units), epochs (of that run), epochs_of
    (the paper's 100 for the reproduction), classes, recordings, source (``reproduce``, ``audit`` or
    ``faithful``). The paper's network on the paper's split is one run (no std).
    """
    rows = []
    if "paper_code" in models:
        for corpus, rec in res.reproduce.items():
            d, m = rec.get("data", {}), rec["metrics"]
            rows.append({"corpus": corpus, "protocol": "paper", "model": "paper_code", "uar": 100 * m["uar"],
                         "uar_std": None, "n": 1, "epochs": int(rec.get("epochs_run") or 0),
                         "epochs_of": int(rec.get("epochs_paper") or paper.EPOCHS),
                         "classes": len(m.get("labels") or d.get("emotions") or []),
                         "recordings": d.get("n_files"), "source": "reproduce"})
        pooled: dict = {}  # a faithful results file holds one fold or all: pool the folds of one split and budget
        for rec in res.faithful:
            par = rec["params"]
            key = (par["corpus"], par["protocol"], int(par.get("epochs") or 0))
            entry = pooled.setdefault(key, {"folds": {}, "rec": rec})
            for i, f in enumerate(rec["metrics"].get("folds") or []):
                entry["folds"].setdefault(f.get("fold", (id(rec), i)), f)
        for (corpus, protocol, epochs), entry in pooled.items():
            rec, folds = entry["rec"], list(entry["folds"].values())
            if folds:
                mean, std, n = _mean_std(100 * f["last"]["uar"] for f in folds)  # one value per fold
            else:
                mean, std, n = 100 * rec["metrics"]["last_uar_mean"], None, 1
            rows.append({"corpus": corpus, "protocol": protocol, "model": "paper_code", "uar": mean,
                         "uar_std": std, "n": n, "epochs": epochs, "epochs_of": None,
                         "classes": len(rec["params"].get("labels") or []),
                         "recordings": rec.get("data", {}).get("n_files"), "source": "faithful"})
    budgets: dict = {}
    for rec in res.faithful:  # the paper's split at the honest splits' budget E, from the run's own history
        budgets.setdefault(rec["params"]["corpus"], set()).add(int(rec["params"].get("epochs") or 0))
    for row in rows:
        if row["source"] == "reproduce" and len(budgets.get(row["corpus"], ())) == 1:
            e = next(iter(budgets[row["corpus"]]))
            hist = {int(x["epoch"]): x for x in (res.reproduce[row["corpus"]].get("history") or [])}
            if e in hist and hist[e].get("val_uar") is not None and e != row["epochs"]:
                row["at_epochs"], row["uar_at"] = e, 100 * hist[e]["val_uar"]
    d = res.audit
    if not d.empty:
        d = d[d["augment"] & d["model"].isin([m for m in models if m != "paper_code"])]
        d = d[~((d["protocol"] == "paper") & d["originals_only"].astype(bool))]
        keep = []
        for corpus, g in d.groupby("corpus", sort=False):
            keep += [(corpus, m) for m in _choose_models(g)]
        d = d[[(c, m) in set(keep) for c, m in zip(d["corpus"], d["model"])]]
        for (corpus, protocol, model), g in d.groupby(["corpus", "protocol", "model"], sort=False):
            mean, std, n = _mean_std(100 * unit_values(g, "uar")["uar"])  # one value per speaker fold (or seed)
            data = res.audit_data.get(corpus, {})
            rows.append({"corpus": corpus, "protocol": protocol, "model": model, "uar": mean, "uar_std": std, "n": n,
                         "epochs": res.audit_epochs.get(corpus) if model.startswith("efficient") else None,
                         "epochs_of": None, "classes": len(data.get("labels") or []),
                         "recordings": data.get("n_recordings"), "source": "audit"})
    out = pd.DataFrame(rows, columns=["corpus", "protocol", "model", "uar", "uar_std", "n", "epochs", "epochs_of",
                                      "classes", "recordings", "source", "at_epochs", "uar_at"])
    order = {c: i for i, c in enumerate(paper.FIGURES)}
    return out.sort_values(["corpus", "protocol", "model"], key=lambda s: s.map(
        order if s.name == "corpus" else {p: i for i, p in enumerate(PROTOCOLS)} if s.name == "protocol"
        else {m: i for i, m in enumerate(models)})).reset_index(drop=True)


def _cell(r) -> str:
    text = f"{r.uar:.1f}" + ("" if r.uar_std is None or pd.isna(r.uar_std) else f" ± {r.uar_std:.1f}")
    if r.model == "paper_code" and r.epochs and not pd.isna(r.epochs):
        if not pd.isna(r.epochs_of):
            text += f" ({int(r.epochs)} of {int(r.epochs_of)} ep.)"
        elif r.protocol == "speaker":  # the paper's network trains one fold at a time: say how many have run
            text += f" ({int(r.epochs)} ep., {int(r.n)} fold{'s' if int(r.n) != 1 else ''})"
        else:
            text += f" ({int(r.epochs)} ep.)"
    if getattr(r, "at_epochs", None) is not None and not pd.isna(r.at_epochs):
        text += f"; {r.uar_at:.1f} at {int(r.at_epochs)} ep."
    return text


def corpus_table(h: pd.DataFrame, corpus: str, models=HEADLINE_MODELS) -> pd.DataFrame:
    """The small table of one corpus: one row per split, one column per model, cells ``"mean ± std"``
    (UAR %), ``"–"`` where that model was not run on that split."""
    g = h[h["corpus"] == corpus]
    cols = [m for m in models if m in set(g["model"]) or m == "paper_code"]  # the paper's network: "–" if not run
    tab = pd.DataFrame("–", index=[SPLIT_NAMES[p] for p in PROTOCOLS], columns=[MODEL_NAMES.get(m, m) for m in cols])
    for r in g.itertuples():
        if r.model in cols:
            tab.loc[SPLIT_NAMES[r.protocol], MODEL_NAMES.get(r.model, r.model)] = _cell(r)
    tab.index.name = "UAR (%)"
    return tab


def page_links(corpus: str, h: pd.DataFrame, base: str, suffix: str) -> list[str]:
    g = h[h["corpus"] == corpus]
    out = []
    if "reproduce" in set(g["source"]):
        out.append((f"{base}{PAGES['reproduce'].format(corpus=corpus)}{suffix}", "reproduction page"))
    if "faithful" in set(g["source"]):
        out.append((f"{base}{PAGES['faithful']}{suffix}", "same network, three splits"))
    if "audit" in set(g["source"]):
        out.append((f"{base}{PAGES['audit']}{suffix}#the-headline-table", "audit"))
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def data_note(corpus: str, h: pd.DataFrame) -> str:
    """A note when the runs of one corpus used different data (e.g. an earlier, partial copy)."""
    g = h[h["corpus"] == corpus].drop_duplicates("source")
    kinds = {(int(r.recordings or 0), int(r.classes or 0)) for r in g.itertuples()}
    if len(kinds) <= 1:
        return ""
    groups: dict = {}
    for r in g.itertuples():
        groups.setdefault((int(r.recordings or 0), int(r.classes or 0)), []).append(SOURCE_NAMES.get(r.source, r.source))
    parts = [f"{_join(names)} used {n} recordings and {k} emotions" for (n, k), names in groups.items()]
    return "not the same data: " + "; ".join(parts) + "."


