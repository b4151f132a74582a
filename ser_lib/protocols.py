"""Evaluation protocols as explicit index sets: paper, utterance, speaker.

Every builder takes a *meta* table with one row per (recording, version) -- the output of
:func:`ser_lib.features.extract` -- with at least the columns ``recording_id``, ``speaker``,
``emotion`` and ``version`` (``"original"`` for the unaugmented clip; ``"noise"``, ``"pitch"``,
``"pitch_noise"`` for the augmented copies), and returns a list of :class:`Fold` objects whose
``train_idx`` / ``val_idx`` / ``test_idx`` are integer row positions into that table.

=========  ==================================================================================
protocol   what is held out
=========  ==================================================================================
paper      20 % of *rows* after augmentation, exactly the released code's
           ``train_test_split(np.arange(n), test_size=0.2, random_state=42, shuffle=True)``;
           copies of one recording land on both sides (this is the leak being measured).
utterance  20 % of *takes* (speaker, text, emotion, intensity: :func:`take_ids`), stratified by
           emotion, so no test recording has a twin take in training; the test rows are the
           original versions only; training rows are all versions of the training recordings.
speaker    whole speakers: leave-one-speaker-out (EMO-DB, SAVEE, EMOVO, synthetic), the six
           EmoBox actor folds (RAVDESS), 5 stratified folds grouped by speaker (CREMA-D), one
           actress vs the other (TESS).
=========  ==================================================================================

Validation rows (for early stopping and hyper-parameters) are always carved from the
*training* side: random training rows for ``paper`` (as leaky as the protocol itself),
held-out training recordings for ``utterance`` and held-out training *speakers* for
``speaker`` (TESS has one training speaker, so its validation recordings come from her).
Validation and test rows are original (unaugmented) versions, except under ``paper``.

:func:`check_fold` verifies what a protocol promises, :func:`leakage` measures the share
of test rows whose recording (an augmented sibling) was seen in training and :func:`take_leakage`
the share whose take (the recording or a twin of it) was.

:func:`paper_split` is the released split itself, in the order ``train_test_split`` returns the
rows: the reproduction (:mod:`ser_lib.reproduce`) trains on exactly that order, and :func:`paper`
builds the audit's ``paper`` fold from it. :func:`leakage_share` is the one leakage computation
(:func:`leakage` applies it to a fold).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .paper import RANDOM_STATE, TEST_SIZE

__all__ = ["Fold", "PROTOCOLS", "EMOBOX_RAVDESS_FOLDS", "LOSO_CORPORA", "paper_split", "paper", "utterance",
           "speaker", "build", "check_fold", "leakage_share", "leakage", "take_ids", "take_leakage", "fold_summary",
           "subsample"]

PROTOCOLS = ("paper", "utterance", "speaker")

#: EmoBox's RAVDESS test-actor folds (Ma et al., 2024).
EMOBOX_RAVDESS_FOLDS = ((1, 11, 20, 21), (4, 10, 12, 14), (8, 9, 19, 23), (3, 5, 7, 24),
                        (2, 15, 16, 18), (6, 13, 17, 22))
#: Corpora evaluated leave-one-speaker-out.
LOSO_CORPORA = ("emodb", "savee", "emovo", "synthetic")

_REQUIRED = ("recording_id", "speaker", "emotion", "version")


@dataclass(frozen=True)
class Fold:
    """One train/validation/test split as integer row positions into the meta table.

    Attributes
    ----------
    name : e.g. ``"paper"``, ``"utterance"``, ``"speaker-03"``, ``"actors-1-11-20-21"``
    train_idx, val_idx, test_idx : int64 arrays of row positions, pairwise disjoint
    test_speakers : speakers whose recordings are tested (informational)
    """

    name: str
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    test_speakers: tuple = field(default=())

    def __repr__(self) -> str:
        return (f"Fold({self.name!r}, train={len(self.train_idx)}, val={len(self.val_idx)}, "
                f"test={len(self.test_idx)})")


def _check_meta(meta: pd.DataFrame) -> None:
    if not isinstance(meta, pd.DataFrame):
        raise TypeError(f"meta must be a pandas DataFrame, got {type(meta).__name__}")
    missing = [c for c in _REQUIRED if c not in meta.columns]
    if missing:
        raise ValueError(f"meta lacks columns {missing}; it needs {list(_REQUIRED)} "
                         "(one row per recording and version, as ser_lib.features.extract returns)")
    if len(meta) == 0:
        raise ValueError("meta is empty")


def _idx(mask) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask)).astype(np.int64)


def _rows(meta: pd.DataFrame, recordings, *, original_only: bool) -> np.ndarray:
    m = meta["recording_id"].isin(set(recordings)).to_numpy().copy()
    if original_only:
        m &= (meta["version"] == "original").to_numpy()
    return _idx(m)


def _recordings(meta: pd.DataFrame) -> pd.DataFrame:
    """One row per recording: recording_id, speaker, emotion, take."""
    recs = meta.drop_duplicates("recording_id")
    return pd.DataFrame({"recording_id": recs["recording_id"].to_numpy(), "speaker": recs["speaker"].to_numpy(),
                         "emotion": recs["emotion"].to_numpy(), "take": take_ids(recs)})


def take_ids(meta: pd.DataFrame) -> np.ndarray:
    """One take id per row: speaker | text | emotion | intensity.

    Two recordings with the same take id are *twins*: the same speaker saying the same sentence
    with the same emotion (and, in RAVDESS, the same intensity) -- RAVDESS records every such
    take twice, EMO-DB keeps alternate versions. Without a ``text`` column (or where it is
    missing) a row is its own take (its ``recording_id``). Returns an object array of strings.
    """
    rid = meta["recording_id"].astype(str).to_numpy()
    if "text" not in meta.columns:
        return rid.astype(object)
    parts = [meta[c].astype(str).where(meta[c].notna(), "") if c in meta.columns else pd.Series("", meta.index)
             for c in ("speaker", "text", "emotion", "intensity")]
    take = (parts[0] + "|" + parts[1] + "|" + parts[2] + "|" + parts[3]).to_numpy().astype(object)
    no_text = meta["text"].isna().to_numpy() | (meta["text"].astype(str) == "").to_numpy()
    take[no_text] = rid[no_text]
    return take


def _train_rows(meta, recordings, augment: bool) -> np.ndarray:
    return _rows(meta, recordings, original_only=not augment)


def paper_split(n: int, test_size: float = TEST_SIZE,
                random_state: int = RANDOM_STATE) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)`` of the released code's split over ``n`` rows.

    Exactly ``train_test_split(X, y, test_size=0.2, random_state=42, shuffle=True)``: without
    stratification the permutation depends only on ``n``, so splitting ``arange(n)`` gives the
    rows that call puts on each side, in the same order.
    """
    from sklearn.model_selection import train_test_split

    if n < 2:
        raise ValueError(f"need at least 2 rows to split, got {n}")
    tr, te = train_test_split(np.arange(n), test_size=test_size, random_state=random_state, shuffle=True)
    return np.asarray(tr), np.asarray(te)


