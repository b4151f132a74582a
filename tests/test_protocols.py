"""ser_lib.protocols: the splits promise what they say, and leakage is measured right."""
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ser_lib import protocols as P

VERSIONS = ("original", "noise", "pitch", "pitch_noise")


def make_meta(n_speakers=6, per_speaker=20, emotions=("angry", "happy", "neutral", "sad"), prefix="s"):
    rows = []
    for s in range(n_speakers):
        for i in range(per_speaker):
            rid = f"{prefix}{s:02d}_{i:03d}"
            for v in VERSIONS:
                rows.append({"recording_id": rid, "speaker": f"{prefix}{s + 1:02d}",
                             "emotion": emotions[i % len(emotions)], "version": v})
    return pd.DataFrame(rows)


def direct_leakage(meta, fold):
    train_rids = set(meta.recording_id.iloc[np.r_[fold.train_idx, fold.val_idx]])
    return sum(meta.recording_id.iloc[i] in train_rids for i in fold.test_idx) / len(fold.test_idx)


def test_paper_split_is_the_released_one():
    meta = make_meta()
    (f,) = P.paper(meta, seed=42)
    _, te = train_test_split(np.arange(len(meta)), test_size=0.2, random_state=42, shuffle=True)
    np.testing.assert_array_equal(f.test_idx, np.sort(te))
    assert len(f.train_idx) + len(f.val_idx) + len(f.test_idx) == len(meta)
    assert P.check_fold(meta, f, "paper")
    lk = P.leakage(meta, f)
    assert lk == pytest.approx(direct_leakage(meta, f))
    assert lk > 0.9  # with 4 versions, 1 - 0.2**3 ~ 0.99 of test rows have a sibling in training
    with pytest.raises(AssertionError, match="recordings in both"):
        P.check_fold(meta, f, "utterance")


def test_utterance_no_overlap_zero_leakage():
    meta = make_meta()
    (f,) = P.utterance(meta, seed=3)
    assert P.check_fold(meta, f, "utterance")
    assert P.leakage(meta, f) == 0.0
    assert (meta.version.iloc[f.test_idx] == "original").all()
    assert (meta.version.iloc[f.val_idx] == "original").all()
    assert set(meta.version.iloc[f.train_idx]) == set(VERSIONS)
    n_rec = meta.recording_id.nunique()
    assert len(f.test_idx) == pytest.approx(0.2 * n_rec, abs=1)
    # stratified: each emotion is ~20 % of its recordings
    te = meta.iloc[f.test_idx].emotion.value_counts()
    assert te.max() - te.min() <= 1
    (g,) = P.utterance(meta, seed=3, augment=False)
    assert set(meta.version.iloc[g.train_idx]) == {"original"}
    np.testing.assert_array_equal(g.test_idx, f.test_idx)


@pytest.mark.parametrize("corpus,n_spk,n_folds", [("emodb", 10, 10), ("savee", 4, 4), ("emovo", 6, 6)])
def test_loso(corpus, n_spk, n_folds):
    meta = make_meta(n_speakers=n_spk, per_speaker=8)
    folds = P.speaker(meta, corpus, seed=0)
    assert len(folds) == n_folds
    tested = []
    for f in folds:
        assert P.check_fold(meta, f, "speaker")
        assert P.leakage(meta, f) == 0.0
        assert len(f.val_idx) > 0
        assert len(set(meta.speaker.iloc[f.test_idx])) == 1
        tested += list(set(meta.speaker.iloc[f.test_idx]))
        # validation speakers are training speakers, never the test speaker
        assert not set(meta.speaker.iloc[f.val_idx]) & set(meta.speaker.iloc[f.test_idx])
        assert not set(meta.speaker.iloc[f.val_idx]) & set(meta.speaker.iloc[f.train_idx])
    assert sorted(tested) == sorted(meta.speaker.unique())


def test_ravdess_emobox_folds_exact():
    meta = make_meta(n_speakers=24, per_speaker=4)
    meta["speaker"] = meta.speaker.str[1:]  # "01" .. "24"
    folds = P.speaker(meta, "ravdess", seed=1)
    assert len(folds) == 6
    got = [tuple(sorted(int(s) for s in meta.speaker.iloc[f.test_idx].unique())) for f in folds]
    assert got == [tuple(sorted(f)) for f in P.EMOBOX_RAVDESS_FOLDS]
    for f in folds:
        P.check_fold(meta, f, "speaker")
        assert len(set(meta.speaker.iloc[f.val_idx])) == 3  # round(0.15 * 20)


