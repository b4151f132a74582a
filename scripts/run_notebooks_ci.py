"""Execute every parameterised notebook with its tiny CI parameters (papermill).

The parameters live in ``notebooks/ci-parameters.yml`` (one mapping per notebook) and are
injected by papermill after the ``parameters``-tagged cell; the notebooks themselves are not
edited. Executed copies go to ``ci-out/`` for inspection. Exits non-zero if any notebook fails,
after trying all of them.

Usage: python scripts/run_notebooks_ci.py [NOTEBOOK ...]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import papermill as pm
import yaml

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    params_all = yaml.safe_load((REPO / "notebooks" / "ci-parameters.yml").read_text()) or {}
    names = argv or sorted(params_all)
    out_dir = REPO / "ci-out"
    out_dir.mkdir(exist_ok=True)
    failures, timings = [], []
    for name in names:
        nb = REPO / "notebooks" / name
        if not nb.exists():
            failures.append((name, "notebook not found"))
            continue
        params = params_all.get(name) or {}
        print(f"--- {name} with {params}", flush=True)
        t = time.perf_counter()
        try:
            pm.execute_notebook(str(nb), str(out_dir / name), parameters=params, kernel_name="python3",
                                cwd=str(REPO / "notebooks"), progress_bar=False, request_save_on_cell_execute=False)
        except Exception as exc:  # report every failing notebook, not only the first
            failures.append((name, f"{type(exc).__name__}: {str(exc)[-2000:]}"))
        timings.append((name, time.perf_counter() - t))
    print("\nnotebook timings:")
    for name, s in timings:
        print(f"  {name:32s} {s:7.1f} s")
    for name, err in failures:
        print(f"FAILED {name}: {err}", file=sys.stderr)
    missing = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb") if p.name not in params_all)
    if missing:
        print(f"FAILED: notebooks without CI parameters in ci-parameters.yml: {missing}", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