def paper(meta: pd.DataFrame, seed: int = RANDOM_STATE, *, val_size: float = 0.1) -> list[Fold]:
    """The released code's split: 20 % of rows at random, after augmentation.

    ``test_idx`` is exactly the test side of :func:`paper_split` ``(n, random_state=seed)``, sorted.
    A random ``val_size`` share of the training rows is set aside for validation (the released
    code validated on the test set itself; we do not).
    """
    from sklearn.model_selection import train_test_split

    _check_meta(meta)
    tr, te = paper_split(len(meta), random_state=seed)
    if val_size and val_size > 0:
        tr, va = train_test_split(tr, test_size=val_size, random_state=seed + 1, shuffle=True)
    else:
        va = np.array([], np.int64)
    return [Fold("paper", np.sort(tr).astype(np.int64), np.sort(va).astype(np.int64),
                 np.sort(te).astype(np.int64))]


def _stratified_group_split(units: pd.DataFrame, test_size: float, seed: int):
    """Split a table of units (one row each, with ``emotion``) into two arrays of row labels,
    stratified by emotion when every class has >= 2 units."""
    from sklearn.model_selection import train_test_split

    ids = units.index.to_numpy()
    strat = units["emotion"] if units["emotion"].value_counts().min() >= 2 else None
    try:
        a, b = train_test_split(ids, test_size=test_size, random_state=seed, shuffle=True, stratify=strat)
    except ValueError:  # too few units per class for the requested size
        a, b = train_test_split(ids, test_size=test_size, random_state=seed, shuffle=True)
    return a, b


