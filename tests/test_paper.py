"""ser_lib.paper: the numbers of the paper and its released code, checked against the specification
(/shared/reference/paper-and-released-code.md) and against each other; no other module keeps a copy."""
import librosa
import numpy as np
import pytest

from ser_lib import paper


def test_audio_and_frames():
    assert (paper.SR, paper.OFFSET, paper.DURATION) == (22050, 0.6, 2.5)
    assert isinstance(paper.SR, int) and isinstance(paper.OFFSET, float) and isinstance(paper.DURATION, float)
    assert (paper.N_FFT, paper.HOP_LENGTH, paper.N_MFCC, paper.N_MELS) == (2048, 512, 20, 128)
    assert paper.N_FRAMES == 108 and paper.VECTOR_LENGTH == 2376
    assert paper.N_FRAMES + paper.N_FRAMES + paper.N_MFCC * paper.N_FRAMES == paper.VECTOR_LENGTH


def test_frame_count_is_librosas():
    """108 is what librosa gives for 2.5 s at 22 050 Hz with hop 512 (centred frames), for every track."""
    n = round(paper.DURATION * paper.SR)
    assert n == 55125 and 1 + n // paper.HOP_LENGTH == paper.N_FRAMES
    y = np.random.default_rng(0).standard_normal(n).astype(np.float32) * 0.1
    assert librosa.feature.zero_crossing_rate(y, frame_length=paper.N_FFT, hop_length=paper.HOP_LENGTH).shape == \
        (1, paper.N_FRAMES)
    assert librosa.feature.rms(y=y, frame_length=paper.N_FFT, hop_length=paper.HOP_LENGTH).shape == (1, paper.N_FRAMES)
    # the released code calls mfcc with librosa's defaults: they are the paper's numbers
    assert librosa.feature.mfcc(y=y, sr=paper.SR).shape == (paper.N_MFCC, paper.N_FRAMES)
    assert librosa.feature.mfcc(y=y, sr=paper.SR, n_mfcc=paper.N_MFCC, n_fft=paper.N_FFT, hop_length=paper.HOP_LENGTH,
                                n_mels=paper.N_MELS).shape == (paper.N_MFCC, paper.N_FRAMES)
    from ser_lib import features

    assert features.paper_vector(y).shape == (paper.VECTOR_LENGTH,)
    assert features.paper_layout().length == paper.VECTOR_LENGTH


def test_augmentation():
    assert paper.VERSIONS == ("original", "noise", "pitch", "pitch_noise")
    assert paper.NOISE_FACTOR == 0.035
    assert paper.PITCH_STEPS == 2.0 and paper.PITCH_STEPS_OLDER == 0.7


def test_model_and_training():
    assert (paper.N_BLOCKS_CODE, paper.N_BLOCKS_TEXT) == (2, 3)
    assert (paper.FILTERS, paper.KERNEL_SIZE, paper.DROPOUT, paper.DENSE_UNITS) == (256, 7, 0.2, 64)
    assert paper.FILTERS // paper.ATTENTION_REDUCTION == 16 and paper.SPATIAL_KERNEL == 7
    assert paper.BATCH_SIZE_CODE == {"emodb": 16, "emovo": 16, "savee": 16, "tess": 16, "ravdess": 32, "cremad": 32}
    assert paper.BATCH_SIZE_TEXT == 64
    assert (paper.LR, paper.EPOCHS, paper.WEIGHT_L2) == (1e-5, 100, 1e-3)
    assert (paper.TEST_SIZE, paper.RANDOM_STATE) == (0.2, 42)


