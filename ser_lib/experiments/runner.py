"""Run jobs: one at a time (:func:`run_job`) or a grid of them (:func:`run_grid`), locally through
joblib or on a Dask cluster. A finished job is never recomputed (unless ``force``): an interrupted
grid resumes, and the same grid run twice writes nothing.
"""
from __future__ import annotations

import json
import os
import time
from functools import partial
from pathlib import Path
from typing import Any, Iterable, Sequence

from .recipes import RECIPES, Recipe
from .spec import JobSpec

__all__ = ["JobConflict", "job_path", "job_status", "run_job", "run_grid"]


class JobConflict(ValueError):
    """The results file of a job exists and holds the result of another job."""


def _recipe(spec: JobSpec) -> Recipe:
    try:
        return RECIPES[spec.recipe]
    except KeyError:
        raise ValueError(f"unknown recipe {spec.recipe!r}; choose from {sorted(RECIPES)}") from None


def job_path(spec: JobSpec, results_dir: str | os.PathLike | None = None) -> Path:
    """The one results file of ``spec`` in ``results_dir`` (default: the recipe's folder)."""
    recipe = _recipe(spec)
    folder = results_dir if results_dir is not None else recipe.default_results_dir
    if folder is None:
        raise ValueError(f"recipe {spec.recipe!r} has no default results folder: pass results_dir")
    return recipe.path(spec, Path(folder))


def job_status(spec: JobSpec, path: str | os.PathLike) -> str:
    """``"done"`` when ``path`` holds the result of ``spec``, ``"missing"`` when there is no readable
    file, ``"other"`` when it holds another job's result.

    A file records its job under ``"job"``; a file from before that is recognised by the recipe's
    ``matches_legacy`` (the audit's 200 committed files).
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return "missing"
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "missing"  # not a result: recompute (files are written atomically, so only by hand)
    job = record.get("job")
    if job is not None:
        return "done" if JobSpec.from_dict(job) == spec else "other"
    legacy = _recipe(spec).matches_legacy
    return "done" if legacy is not None and legacy(spec, record) else "other"


def _check(spec: JobSpec, path: Path, force: bool) -> bool:
    """True when the job must run; raises :class:`JobConflict` for another job's file."""
    if force:
        return True
    status = job_status(spec, path)
    if status == "other":
        raise JobConflict(f"{path} holds the result of another job than {spec.label()} "
                          f"(key {spec.key}): use another results folder, or force=True to replace it")
    return status == "missing"


def run_job(spec: JobSpec, results_dir: str | os.PathLike | None = None, *, data_root=None, force: bool = False,
            n_jobs: int = 1, progress: bool = False) -> Path:
    """Compute ``spec`` and return its results file; skip when the file already holds this job.

    Parameters
    ----------
    spec : JobSpec
    results_dir : folder of the results file (default: the recipe's, e.g. ``results/audit``)
    data_root : folder with the corpora (default ``$SER_DATA_ROOT``); checked against ``spec.data_hash``
    force : recompute (and replace) an existing file
    n_jobs : feature-extraction processes inside the job
    progress : print per-fold lines

    Returns
    -------
    Path
        The results file (written atomically by :func:`ser_lib.results.write_results`).

    Notes
    -----
    Torch runs with ``spec.threads`` threads during the job; the caller's setting is restored after.
    """
    import torch

    path = job_path(spec, results_dir)
    if not _check(spec, path, force):
        return path
    before = torch.get_num_threads()
    torch.set_num_threads(spec.threads)
    try:
        return _recipe(spec).run(spec, path, data_root=data_root, n_jobs=n_jobs, progress=progress)
    finally:
        torch.set_num_threads(before)


def _timed(spec: JobSpec, **kwargs) -> tuple[JobSpec, Path, float]:
    t0 = time.perf_counter()
    path = run_job(spec, **kwargs)
    return spec, path, time.perf_counter() - t0


def _report(spec: JobSpec, path: Path, seconds: float, t0: float) -> None:
    m = json.loads(path.read_text()).get("metrics", {})
    if "uar_mean" in m:
        score = (f"UAR {100 * m['uar_mean']:.1f} ± {100 * (m.get('uar_std') or 0):.1f} "
                 f"(leakage {100 * m.get('leakage_mean', 0):.0f} %)")
    else:
        score = f"accuracy {100 * m.get('accuracy', float('nan')):.1f}"
    print(f"{spec.label():42s} {score} [{seconds:.0f} s, total {time.perf_counter() - t0:.0f} s]", flush=True)


def _dask_client(scheduler: Any):
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    return Client(scheduler), True


def run_grid(specs: Iterable[JobSpec], *, jobs: int = 1, scheduler: Any = None,
             results_dir: str | os.PathLike | None = None, data_root=None, force: bool = False,
             progress: bool = True) -> list[Path]:
    """Run every job of ``specs`` that is not finished; return the results files, in order.

    Parameters
    ----------
    specs : the jobs (order kept: put what should finish first, e.g. the first seed, first)
    jobs : local worker processes (:class:`joblib.Parallel` ``n_jobs``; 1 runs in this process)
    scheduler : None, a Dask scheduler address (``"tcp://host:8786"``) or a
        :class:`distributed.Client`: run the jobs on that cluster (``Client.map``; ``jobs`` is ignored).
        Workers must see the data (``SER_DATA_ROOT``) and ``results_dir`` at the same paths.
    results_dir, data_root, force : as in :func:`run_job`
    progress : print one line per finished job and the total

    Notes
    -----
    Finished jobs are filtered out here, before anything is scheduled, and again by each job; a
    file holding another job raises :class:`JobConflict` before anything runs. Jobs write their
    files atomically, so an interrupted grid leaves only complete files and resumes where it stopped.
    """
    specs: Sequence[JobSpec] = list(specs)
    paths = [job_path(s, results_dir) for s in specs]
    todo = list({s.key: s for s, p in zip(specs, paths) if _check(s, p, force)}.values())  # one writer a file
    t0 = time.perf_counter()
    if progress:
        print(f"{len(specs)} jobs: {len(specs) - len(todo)} done, {len(todo)} to run"
              + (f" on {scheduler}" if scheduler is not None else f" ({jobs} local worker(s))"), flush=True)
    if not todo:
        return paths
    local_serial = scheduler is None and jobs == 1
    run = partial(_timed, results_dir=results_dir, data_root=data_root, force=force,
                  n_jobs=2 if local_serial else 1, progress=False)
    if scheduler is not None:
        from distributed import as_completed

        client, own = _dask_client(scheduler)
        try:
            futures = client.map(run, todo, key=[f"ser-job-{s.key}" for s in todo], pure=False)
            for fut in as_completed(futures):
                if progress:
                    _report(*fut.result(), t0)
                else:
                    fut.result()
        finally:
            if own:
                client.close()
    else:
        from joblib import Parallel, delayed

        for result in Parallel(n_jobs=jobs, return_as="generator")(delayed(run)(s) for s in todo):
            if progress:
                _report(*result, t0)
    if progress:
        print(f"grid done in {time.perf_counter() - t0:.0f} s", flush=True)
    return paths
