"""One runner for every experiment: jobs, recipes, grids.

- :mod:`.spec`: :class:`JobSpec`, a frozen, serialisable description of one job, and its stable key;
- :mod:`.recipes`: what each kind of job does (``"audit"``, ``"paper-reproduction"``);
- :mod:`.runner`: :func:`run_job` (one job, one results file, skipped when done) and
  :func:`run_grid` (many, locally through joblib or on a Dask cluster, resumable);
- :mod:`.grids`: the audit's headline and ablation grids as lists of jobs;
- :mod:`.demo`: the attention chapter's small trained PaperNet (utterance protocol, cached).
"""
from .recipes import RECIPES, Recipe
from .runner import JobConflict, job_path, job_status, run_grid, run_job
from .spec import JobSpec, data_hash

__all__ = ["JobSpec", "data_hash", "Recipe", "RECIPES", "JobConflict", "job_path", "job_status", "run_job",
           "run_grid"]
