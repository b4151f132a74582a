"""Grids of jobs: the audit's headline grid and its ablations as lists of :class:`~.spec.JobSpec`,
and :func:`run_audit`, which runs them and reads the results back as a table.

Example
-------
>>> from ser_lib.experiments import grids, run_grid            # doctest: +SKIP
>>> specs = grids.audit_grid(["emodb"], seeds=[0])             # doctest: +SKIP
>>> run_grid(specs, jobs=2)                                    # doctest: +SKIP
"""
from __future__ import annotations

import os
from typing import Any, Iterable

import pandas as pd

from .. import audit
from ..protocols import PROTOCOLS
from .runner import run_grid
from .spec import JobSpec, data_hash

__all__ = ["audit_grid", "ablation_grid", "run_audit", "cross_corpus_grid"]


def _neural(model: str) -> bool:
    from ..registry import MODEL_PRESETS

    return audit.split_model_name(model)[0] in MODEL_PRESETS


def audit_grid(corpora: Iterable[str], protocols: Iterable[str] = PROTOCOLS,
               models: Iterable[str] = audit.HEADLINE_MODELS, seeds: Iterable[int] = (0, 1, 2), *,
               epochs: int = 12, max_files: int | None = None, augment: bool = True, threads: int = 1,
               data_root: str | os.PathLike | None = None) -> list[JobSpec]:
    """Every (seed, corpus, protocol, model) of the audit as a job, seed outermost (a partial run
    has every corpus for the first seeds).

    Baselines get ``epochs=None`` (they do not train by epochs). Each job carries the
    :func:`~.spec.data_hash` of its corpus under ``data_root``.
    """
    corpora, protocols, models, seeds = list(corpora), list(protocols), list(models), list(seeds)
    hashes = {c: data_hash(c, data_root) for c in corpora}
    return [JobSpec("audit", c, p, m, seed=s, epochs=epochs if _neural(m) else None, max_files=max_files,
                    augment=augment, threads=threads, data_hash=hashes[c])
            for s in seeds for c in corpora for p in protocols for m in models]


def ablation_grid(corpora: Iterable[str], seeds: Iterable[int] = (0, 1, 2), *,
                  models: Iterable[str] = audit.ABLATION_MODELS, main_model: str = "efficient",
                  **kwargs: Any) -> list[JobSpec]:
    """The ablations under the speaker protocol: ``models`` (attention off / channel / spatial / both),
    then ``main_model`` without augmentation.
    ``kwargs`` go to :func:`audit_grid`."""
    corpora, seeds = list(corpora), list(seeds)
    kwargs.pop("augment", None)
    return (audit_grid(corpora, ["speaker"], models, seeds, **kwargs)
            + audit_grid(corpora, ["speaker"], [main_model], seeds, augment=False, **kwargs))


def run_audit(specs: Iterable[JobSpec], *, results_dir=audit.DEFAULT_RESULTS_DIR, jobs: int = 1,
              scheduler: Any = None, data_root=None, force: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run (or find) the audit jobs ``specs`` with :func:`~.runner.run_grid` and return
    :func:`ser_lib.audit.collect` of ``results_dir``."""
    run_grid(specs, jobs=jobs, scheduler=scheduler, results_dir=results_dir, data_root=data_root, force=force,
             progress=progress)
    return audit.collect(results_dir)


def cross_corpus_grid(domains: Iterable[str], **kwargs: Any) -> list[JobSpec]:
    """The cross-corpus study as jobs of recipe ``"cross-corpus"``: for every domain, train on it and
    test on the others (``cross``), leave it out (``loco``) and its own speaker folds (``within``);
    ``kwargs`` go to :func:`ser_lib.cross_corpus.job_specs`. Run them with :func:`~.runner.run_grid`
    (default folder ``results/cross_corpus``)."""
    from ..cross_corpus import job_specs

    return job_specs(list(domains), **kwargs)