def _stratified_recording_split(recs: pd.DataFrame, test_size: float, seed: int):
    """Split a recordings table (one row per recording) into two arrays of recording ids,
    stratified by emotion; twins (same take, :func:`take_ids`) always land on the same side."""
    takes = recs.drop_duplicates("take").set_index("take")
    a, b = _stratified_group_split(takes, test_size, seed)
    in_a = recs["take"].isin(set(a)).to_numpy()
    return recs["recording_id"].to_numpy()[in_a], recs["recording_id"].to_numpy()[~in_a]


def utterance(meta: pd.DataFrame, seed: int = 0, *, test_size: float = 0.2, val_size: float = 0.15,
              augment: bool = True) -> list[Fold]:
    """20 % of *takes* held out, stratified by emotion: no test recording has a twin in training.

    A take (:func:`take_ids`) is a speaker saying one text with one emotion (and intensity); its
    recordings (RAVDESS's two repetitions, EMO-DB's alternate versions) and their augmented copies
    stay on one side. Test and validation rows are original versions only; training rows are every
    version of the training recordings (only the originals when ``augment=False``). ``val_size``
    is the share of the *training* takes set aside for validation.
    """
    _check_meta(meta)
    recs = _recordings(meta)
    if recs["take"].nunique() < 5:
        raise ValueError(f"utterance protocol needs at least 5 takes, got {recs['take'].nunique()}")
    train_recs, test_recs = _stratified_recording_split(recs, test_size, seed)
    tr_table = recs[recs["recording_id"].isin(set(train_recs))]
    fit_recs, val_recs = _stratified_recording_split(tr_table, val_size, seed + 1)
    return [Fold("utterance", _train_rows(meta, fit_recs, augment), _rows(meta, val_recs, original_only=True),
                 _rows(meta, test_recs, original_only=True))]


def _speaker_number(s) -> int:
    nums = re.findall(r"\d+", str(s))
    if not nums:
        raise ValueError(f"cannot read an actor number from speaker {s!r}")
    return int(nums[-1])


def _val_speakers(train_speakers, rng: np.random.Generator, val_frac: float) -> list:
    train_speakers = sorted(train_speakers, key=str)
    k = max(1, int(round(val_frac * len(train_speakers))))
    return list(rng.choice(np.array(train_speakers, dtype=object), size=k, replace=False))