def test_released_runs_printed_parameter_counts():
    """The printed counts follow from the input lengths: the full model, less the channel-attention MLP
    (TESS, SAVEE) or the spatial-attention kernel (RAVDESS)."""
    from ser_lib.model import paper_param_formula

    assert paper.RELEASED_COLUMNS == {"emodb": 2268, "emovo": 2268, "tess": 2060, "savee": 251, "ravdess": 251,
                                      "cremad": 251}
    hidden = paper.FILTERS // paper.ATTENTION_REDUCTION
    mlp = paper.FILTERS * hidden + hidden + hidden * paper.FILTERS + paper.FILTERS
    kernel = 2 * paper.SPATIAL_KERNEL
    assert (mlp, kernel) == (8464, 14)
    cols, printed = paper.RELEASED_COLUMNS, paper.PRINTED_PARAMS
    assert printed["emodb"] == printed["emovo"] == paper_param_formula(cols["emodb"]) == 37_434_661
    assert printed["emodb_no_mfcc_augmentation"] == paper_param_formula(paper.N_FRAMES) == 2_045_221
    assert printed["tess"] == paper_param_formula(cols["tess"]) - mlp == 34_018_325
    assert printed["savee"] == paper_param_formula(cols["savee"]) - mlp == 4_379_669
    assert printed["ravdess"] == paper_param_formula(cols["ravdess"]) - kernel == 4_388_119
    assert printed["cremad"] is None


def test_figures_cover_the_six_corpora():
    assert set(paper.FIGURES) == {"savee", "ravdess", "cremad", "tess", "emodb", "emovo"}
    assert paper.FIGURES == {
        "savee": {"paper": 97.49, "released_notebook": 97.49},
        "ravdess": {"paper": 99.23, "released_notebook": 99.24},
        "cremad": {"paper": 89.31, "released_notebook": 91.67},
        "tess": {"paper": 99.82, "released_notebook": 99.87},
        "emodb": {"paper": 99.53, "released_notebook": 99.53},
        "emovo": {"paper": 96.39, "released_notebook": 96.39},
    }
    assert paper.FIGURES["emodb"]["paper"] == 99.53
    assert paper.FIGURES["cremad"]["released_notebook"] == 91.67
    # the audit's "paper claims" are the abstract's figures (formerly a second copy in ser_lib.audit)
    assert paper.CLAIMED_ACCURACY == {"savee": 97.49, "ravdess": 99.23, "cremad": 89.31, "tess": 99.82,
                                      "emodb": 99.53, "emovo": 96.39}
    assert paper.ABLATION_FIGURES == {"emodb_no_mfcc_augmentation": 84.74, "emovo_no_mfcc_augmentation": 84.70,
                                      "tess_chroma": 98.93}
    assert "arXiv:2507.03251" in paper.CITATION and "spilabkorea/ser" in paper.CITATION
    assert paper.ARXIV in paper.CITATION and paper.RELEASED_CODE in paper.CITATION


def test_old_names_are_the_same_objects():
    from ser_lib import model

    assert model.BATCH_SIZE_CODE is paper.BATCH_SIZE_CODE
    code, text = model.variant_config("code"), model.variant_config("text")
    assert code == {"name": "code", "n_blocks": 2, "filters": 256, "kernel_size": 7, "dropout": 0.2,
                    "dense_units": 64, "batch_size": paper.BATCH_SIZE_CODE, "lr": 1e-5, "epochs": 100,
                    "weight_l2": 1e-3}
    assert text == {**code, "name": "text", "n_blocks": 3, "batch_size": {k: 64 for k in paper.BATCH_SIZE_CODE}}
    # a fresh copy: changing it does not change the paper's numbers
    code["batch_size"]["emodb"] = 1
    assert paper.BATCH_SIZE_CODE["emodb"] == 16


@pytest.mark.parametrize("module,names", [
    ("ser_lib.features", ["PAPER_SR", "PAPER_OFFSET", "PAPER_DURATION", "PAPER_N_FRAMES"]),
    ("ser_lib.augment", ["PAPER_VERSIONS", "NOISE_FACTOR", "PITCH_STEPS"]),
    ("ser_lib.reproduce", ["PAPER_FIGURES", "PAPER_CITATION"]),
    ("ser_lib.audit", ["PAPER_CLAIMS"]),
    ("ser_lib.efficient", ["N_FRAMES"]),
    ("ser_lib.baselines", ["OFFSET", "DURATION"]),
    ("ser_lib.viz.features", ["HOP"]),
])
def test_no_second_copy(module, names):
    """The former copies are gone: every module reads ser_lib.paper."""
    import importlib

    mod = importlib.import_module(module)
    assert [n for n in names if hasattr(mod, n)] == []
