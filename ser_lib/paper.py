"""Every number of the paper and of its released code, in one place.

Lee & Nadeem (2025), "Toward Efficient Speech Emotion Recognition via Spectral Learning and
Attention", arXiv:2507.03251, and the authors' released notebooks (GitHub ``spilabkorea/ser``,
Keras/TensorFlow). The values were read from the paper and from those notebooks and their saved
outputs (the project's reference notes, "The paper, and what its released code actually does").
Every other module imports them from here; ``tests/test_paper.py`` checks them against the
specification and against each other (e.g. ``N_FRAMES`` is librosa's frame count of a clip).

==================  =====================================================================
group               names
==================  =====================================================================
audio               :data:`SR`, :data:`OFFSET`, :data:`DURATION`
frames and vector   :data:`N_FFT`, :data:`HOP_LENGTH`, :data:`N_MFCC`, :data:`N_MELS`,
                    :data:`N_FRAMES`, :data:`VECTOR_LENGTH`
augmentation        :data:`VERSIONS`, :data:`NOISE_FACTOR`, :data:`PITCH_STEPS`,
                    :data:`PITCH_STEPS_OLDER`
model               :data:`N_BLOCKS_CODE`, :data:`N_BLOCKS_TEXT`, :data:`FILTERS`,
                    :data:`KERNEL_SIZE`, :data:`DROPOUT`, :data:`DENSE_UNITS`,
                    :data:`ATTENTION_REDUCTION`, :data:`SPATIAL_KERNEL`
training            :data:`BATCH_SIZE_CODE`, :data:`BATCH_SIZE_TEXT`, :data:`LR`,
                    :data:`EPOCHS`, :data:`WEIGHT_L2`
split               :data:`TEST_SIZE`, :data:`RANDOM_STATE`
the released runs   :data:`RELEASED_COLUMNS`, :data:`PRINTED_PARAMS`, :data:`PRINTED_WITHOUT`
figures             :data:`FIGURES`, :data:`CLAIMED_ACCURACY`, :data:`ABLATION_FIGURES`,
                    :data:`CITATION`
==================  =====================================================================

This module imports nothing from ``ser_lib`` (any module may import it).
"""
from __future__ import annotations

__all__ = [
    "ARXIV", "RELEASED_CODE", "CITATION",
    "SR", "OFFSET", "DURATION",
    "N_FFT", "HOP_LENGTH", "N_MFCC", "N_MELS", "N_FRAMES", "VECTOR_LENGTH",
    "VERSIONS", "NOISE_FACTOR", "PITCH_STEPS", "PITCH_STEPS_OLDER",
    "N_BLOCKS_CODE", "N_BLOCKS_TEXT", "FILTERS", "KERNEL_SIZE", "DROPOUT", "DENSE_UNITS",
    "ATTENTION_REDUCTION", "SPATIAL_KERNEL",
    "BATCH_SIZE_CODE", "BATCH_SIZE_TEXT", "LR", "EPOCHS", "WEIGHT_L2",
    "TEST_SIZE", "RANDOM_STATE",
    "RELEASED_COLUMNS", "PRINTED_PARAMS", "PRINTED_WITHOUT",
    "FIGURES", "CLAIMED_ACCURACY", "ABLATION_FIGURES", "REFERENCE_FIGURES",
]

# ------------------------------------------------------------------------------- the source
ARXIV = "arXiv:2507.03251"
RELEASED_CODE = "GitHub spilabkorea/ser"
#: Where :data:`FIGURES` come from (shown on every reproduction page and stored in its results).
CITATION = ("Lee & Nadeem (2025), Toward Efficient Speech Emotion Recognition via Spectral "
            "Learning and Attention, arXiv:2507.03251 (abstract), and the figures printed by the "
            "authors' released notebooks (GitHub spilabkorea/ser)")

# ------------------------------------------------------------------------------- audio
#: ``librosa.load(path, duration=2.5, offset=0.6)``: librosa's default rate, mono.
SR: int = 22050
#: Seconds skipped at the start of every file.
OFFSET: float = 0.6
#: Seconds read after :data:`OFFSET` (a shorter file gives a shorter clip; no padding).
DURATION: float = 2.5