def speaker(meta: pd.DataFrame, corpus: str, seed: int = 0, *, val_frac: float = 0.15,
            augment: bool = True, test_groups: int | None = None) -> list[Fold]:
    """Speaker-independent folds for ``corpus``.

    - ``emodb``, ``savee``, ``emovo``, ``synthetic``: leave one speaker out
      (:class:`~sklearn.model_selection.LeaveOneGroupOut`);
    - ``ravdess``: the six EmoBox actor folds :data:`EMOBOX_RAVDESS_FOLDS`;
    - ``cremad``: :class:`~sklearn.model_selection.StratifiedGroupKFold` (5 folds, grouped by speaker,
      stratified by emotion, shuffled with ``seed``);
    - ``tess``: train on one actress, test on the other (two folds).

    ``test_groups`` (LOSO corpora only): instead of one fold per speaker, ``test_groups`` folds whose
    test speakers are ``sorted(speakers)[k::test_groups]`` (e.g. 5 folds of 2 speakers for EMO-DB),
    for models too costly to train once per speaker.

    Validation: ``max(1, round(val_frac * n_train_speakers))`` training speakers drawn with
    ``seed`` (TESS: 15 % of the training actress's recordings, stratified by emotion).
    """
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

    from .errors import check_number

    check_number(val_frac, "val_frac", low=0, high=1, low_open=True, high_open=True,
                 hint="the share of training speakers (TESS: recordings) held out for validation, e.g. 0.15")
    _check_meta(meta)
    recs = _recordings(meta)
    spk = recs["speaker"].astype(str).to_numpy()
    speakers = sorted(set(spk))
    if len(speakers) < 2:
        raise ValueError(f"speaker protocol needs at least 2 speakers, got {speakers}")
    corpus = str(corpus).lower()
    test_sets: list[tuple[str, set]] = []
    if corpus in LOSO_CORPORA and test_groups:
        if not 2 <= int(test_groups) <= len(speakers):
            raise ValueError(f"test_groups must be between 2 and the {len(speakers)} speakers, got {test_groups!r}")
        for k in range(int(test_groups)):
            members = set(speakers[k::int(test_groups)])
            test_sets.append(("speakers-" + "-".join(sorted(members)), members))
    elif corpus in LOSO_CORPORA:
        for _, te in LeaveOneGroupOut().split(recs, groups=spk):
            s = spk[te[0]]
            test_sets.append((f"speaker-{s}", {s}))
    elif corpus == "ravdess":
        nums = {s: _speaker_number(s) for s in speakers}
        for fold in EMOBOX_RAVDESS_FOLDS:
            members = {s for s, n in nums.items() if n in fold}
            if members:
                test_sets.append(("actors-" + "-".join(map(str, fold)), members))
        if not test_sets:
            raise ValueError(f"no RAVDESS actor of the EmoBox folds found among speakers {speakers[:5]}...")
    elif corpus == "cremad":
        n_splits = min(5, len(speakers))
        sgkf = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        for k, (_, te) in enumerate(sgkf.split(recs, recs["emotion"], groups=spk)):
            test_sets.append((f"group-fold-{k}", set(spk[te])))
    elif corpus == "tess":
        for s in speakers:
            test_sets.append((f"speaker-{s}", {s}))
    else:
        raise ValueError(f"unknown corpus {corpus!r}: expected one of "
                         f"{list(LOSO_CORPORA) + ['ravdess', 'cremad', 'tess']}")

    folds = []
    for k, (name, test_spk) in enumerate(test_sets):
        rng = np.random.default_rng([seed, k])
        train_spk = [s for s in speakers if s not in test_spk]
        test_recs = recs.loc[np.isin(spk, list(test_spk)), "recording_id"]
        if len(train_spk) >= 2:
            val_spk = set(_val_speakers(train_spk, rng, val_frac))
            fit_recs = recs.loc[np.isin(spk, [s for s in train_spk if s not in val_spk]), "recording_id"]
            val_recs = recs.loc[np.isin(spk, list(val_spk)), "recording_id"]
        else:  # a single training speaker (TESS): validation recordings from her
            tr_table = recs[np.isin(spk, train_spk)]
            fit_recs, val_recs = _stratified_recording_split(tr_table, val_frac, seed + k)
        folds.append(Fold(name, _train_rows(meta, fit_recs, augment), _rows(meta, val_recs, original_only=True),
                          _rows(meta, test_recs, original_only=True), tuple(sorted(test_spk))))
    return folds


