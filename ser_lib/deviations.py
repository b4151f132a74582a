"""What the reproduction really is: where our run differs from the authors' released notebooks.

:func:`deviations` returns, for one corpus and the parameters of a run (``Reproduction.params`` or
``record["params"]`` of a results file), one row per aspect with three columns:
``what the released code does``, ``what we run`` and ``why / what it changes``. Every statement
about the released code was read from the authors' notebooks (GitHub spilabkorea/ser) and their
saved outputs; every statement about our run is read from ``params``. Each reproduction page
renders this table for its corpus.
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from . import paper

__all__ = ["COLUMNS", "RELEASED_INPUT", "deviations", "printed_model_comparison"]

COLUMNS = ["what the released code does", "what we run", "why / what it changes"]

#: What each released notebook trained on, in words (the numbers are in ser_lib.paper).
_RELEASED_WHAT: dict[str, str] = {
    "emodb": "2268 columns (= 21 × 108): ZCR, RMS and MFCC of the 2.5 s clip, one "
        "108-long block fewer than the 2376 values its feature code computes",
    "emovo": "2268 columns (= 21 × 108): ZCR, RMS and MFCC of the 2.5 s clip, one "
        "108-long block fewer than the 2376 values its feature code computes",
    "tess": "2060 columns (= 20 × 103): MFCC only, 103 frames, no ZCR or RMS",
    "savee": "a CSV named “…_no_augmentation…” with 251 columns and 256 rows per audio "
        "file (480 files → 122 880 rows); the values look like log-mel dB "
        "(floor −94.77); the code that wrote it is not in the repository",
    "ravdess": "a CSV named “…_no_augmentation…” with 251 columns and 256 rows per audio "
        "file (1440 files → 368 640 rows); the values look like log-mel dB "
        "(floor −94.77); the code that wrote it is not in the repository",
    "cremad": "reads a CSV named “…_no_augmentation…” like RAVDESS and SAVEE (log-mel-like, "
        "251 columns, 256 rows per file, code not in the repository); its printed "
        "outputs show the RAVDESS shapes",
}
#: The input of the released notebooks, per corpus, as their saved outputs show it (column counts
#: of the feature tables and the parameter counts Keras printed).
RELEASED_INPUT: dict[str, dict[str, Any]] = {
    corpus: {"columns": paper.RELEASED_COLUMNS[corpus], "what": what,
             "printed_params": paper.PRINTED_PARAMS[corpus]}
    for corpus, what in _RELEASED_WHAT.items()}


def _fmt(n: int | None) -> str:
    return "–" if n is None else f"{n:,}".replace(",", " ")


def deviations(corpus: str, params: Mapping[str, Any] | None = None, *,
               data: Mapping[str, Any] | None = None, epochs_run: int | None = None) -> pd.DataFrame:
    """The deviations of our run on ``corpus`` from the released notebooks, as a DataFrame.

    Parameters
    ----------
    corpus : 'emodb', 'emovo', 'tess', 'savee', 'ravdess', 'cremad' or 'synthetic'
    params : the run's parameters (keys used: input_length, n_classes, drop_attention, init,
        batch_size, n_blocks, epochs, params_keras, device, lr, weight_l2); missing keys fall back
        to the defaults of the released-code variant.
    data : the results file's ``data`` (n_files, n_files_in_corpus); adds a row when the corpus copy
        is incomplete or synthetic.
    epochs_run : epochs trained so far (adds them to the epochs row).

    Returns
    -------
    DataFrame indexed by ``aspect`` with the columns :data:`COLUMNS`.
    """
    from .model import paper_param_formula

    p = dict(params or {})
    L = int(p.get("input_length") or paper.VECTOR_LENGTH)
    n_classes = int(p.get("n_classes") or 7)
    ours_total = (p.get("params_keras") or {}).get("total") or paper_param_formula(L, n_classes)
    drop = p.get("drop_attention")
    init = p.get("init", "keras")
    rows: list[tuple[str, str, str, str]] = []
    rel = RELEASED_INPUT.get(corpus)

    # 1. the input vector
    ours_input = ("the flat vector of the released feature code, for every corpus: ZCR (108) + RMS (108) + "
                  "20 MFCC × 108 frames = 2376 values for a whole 2.5 s clip, shorter rows zero-padded on the right "
                  f"(the released fillna(0)); input length here L = {L}")
    if corpus in ("emodb", "emovo"):
        why = ("we run what the feature code computes; the released table misses one 108-long block, and which one "
               "cannot be told from the CSV. The model grows with L: the Dense(64) after Flatten gets "
               f"64 × 256 × 108 = {_fmt(64 * 256 * 108)} more weights: Keras counts "
               f"{_fmt(paper_param_formula(rel['columns']))} parameters for the full model at L = {rel['columns']} (what "
               f"the notebook printed) and {_fmt(paper_param_formula(paper.VECTOR_LENGTH))} at "
               f"L = {paper.VECTOR_LENGTH} (7 classes)")
        rows.append(("input features", rel["what"], ours_input, why))
    elif corpus == "tess":
        why = ("the same pipeline for every corpus (ZCR and RMS are in the released feature code); rows are 316 values "
               f"longer (2 tracks of 108 plus 5 more MFCC frames), so the model is larger: the full model has "
               f"{_fmt(paper_param_formula(rel['columns']))} parameters at L = {rel['columns']} and "
               f"{_fmt(paper_param_formula(paper.VECTOR_LENGTH))} at L = {paper.VECTOR_LENGTH} (7 classes)")
        rows.append(("input features", rel["what"], ours_input, why))
    elif corpus in ("savee", "ravdess", "cremad"):
        why = ("the log-mel CSVs cannot be regenerated (the code that wrote them was not released), so we use the one "
               "feature pipeline whose code is released, as for EMO-DB and EMOVO. The task changes: 4 rows per file "
               "instead of 256, each a whole 2.5 s clip instead of one row of a 256 × 251 matrix, and the model is "
               f"about 9 times larger ({_fmt(paper_param_formula(paper.VECTOR_LENGTH))} parameters at "
               f"L = {paper.VECTOR_LENGTH} against {_fmt(paper_param_formula(rel['columns']))} at "
               f"L = {rel['columns']}, 7 classes)")
        rows.append(("input features", rel["what"], ours_input, why))
    else:
        rows.append(("input features", "– (no released notebook for this corpus)", ours_input,
                     "the released feature code, applied to a corpus the paper does not use"))

    # 2. rows per file
    versions = p.get("versions") or list(paper.VERSIONS)
    ours_rows = (f"{len(versions)} rows per file: " + ", ".join(versions) +
                 f" (noise amplitude {paper.NOISE_FACTOR}·U(0,1)·max(y), pitch {paper.PITCH_STEPS:+g} semitones), "
                 "each a row with the file's label")
    if corpus in ("savee", "ravdess", "cremad"):
        rows.append(("rows per audio file", "256 rows per file from the “…_no_augmentation…” CSV", ours_rows,
                     "the paper's augmentation as the released feature code does it; the 80/20 split over rows then "
                     "puts augmented copies of one recording on both sides (measured on the page), where the released "
                     "run put 256 rows of one file on both sides"))
    else:
        rows.append(("rows per audio file", "4 rows per file: original, noise, pitch, pitch then noise", ours_rows,
                     "same as the released code"))

    # 3. the attention blocks
    if drop is None:
        ours_att = f"the full model: channel and spatial attention ({_fmt(ours_total)} parameters, Keras count)"
    else:
        ours_att = f"the model without {drop} attention ({_fmt(ours_total)} parameters, Keras count)"
    missing = paper.PRINTED_WITHOUT.get(corpus)
    if missing is not None:
        what = ("the channel-attention MLP (8 464 weights)" if missing == "channel"
                else "the spatial-attention kernel (2 × 7 = 14 weights)")
        if drop is None:
            why = f"we run the model the code describes; drop_attention='{missing}' reproduces the printout"
        elif drop == missing:
            why = "the model as the released notebook printed it; the main page runs the model the code describes"
        else:
            why = "a variant, neither the printed nor the released model"
        rows.append(("attention blocks",
                     f"the code defines both blocks, but the printed model ({_fmt(rel['printed_params'])} parameters) "
                     f"lacks {what}: that block was absent from the printed run or its weights were not tracked "
                     "by Keras", ours_att, why))
    elif corpus in ("emodb", "emovo"):
        rows.append(("attention blocks", "channel and spatial attention; the printed count matches the full model",
                     ours_att, "same as the released code" if drop is None else "a variant, not the released model"))
    else:
        rows.append(("attention blocks", "channel and spatial attention (no printout from this corpus)", ours_att,
                     "the model the code describes" if drop is None else "a variant, not the released model"))

    # 4. network depth and batch size (the released code, not the paper's text)
    n_blocks = p.get("n_blocks", paper.N_BLOCKS_CODE)
    rows.append(("convolutional blocks", "2 blocks of Conv1D(256, 7) (the paper's text says three)",
                 f"{n_blocks} blocks", "same as the released code" if n_blocks == paper.N_BLOCKS_CODE else
                 "the paper's text, not the released code"))
    released_bs = paper.BATCH_SIZE_CODE.get(corpus)
    bs = p.get("batch_size", released_bs)
    rows.append(("batch size",
                 (f"{released_bs}" if released_bs else "16 or 32 per corpus") + " (the paper's text says 64)",
                 f"{bs}; a last batch of a single training row is merged into the previous batch",
                 ("the released code's value" if bs == (released_bs or 16) else "not the released code's value")
                 + "; PyTorch's BatchNorm cannot normalise a batch of one row, Keras would take one step on it"))

    # 5. framework
    on_gpu = str(p.get("device", "cpu")).startswith("cuda")
    gpu_note = ", full float32: TF32 off" if on_gpu else ""
    mask_note = ("On the GPU each dropout mask is one draw of torch's CUDA generator, and cuDNN's convolution "
                 "algorithms round differently from the CPU's" if on_gpu else
                 "Since 2026-11-26 (commit 'Faster faithful step') a large dropout mask is drawn in two parts "
                 "from two seeded generators: the same distribution, another random stream for the epochs after it")
    rows.append(("framework",
                 "Keras / TensorFlow: Conv1D → ReLU → BatchNormalization (eps 1e-3, momentum 0.99), "
                 "kernel_regularizer l2(1e-3) on the Conv1D and Dense(64) kernels, Adam (eps 1e-7), "
                 "categorical cross-entropy",
                 f"PyTorch ({p.get('device', 'cpu')}{gpu_note}): the same layers, shapes and Flatten order; BatchNorm1d(eps 1e-3, "
                 f"momentum 0.01 = Keras 0.99) with Keras's moving-variance rule (biased batch variance); "
                 f"{p.get('weight_l2', paper.WEIGHT_L2):g} × the sum of squared kernels added to the loss (its gradient added "
                 f"inside the fused Adam update); Adam(lr {p.get('lr', paper.LR):g}, betas 0.9/0.999, eps 1e-7, fused kernel); dropout "
                 f"keeps an element where U[0,1) >= 0.2, as Keras does",
                 "parameter counts equal the Keras ones (tested); random streams (initial weights, dropout, "
                 "shuffling, augmentation noise) and float rounding differ, so no run can match the released one "
                 "digit for digit. The Keras moving-variance rule came in at commit 'KerasBatchNorm1d' (2026-11-25): "
                 "epochs of a run trained before it were evaluated with PyTorch's unbiased moving variance "
                 "(6.7 % larger for the Dense(64) layer at batch 16); the moving statistics forget them within "
                 "a few hundred steps. " + mask_note))
    rows.append(("initialisation", "Keras defaults: glorot-uniform kernels, zero biases, he-normal in the attention "
                                   "MLP and kernel",
                 "the same (init='keras')" if init == "keras" else f"PyTorch's default layer initialisation "
                                                                    f"(init='{init}'), a documented variant",
                 "same as the released code" if init == "keras" else
                 "learns much faster at lr 1e-5 than the Keras start (see the initialisation note)"))

    # 6. epochs
    planned = p.get("epochs", paper.EPOCHS)
    resumable = not (p.get("max_minutes") and "checkpoint_dir" in p and p["checkpoint_dir"] is None)
    ours_ep = f"{planned} planned" + ("" if epochs_run is None else f", {epochs_run} run" + (" so far" if resumable else ""))
    if not resumable:
        ours_ep += (f"; one call of at most {p['max_minutes']:g} minutes of training on a machine lent for that call, "
                    "with no checkpoint kept (the replica's checkpoint with its Adam moments is ~450 MB), so the "
                    "run cannot be resumed")
    elif p.get("max_minutes"):
        ours_ep += (f"; each call trains for at most {p['max_minutes']:g} minutes and the next call resumes from "
                    "the checkpoint written after every epoch")
    rows.append(("epochs", "100 epochs in one session; early stopping and learning-rate callbacks defined but not "
                           "passed to fit",
                 ours_ep,
                 "a checkpoint holds the model, optimiser and random states, so a resumed run continues the same "
                 "run; fewer than 100 epochs is not the paper's setting (flagged on the page)"))

    # 7. what stays the same
    rows.append(("split, scaling, evaluation",
                 "train_test_split(test_size=0.2, random_state=42) over the rows after augmentation; StandardScaler "
                 "fit on the training rows; test set passed as validation data; last epoch's test accuracy",
                 "the same", "same as the released code (labels as indices of the sorted names)"))

    # 8. corpus-specific notes
    if corpus == "cremad":
        rows.append(("reported figure",
                     "the CREMA-D notebook prints the RAVDESS shapes (368 640 rows) and a 6-batch test set, so its "
                     "91.67 % does not come from CREMA-D", "CREMA-D itself (7442 files, 6 emotions)",
                     "there is no released CREMA-D output to compare with; the paper's 89.31 % is the only figure"))
    if data:
        n, n_all = data.get("n_files"), data.get("n_files_in_corpus")
        from .corpora import CORPORA

        full = CORPORA[corpus].n_files if corpus in CORPORA and corpus != "synthetic" else None
        if data.get("synthetic") or corpus == "synthetic":
            rows.append(("data", "the real corpus", f"a synthetic corpus of {n} files (a toy voice, not speech)",
                         "shows that the code runs; its numbers say nothing about the paper"))
        elif full and n is not None and n < full:
            rows.append(("data", f"the whole corpus ({full} files)",
                         f"{n} files" + (f" of the {n_all} in this copy" if n_all and n_all != n else ""),
                         "an incomplete copy or a file cap: fewer rows, and possibly fewer emotions, than the paper"))

    df = pd.DataFrame(rows, columns=["aspect", *COLUMNS]).set_index("aspect")
    return df


def printed_model_comparison(full: list[Mapping[str, Any]], printed: list[Mapping[str, Any]]) -> pd.DataFrame:
    """The model the code describes next to the model the released notebook printed, per corpus.

    Parameters
    ----------
    full : results records (``results/reproduce/*.json``) of the full model (``drop_attention`` None)
    printed : results records (``results/reproduce-printed/*.json``) of the printed models

    Returns
    -------
    pandas.DataFrame, one row per corpus of :data:`ser_lib.paper.PRINTED_WITHOUT` (paper order), columns
    ``corpus``, ``left out``, ``released notebook (%)``, ``full: accuracy / UAR (%)``, ``full: epochs``,
    ``printed: accuracy / UAR (%)``, ``printed: epochs``. A model without a record reads "not run";
    records of other initialisations, variants or seeds than the full model's are not paired.
    """
    def by_corpus(records, drop_of):
        out = {}
        for rec in records:
            p = rec["params"]
            if p.get("drop_attention") == drop_of(p["corpus"]):
                out[p["corpus"]] = rec
        return out

    f = by_corpus(full, lambda c: None)
    pr = by_corpus(printed, lambda c: paper.PRINTED_WITHOUT.get(c, "-"))

    def same_recipe(a, b):
        keys = ("init", "variant", "seed", "lr", "batch_size")
        return all(a["params"].get(k) == b["params"].get(k) for k in keys)

    def cells(rec):
        if rec is None:
            return "not run", "–"
        m = rec["metrics"]
        return f"{100 * m['accuracy']:.1f} / {100 * m['uar']:.1f}", f"{int(rec['epochs_run'])} of {paper.EPOCHS}"

    rows = []
    for corpus in [c for c in paper.FIGURES if c in paper.PRINTED_WITHOUT]:
        a, b = f.get(corpus), pr.get(corpus)
        if a is not None and b is not None and not same_recipe(a, b):
            b = None
        rows.append([corpus, f"{paper.PRINTED_WITHOUT[corpus]} attention",
                     f"{paper.FIGURES[corpus]['released_notebook']:.2f}", *cells(a), *cells(b)])
    return pd.DataFrame(rows, columns=["corpus", "left out", "released notebook (%)", "full: accuracy / UAR (%)",
                                       "full: epochs", "printed: accuracy / UAR (%)", "printed: epochs"])