# ------------------------------------------------------------------------------- frames and the flat vector
#: Frame length of the ZCR and RMS tracks and of ``librosa.feature.mfcc`` (its default).
N_FFT: int = 2048
#: Hop between frames, in samples (librosa's default).
HOP_LENGTH: int = 512
#: MFCC coefficients per frame (librosa's default).
N_MFCC: int = 20
#: Mel bands of the MFCC (librosa's default).
N_MELS: int = 128
#: Frames of a full clip: ``1 + round(DURATION * SR) // HOP_LENGTH`` (centred frames) = 108.
N_FRAMES: int = 108
#: The flat vector of a full clip: ZCR (108) + RMS (108) + 20 MFCC x 108 frames = 2376 values.
VECTOR_LENGTH: int = 2376

# ------------------------------------------------------------------------------- augmentation
#: The four versions the released code writes for every clip, in its order (one row each).
VERSIONS: tuple[str, ...] = ("original", "noise", "pitch", "pitch_noise")
#: Noise amplitude ``NOISE_FACTOR * U(0, 1) * max(y)``, drawn once per clip.
NOISE_FACTOR: float = 0.035
#: ``librosa.effects.pitch_shift(y, sr=sr, n_steps=2.0)``: semitones.
PITCH_STEPS: float = 2.0
#: The pitch shift of an older released notebook.
PITCH_STEPS_OLDER: float = 0.7

# ------------------------------------------------------------------------------- model
#: Convolutional blocks: two in the released code, three in the paper's text.
N_BLOCKS_CODE: int = 2
N_BLOCKS_TEXT: int = 3
#: Conv1D filters and kernel size ("256 filters, kernel size 7").
FILTERS: int = 256
KERNEL_SIZE: int = 7
#: Dropout after the second block.
DROPOUT: float = 0.2
#: Units of the Dense layer after Flatten.
DENSE_UNITS: int = 64
#: Channel-attention MLP: ``FILTERS / ATTENTION_REDUCTION`` = 16 hidden units.
ATTENTION_REDUCTION: int = 16
#: Kernel of the spatial-attention Conv1D (padding same, sigmoid, no bias).
SPATIAL_KERNEL: int = 7

# ------------------------------------------------------------------------------- training
#: Batch size per corpus in the released notebooks (the paper's text says 64 for all).
BATCH_SIZE_CODE: dict[str, int] = {"emodb": 16, "emovo": 16, "savee": 16, "tess": 16, "ravdess": 32,
                                   "cremad": 32}
#: Batch size in the paper's text, for every corpus.
BATCH_SIZE_TEXT: int = 64
#: Adam learning rate.
LR: float = 1e-5
#: Epochs (the released code runs all of them: its callbacks are not passed to ``fit``).
EPOCHS: int = 100
#: ``kernel_regularizer=l2(1e-3)`` on the Conv1D kernels and the Dense(64) kernel.
WEIGHT_L2: float = 1e-3

# ------------------------------------------------------------------------------- split
#: ``train_test_split(X, Y, test_size=0.2, random_state=42, shuffle=True)`` over the rows.
TEST_SIZE: float = 0.2
RANDOM_STATE: int = 42

# ------------------------------------------------------------------------------- the released runs
#: Columns of the feature table each released notebook trained on (its input length L).
RELEASED_COLUMNS: dict[str, int] = {"emodb": 2268, "emovo": 2268, "tess": 2060, "savee": 251, "ravdess": 251,
                                    "cremad": 251}
#: Total parameters Keras printed in each released notebook (7 classes; None: not printed for CREMA-D,
#: whose notebook prints the RAVDESS outputs). ``"emodb_no_mfcc_augmentation"``: the EMO-DB/EMOVO
#: "without MFCC augmentation" runs (L = 108).
PRINTED_PARAMS: dict[str, int | None] = {"emodb": 37_434_661, "emovo": 37_434_661, "tess": 34_018_325,
                                         "savee": 4_379_669, "ravdess": 4_388_119, "cremad": None,
                                         "emodb_no_mfcc_augmentation": 2_045_221}
#: The attention block missing from the model a released notebook printed (its parameter count lacks the
#: channel-attention MLP, 8 464 weights, or the spatial-attention kernel, 14 weights); the code of every
#: notebook defines both. ``drop_attention=`` of :func:`ser_lib.reproduce.run` reproduces the printout.
PRINTED_WITHOUT: dict[str, str] = {"tess": "channel", "savee": "channel", "ravdess": "spatial"}