def build(protocol: str, meta: pd.DataFrame, corpus: str, seed: int = 0, *, augment: bool = True) -> list[Fold]:
    """Dispatch to :func:`paper` (seed used as ``random_state``), :func:`utterance` or :func:`speaker`.

    ``augment=False`` keeps only original versions on the training side (``paper``: drops
    augmented rows from the table first, as in the notebooks' "without augmentation" runs).
    """
    from .corpora.registry import base_corpus

    corpus = base_corpus(str(corpus).lower())  # a label variant ("ravdess8") has its corpus's folds
    if protocol == "paper":
        if augment:
            return paper(meta, seed)
        orig = _idx(meta["version"] == "original")
        sub = meta.iloc[orig].reset_index(drop=True)
        return [Fold(f.name, orig[f.train_idx], orig[f.val_idx], orig[f.test_idx]) for f in paper(sub, seed)]
    if protocol == "utterance":
        return utterance(meta, seed, augment=augment)
    if protocol == "speaker":
        return speaker(meta, corpus, seed, augment=augment)
    raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")


def check_fold(meta: pd.DataFrame, fold: Fold, protocol: str) -> bool:
    """Assert what ``protocol`` promises about ``fold``; return True.

    Always: index sets are in range and pairwise disjoint, the test set is non-empty.
    ``utterance`` and ``speaker``: no recording and no take (:func:`take_ids`) on both the test side
    and the train/validation side, and validation recordings are not training recordings. ``speaker``: additionally
    no speaker on both sides, and validation speakers are disjoint from test speakers.
    Raises :class:`AssertionError` naming the violation.
    """
    _check_meta(meta)
    n = len(meta)
    tr, va, te = (np.asarray(x, np.int64) for x in (fold.train_idx, fold.val_idx, fold.test_idx))
    for name, ix in (("train", tr), ("val", va), ("test", te)):
        if ix.size and (ix.min() < 0 or ix.max() >= n):
            raise AssertionError(f"{fold.name}: {name} indices out of range [0, {n})")
        if len(np.unique(ix)) != len(ix):
            raise AssertionError(f"{fold.name}: duplicate {name} indices")
    if te.size == 0 or tr.size == 0:
        raise AssertionError(f"{fold.name}: empty train or test set")
    for a, b, an, bn in ((tr, va, "train", "val"), (tr, te, "train", "test"), (va, te, "val", "test")):
        common = np.intersect1d(a, b)
        if common.size:
            raise AssertionError(f"{fold.name}: {common.size} rows in both {an} and {bn}")
    if protocol == "paper":
        return True
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    rid = meta["recording_id"].to_numpy()
    for a, b, an, bn in ((np.r_[tr, va], te, "train/val", "test"), (tr, va, "train", "val")):
        both = set(rid[a]) & set(rid[b])
        if both:
            raise AssertionError(f"{fold.name}: {len(both)} recordings in both {an} and {bn}, "
                                 f"e.g. {sorted(map(str, both))[:3]}")
    take = take_ids(meta)
    both = set(take[np.r_[tr, va]]) & set(take[te])
    if both:
        raise AssertionError(f"{fold.name}: {len(both)} takes (same speaker, text, emotion) with recordings on "
                             f"both the train/val and the test side, e.g. {sorted(map(str, both))[:3]}")
    if protocol == "speaker":
        spk = meta["speaker"].astype(str).to_numpy()
        both = set(spk[np.r_[tr, va]]) & set(spk[te])
        if both:
            raise AssertionError(f"{fold.name}: speakers {sorted(both)} on both train/val and test sides")
        train_spk, val_spk = set(spk[tr]), set(spk[va])
        # Validation speakers are held-out training speakers, except when there is only one
        # training speaker (TESS), whose recordings are then split instead.
        if len(train_spk | val_spk) > 1 and val_spk & train_spk:
            raise AssertionError(f"{fold.name}: speakers {sorted(val_spk & train_spk)} in both train and val")
    return True