def test_cremad_and_tess():
    meta = make_meta(n_speakers=12, per_speaker=6, prefix="10")
    folds = P.speaker(meta, "cremad", seed=0)
    assert len(folds) == 5
    tested = np.concatenate([f.test_idx for f in folds])
    assert len(tested) == len(set(tested)) == (meta.version == "original").sum()
    for f in folds:
        P.check_fold(meta, f, "speaker")
    tess = make_meta(n_speakers=2, per_speaker=20)
    folds = P.speaker(tess, "tess", seed=0)
    assert len(folds) == 2
    for f in folds:
        P.check_fold(tess, f, "speaker")
        assert P.leakage(tess, f) == 0.0
        assert set(tess.speaker.iloc[f.val_idx]) == set(tess.speaker.iloc[f.train_idx])


def test_check_fold_catches_speaker_leak_and_bad_input():
    meta = make_meta(n_speakers=3, per_speaker=8)
    f = P.speaker(meta, "savee")[0]
    bad = P.Fold("bad", f.train_idx, f.val_idx, np.r_[f.test_idx, f.train_idx[:1] + 0][:])
    with pytest.raises(AssertionError):
        P.check_fold(meta, bad, "speaker")
    with pytest.raises(ValueError, match="lacks columns"):
        P.paper(meta.drop(columns="version"))
    with pytest.raises(ValueError, match="unknown corpus"):
        P.speaker(meta, "nope")


def test_build_without_augmentation_paper():
    meta = make_meta()
    (f,) = P.build("paper", meta, "savee", 42, augment=False)
    allidx = np.r_[f.train_idx, f.val_idx, f.test_idx]
    assert (meta.version.iloc[allidx] == "original").all()
    assert len(allidx) == (meta.version == "original").sum()


@pytest.mark.real
def test_real_corpus_folds(real_root):
    corpora = pytest.importorskip("ser_lib.corpora")
    table = corpora.scan("savee", real_root)
    meta = pd.concat([table.assign(version=v) for v in VERSIONS], ignore_index=True)
    folds = P.speaker(meta, "savee", seed=0)
    assert len(folds) == 4
    for f in folds:
        assert P.check_fold(meta, f, "speaker") and P.leakage(meta, f) == 0.0
    (p,) = P.paper(meta)
    assert P.leakage(meta, p) == pytest.approx(direct_leakage(meta, p)) and P.leakage(meta, p) > 0.95
    rav = corpora.scan("ravdess", real_root)
    rmeta = rav.assign(version="original")
    folds = P.speaker(rmeta, "ravdess")
    assert len(folds) == 6 and sum(len(f.test_idx) for f in folds) == len(rav)
    for f in folds:
        P.check_fold(rmeta, f, "speaker")


# ----------------------------------------------------------------- the released split and the leakage share
@pytest.mark.parametrize("n", [10, 101, 2140])
def test_paper_split_equals_sklearn(n):
    X = np.random.default_rng(0).normal(size=(n, 3))
    y = np.arange(n) % 4
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=42, shuffle=True)
    tr, te = P.paper_split(n)
    assert np.array_equal(X[tr], Xtr) and np.array_equal(X[te], Xte)
    assert np.array_equal(y[te], yte)
    assert len(set(tr) | set(te)) == n and not set(tr) & set(te)


def _paper_fold_before_the_merge(meta, seed, val_size=0.1):
    """protocols.paper as it was written before it was built on paper_split (kept here as the reference)."""
    n = len(meta)
    tr, te = train_test_split(np.arange(n), test_size=0.2, random_state=seed, shuffle=True)
    if val_size and val_size > 0:
        tr, va = train_test_split(tr, test_size=val_size, random_state=seed + 1, shuffle=True)
    else:
        va = np.array([], np.int64)
    return np.sort(tr), np.sort(va), np.sort(te)


@pytest.mark.parametrize("n_speakers,per_speaker", [(6, 20), (2, 3), (10, 49)])
@pytest.mark.parametrize("seed", [42, 0, 7])
def test_paper_fold_and_paper_split_give_identical_indices(n_speakers, per_speaker, seed):
    """The audit's paper fold and the reproduction's split are the same rows: the fold's test side is the
    split's test side (sorted), its train + validation sides are the split's training side."""
    meta = make_meta(n_speakers, per_speaker)
    tr, te = P.paper_split(len(meta), random_state=seed)
    for val_size in (0.1, 0.0):
        (f,) = P.paper(meta, seed, val_size=val_size)
        np.testing.assert_array_equal(f.test_idx, np.sort(te))
        np.testing.assert_array_equal(np.sort(np.r_[f.train_idx, f.val_idx]), np.sort(tr))
        if not val_size:
            np.testing.assert_array_equal(f.train_idx, np.sort(tr))
            assert f.val_idx.size == 0
        old = _paper_fold_before_the_merge(meta, seed, val_size)
        for got, want in zip((f.train_idx, f.val_idx, f.test_idx), old):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == np.int64
    # the default seed is the released random_state
    np.testing.assert_array_equal(P.paper(meta)[0].test_idx, np.sort(P.paper_split(len(meta))[1]))