# ------------------------------------------------------------------------------- the paper's figures
#: Test accuracy (%) per corpus: in the paper's abstract, and printed by the authors' released
#: notebooks. The released CREMA-D notebook prints RAVDESS shapes, so its figure does not come from
#: CREMA-D.
FIGURES: dict[str, dict[str, float]] = {
    "savee": {"paper": 97.49, "released_notebook": 97.49},
    "ravdess": {"paper": 99.23, "released_notebook": 99.24},
    "cremad": {"paper": 89.31, "released_notebook": 91.67},
    "tess": {"paper": 99.82, "released_notebook": 99.87},
    "emodb": {"paper": 99.53, "released_notebook": 99.53},
    "emovo": {"paper": 96.39, "released_notebook": 96.39},
}
#: The paper's headline per corpus (test accuracy %, random row split after augmentation).
CLAIMED_ACCURACY: dict[str, float] = {corpus: f["paper"] for corpus, f in FIGURES.items()}
#: Test accuracy (%) of the ablations in the released notebooks: EMO-DB and EMOVO "without MFCC
#: augmentation" (108 features, still several versions per file, still split after augmentation),
#: TESS with chroma features and no augmentation.
ABLATION_FIGURES: dict[str, float] = {"emodb_no_mfcc_augmentation": 84.74, "emovo_no_mfcc_augmentation": 84.70,
                                      "tess_chroma": 98.93}


#: Published speaker- or fold-based figures of other systems (theirs, not ours), cited in the audit
#: (from the project's reference notes on honest evaluation).
REFERENCE_FIGURES = [
    dict(corpus="emodb", figure="UAR 77.1", system="openSMILE ComParE 2016 + SVM", protocol="LOSO (7 classes)",
         source="audeering w2v2-how-to notebook", same_task=("emodb", "speaker")),
    dict(corpus="emodb", figure="UAR 93.4", system="wav2vec2-large-robust embeddings + SVM", protocol="LOSO (7 classes)",
         source="audeering w2v2-how-to notebook", same_task=("emodb", "speaker")),
    dict(corpus="emodb", figure="73–77 (86 random CV)", system="IS10 features + SVM", protocol="LOSO",
         source="Gjoreski et al., Informatica 2014", same_task=None),
    dict(corpus="emodb", figure="UA 82.1", system="wav2vec2-base (EmoBox)", protocol="folds NOT speaker-independent",
         source="EmoBox (Interspeech 2024)", same_task=None),
    dict(corpus="ravdess", figure="UA 54.3", system="wav2vec2-base (EmoBox)", protocol="6 actor folds, 8 classes",
         source="EmoBox", same_task=("ravdess8", "speaker")),
    dict(corpus="ravdess", figure="UA 75.3", system="Whisper-large-v3 (EmoBox)", protocol="6 actor folds, 8 classes",
         source="EmoBox", same_task=("ravdess8", "speaker")),
    dict(corpus="savee", figure="UA 44.9", system="wav2vec2-base (EmoBox)", protocol="LOSO", source="EmoBox",
         same_task=("savee", "speaker")),
    dict(corpus="savee", figure="UA 75.8", system="data2vec2-large (EmoBox)", protocol="LOSO", source="EmoBox",
         same_task=("savee", "speaker")),
    dict(corpus="emovo", figure="UA 31.1", system="wav2vec2-base (EmoBox)", protocol="LOSO", source="EmoBox",
         same_task=("emovo", "speaker")),
    dict(corpus="emovo", figure="UA 57.8", system="Whisper-large-v3 (EmoBox)", protocol="LOSO", source="EmoBox",
         same_task=("emovo", "speaker")),
    dict(corpus="cremad", figure="UA 62.0", system="wav2vec2-base (EmoBox)", protocol="one random split, speakers overlap",
         source="EmoBox", same_task=None),
    dict(corpus="tess", figure="UA ≈ 100", system="(EmoBox)", protocol="random split, same 2 speakers", source="EmoBox",
         same_task=None),
]
#: ``same_task``: the (corpus, protocol) of this project's audit that poses the same task (classes, folds),
#: or None where none does; only those are drawn beside ours.