def leakage_share(recording_ids, train_idx, test_idx) -> float:
    """Share of test rows whose recording also has a row (an augmented sibling) among ``train_idx``.

    ``recording_ids``: one id per row; ``train_idx``, ``test_idx``: row positions. Returns a float
    in [0, 1]; raises ``ValueError`` on an empty test set.
    """
    rid = np.asarray(recording_ids).astype(str)
    te = np.asarray(test_idx, dtype=np.int64)
    if te.size == 0:
        raise ValueError("empty test set")
    seen = set(rid[np.asarray(train_idx, dtype=np.int64)])
    return float(np.mean([r in seen for r in rid[te]]))


def leakage(meta: pd.DataFrame, fold: Fold) -> float:
    """Share of test rows whose recording (an augmented sibling or the row itself) was seen in
    training, i.e. whose ``recording_id`` occurs among the train or validation rows
    (:func:`leakage_share` with the train and validation rows as the seen side).

    Returns a float in [0, 1]: about 0.99 for the paper's split with four versions per recording,
    exactly 0 for ``utterance`` and ``speaker``.
    """
    _check_meta(meta)
    if len(fold.test_idx) == 0:
        raise ValueError(f"{fold.name}: empty test set")
    seen = np.r_[np.asarray(fold.train_idx, np.int64), np.asarray(fold.val_idx, np.int64)]
    return leakage_share(meta["recording_id"], seen, fold.test_idx)


def take_leakage(meta: pd.DataFrame, fold: Fold) -> float:
    """Share of test rows whose *take* (:func:`take_ids`: same speaker, text, emotion, intensity) has
    a row among the train or validation rows: an augmented copy, the recording itself, or a twin
    recording of the same take. At least :func:`leakage`; 0 for ``utterance`` and ``speaker``.
    """
    _check_meta(meta)
    if len(fold.test_idx) == 0:
        raise ValueError(f"{fold.name}: empty test set")
    seen = np.r_[np.asarray(fold.train_idx, np.int64), np.asarray(fold.val_idx, np.int64)]
    return leakage_share(take_ids(meta), seen, fold.test_idx)


def fold_summary(meta: pd.DataFrame, folds: list[Fold], protocol: str) -> pd.DataFrame:
    """One row per fold: sizes, test speakers, number of test recordings, :func:`leakage` (same
    recording seen in training) and :func:`take_leakage` (same recording or a twin take)."""
    rid = meta["recording_id"].to_numpy()
    rows = []
    for f in folds:
        check_fold(meta, f, protocol)
        rows.append({"fold": f.name, "train_rows": len(f.train_idx), "val_rows": len(f.val_idx),
                     "test_rows": len(f.test_idx), "test_recordings": len(set(rid[f.test_idx])),
                     "test_speakers": ",".join(map(str, f.test_speakers)) or "mixed",
                     "leakage": leakage(meta, f), "take_leakage": take_leakage(meta, f)})
    return pd.DataFrame(rows)


def subsample(table: pd.DataFrame, max_files: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``max_files`` recordings of a corpus table, keeping every speaker and emotion.

    Files are ranked at random (seeded) within each (speaker, emotion) cell -- each emotion when
    the table has no ``speaker`` column -- and taken round-robin over the cells, so the same
    ``max_files`` picks the same files for the reproduction and the audit. ``max_files`` None (or
    at least the table's length) returns the whole table; rows keep their original order.
    For quick CI runs: the published runs use every file.
    """
    if max_files is None or len(table) <= max_files:
        return table.reset_index(drop=True)
    if int(max_files) < 2:
        raise ValueError(f"max_files must be None or >= 2, got {max_files!r}")
    keys = [c for c in ("speaker", "emotion") if c in table.columns]
    rng = np.random.default_rng(seed)
    t = table.assign(_r=rng.random(len(table)))
    t["_rank"] = t.groupby(keys)["_r"].rank(method="first") if keys else t["_r"].rank(method="first")
    t = t.sort_values(["_rank", "_r"]).head(int(max_files))
    return t.drop(columns=["_r", "_rank"]).sort_index().reset_index(drop=True)