def test_leakage_share_on_toy_table():
    # 3 recordings x 2 versions; train has a0, a1, b0; test has b1, c0, c1
    rid = np.array(["a", "a", "b", "b", "c", "c"])
    assert P.leakage_share(rid, [0, 1, 2], [3, 4, 5]) == pytest.approx(1 / 3)
    assert P.leakage_share(rid, [0, 1], [2, 3]) == 0.0
    assert P.leakage_share(rid, [0, 2, 4], [1, 3, 5]) == 1.0
    with pytest.raises(ValueError):
        P.leakage_share(rid, [0], [])


def test_leakage_of_paper_split_with_four_versions_is_high():
    rid = np.repeat(np.arange(300), 4)
    tr, te = P.paper_split(len(rid))
    share = P.leakage_share(rid, tr, te)
    # P(no sibling of a test row in train) ~ 0.2**3 = 0.008
    assert 0.97 < share <= 1.0


def test_leakage_of_a_fold_is_the_leakage_share_of_its_rows():
    meta = make_meta()
    for protocol in ("paper", "utterance", "speaker"):
        for f in P.build(protocol, meta, "emodb", 3):
            seen = np.r_[f.train_idx, f.val_idx]
            assert P.leakage(meta, f) == P.leakage_share(meta["recording_id"], seen, f.test_idx)
            assert P.leakage(meta, f) == pytest.approx(direct_leakage(meta, f))
    empty = P.Fold("empty", np.arange(4), np.array([], np.int64), np.array([], np.int64))
    with pytest.raises(ValueError, match="empty: empty test set"):
        P.leakage(meta, empty)


def test_the_reproduction_uses_these_implementations():
    from ser_lib import reproduce

    assert reproduce.paper_split is P.paper_split and reproduce.leakage_share is P.leakage_share


# ----------------------------------------------------------------- takes: twins stay on one side
def make_twin_meta(n_speakers=4, n_texts=6, emotions=("angry", "happy", "neutral", "sad"), reps=2):
    """A RAVDESS-like table: every (speaker, text, emotion) take recorded ``reps`` times."""
    rows = []
    for s in range(n_speakers):
        for t in range(n_texts):
            for e in emotions:
                for r in range(reps):
                    rid = f"s{s}_t{t}_{e}_r{r}"
                    for v in VERSIONS:
                        rows.append({"recording_id": rid, "speaker": f"s{s}", "text": f"t{t}", "emotion": e,
                                     "intensity": "normal", "version": v})
    return pd.DataFrame(rows)


def test_take_ids_group_twins_and_fall_back_to_recordings():
    meta = make_twin_meta(n_speakers=1, n_texts=1, emotions=("angry",))
    take = P.take_ids(meta)
    assert len(set(take)) == 1 and meta.recording_id.nunique() == 2
    no_text = make_meta(n_speakers=1, per_speaker=3)
    np.testing.assert_array_equal(P.take_ids(no_text), no_text.recording_id.to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_utterance_protocol_never_puts_a_twin_in_training(seed):
    meta = make_twin_meta()
    (f,) = P.utterance(meta, seed=seed)
    assert P.check_fold(meta, f, "utterance")
    assert P.take_leakage(meta, f) == 0.0 and P.leakage(meta, f) == 0.0
    take = P.take_ids(meta)
    assert not set(take[np.r_[f.train_idx, f.val_idx]]) & set(take[f.test_idx])
    # both repetitions of every test take are tested
    assert (pd.Series(take[f.test_idx]).value_counts() == 2).all()


def test_take_leakage_sees_twins_that_recording_leakage_misses():
    meta = make_twin_meta()
    rid = meta.recording_id.to_numpy()
    orig = np.flatnonzero(meta.version.to_numpy() == "original")
    test = orig[np.char.endswith(rid[orig].astype(str), "_r1")]        # repetition 1 tested
    train = orig[np.char.endswith(rid[orig].astype(str), "_r0")]       # its twin trained on
    fold = P.Fold("twins", train, np.array([], np.int64), test)
    assert P.leakage(meta, fold) == 0.0
    assert P.take_leakage(meta, fold) == 1.0
    with pytest.raises(AssertionError, match="takes"):
        P.check_fold(meta, fold, "utterance")


@pytest.mark.real
@pytest.mark.parametrize("corpus", ["ravdess", "emodb"])
def test_real_utterance_protocol_has_no_twin_takes(real_root, corpus):
    corpora = pytest.importorskip("ser_lib.corpora")
    meta = corpora.scan(corpus, real_root).assign(version="original")
    (f,) = P.utterance(meta, seed=0)
    assert P.check_fold(meta, f, "utterance") and P.take_leakage(meta, f) == 0.0
    # a split by recording alone would have left most RAVDESS test takes with a twin in training
    if corpus == "ravdess":
        from sklearn.model_selection import train_test_split

        tr, te = train_test_split(np.arange(len(meta)), test_size=0.2, random_state=0, stratify=meta.emotion)
        assert P.take_leakage(meta, P.Fold("by-recording", tr, np.array([], np.int64), te)) > 0.5
