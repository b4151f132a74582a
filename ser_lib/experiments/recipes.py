"""Recipes: what a job of each kind does. ``RECIPES[name]`` runs a :class:`~.spec.JobSpec` whose
``recipe`` is ``name``.

A :class:`Recipe` has three parts: ``run(spec, path, *, data_root, n_jobs, progress)`` computes
the job and writes its results file at ``path`` (with the spec under ``"job"``); ``path(spec,
results_dir)`` names that file; ``matches_legacy(spec, record)`` recognises a file written before
results files carried their job (None: such files are not recognised).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["Recipe", "RECIPES", "audit_recipe", "paper_reproduction_recipe", "faithful_recipe"]


@dataclass(frozen=True)
class Recipe:
    """One kind of job: how to run it, where its results file goes, and which old files it accepts."""

    name: str
    run: Callable[..., Path]
    path: Callable[[Any, Path], Path]
    default_results_dir: Path | None = None
    matches_legacy: Callable[[Any, dict], bool] | None = None


def _audit_run(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    from .. import audit

    return audit.run_job(spec, path, data_root=data_root, n_jobs=n_jobs, progress=progress)


def _audit_path(spec, results_dir) -> Path:
    from .. import audit

    return audit.job_path(spec, results_dir)


def _audit_legacy(spec, record: dict) -> bool:
    from .. import audit

    return audit.matches_legacy(spec, record)


def _reproduction_run(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    """The paper's protocol through :func:`ser_lib.reproduce.run`, unchanged.

    ``spec.model`` is ``"paper_code"`` or ``"paper_text"`` (the ``variant``), ``spec.protocol`` must be
    ``"paper"``, ``spec.epochs`` None means the paper's 100; ``spec.params`` go to
    :func:`~ser_lib.reproduce.run` as keywords (``init``, ``drop_attention``, ``lr``, ``batch_size``,
    ``max_minutes``, ``checkpoint_dir``, ...). The reproduction pages and ``scripts/reproduce_all.py``
    call :func:`~ser_lib.reproduce.run` directly; this recipe puts the same run in a grid.
    """
    from .. import reproduce
    from ..results import update_results

    if spec.protocol != "paper":
        raise ValueError(f"the paper reproduction uses the paper protocol, not {spec.protocol!r}")
    if not spec.augment or spec.fold is not None:
        raise ValueError("the paper reproduction always trains on the four versions and has one split")
    kwargs = {"checkpoint_dir": None, **dict(spec.params)}
    reproduce.run(spec.corpus, variant=spec.model.removeprefix("paper_"), seed=spec.seed, epochs=spec.epochs,
                  max_files=spec.max_files, data_root=data_root, torch_threads=spec.threads, results_path=path,
                  n_jobs=n_jobs, progress=progress, **kwargs)
    return update_results(path, job={**spec.to_dict(), "key": spec.key})


def _reproduction_path(spec, results_dir) -> Path:
    return Path(results_dir) / f"{spec.corpus}__paper__{spec.model}__seed{spec.seed}__{spec.key}.json"


def _faithful_run(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    from .faithful import run_spec

    return run_spec(spec, path, data_root=data_root, n_jobs=n_jobs, progress=progress)


def _faithful_path(spec, results_dir) -> Path:
    fold = f"__{spec.fold}" if spec.fold else ""
    return Path(results_dir) / f"{spec.corpus}__{spec.protocol}__paper_code__E{spec.epochs}__seed{spec.seed}{fold}.json"


def faithful_recipe() -> Recipe:
    """The paper's network under the utterance or speaker protocol for a fixed budget of epochs
    (:mod:`ser_lib.experiments.faithful`), results in ``results/faithful/``."""
    from ..config import REPO_ROOT

    return Recipe("faithful", _faithful_run, _faithful_path, REPO_ROOT / "results" / "faithful", None)


def audit_recipe() -> Recipe:
    """The audit's unit of work: one (corpus, protocol, model, seed[, fold]) evaluated on every fold
    (:func:`ser_lib.audit.run_job`), results in ``results/audit-v2/<corpus>__<protocol>__<model>__seed<k>.json``
    (:data:`ser_lib.audit.DEFAULT_RESULTS_DIR`; the first edition's files are in ``results/audit/``)."""
    from .. import audit

    return Recipe("audit", _audit_run, _audit_path, audit.DEFAULT_RESULTS_DIR, _audit_legacy)


def paper_reproduction_recipe() -> Recipe:
    """The paper reproduction as a recipe: calls :func:`ser_lib.reproduce.run` (behaviour unchanged)
    and writes ``<results_dir>/<corpus>__paper__<model>__seed<k>__<key>.json`` (no default folder:
    the committed reproduction pages come from ``scripts/reproduce_all.py``)."""
    return Recipe("paper-reproduction", _reproduction_run, _reproduction_path, None, None)


#: Every recipe by name.
RECIPES: dict[str, Recipe] = {r.name: r for r in (audit_recipe(), paper_reproduction_recipe(), faithful_recipe())}


def _cross_corpus_run(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    from .. import cross_corpus

    return cross_corpus.run_job(spec, path, data_root=data_root, n_jobs=n_jobs, progress=progress)


def _cross_corpus_path(spec, results_dir) -> Path:
    from .. import cross_corpus

    return cross_corpus.job_path(spec, results_dir)


def cross_corpus_recipe() -> Recipe:
    """Train on one corpus and test on the others, leave one corpus out, or the within-corpus
    speaker folds, on the shared emotions (:func:`ser_lib.cross_corpus.run_job`); results in
    ``results/cross_corpus/<protocol>__<domain>__<model>__seed<k>.json``."""
    from ..config import REPO_ROOT

    return Recipe("cross-corpus", _cross_corpus_run, _cross_corpus_path, REPO_ROOT / "results" / "cross_corpus")


def _pretrained_run(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    from .. import pretrain

    return pretrain.run_job(spec, path, data_root=data_root, n_jobs=n_jobs, progress=progress)


def _pretrained_path(spec, results_dir) -> Path:
    from .. import pretrain

    return pretrain.job_path(spec, results_dir)


def pretrained_recipe() -> Recipe:
    """The shipped model: trained on every corpus with held-out speakers per corpus
    (:func:`ser_lib.pretrain.run_job`); results in ``results/pretrained/<name>.json`` and the model
    bundle beside it (``python -m ser_lib train-pretrained`` installs it into the package)."""
    from ..config import REPO_ROOT

    return Recipe("pretrained", _pretrained_run, _pretrained_path, REPO_ROOT / "results" / "pretrained")


RECIPES.update({r.name: r for r in (cross_corpus_recipe(), pretrained_recipe())})
