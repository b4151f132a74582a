#!/usr/bin/env python
"""Point the book at another repository (a fork) in one step.

Sets ``repository.url`` in ``_config.yml`` (the launch buttons, the repository and issues buttons) and
rewrites the first cell of every source notebook (``notebooks/*.ipynb``, ``book/*.ipynb``), which installs
``ser_lib`` from that repository when it is missing (Colab). Published records (``book/reproductions/``,
``book/audit/``) take the cell from their template on their next render. Without an argument it only
brings the notebooks in step with ``_config.yml``. ``tests/test_launch.py`` checks that they agree.

    python scripts/set_repository.py https://github.com/you/your-fork
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ser_lib.publish import repository_url, set_install_cells  # noqa: E402


def source_notebooks() -> list[Path]:
    return sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "book").glob("*.ipynb"))


def main(argv: list[str]) -> int:
    config = REPO / "_config.yml"
    if argv:
        url = argv[0].rstrip("/")
        if not re.match(r"^https://[\w.-]+/[\w.-]+/[\w.-]+$", url):
            print(f"not a repository URL: {url!r} (expected https://host/owner/name)", file=sys.stderr)
            return 2
        text = config.read_text()
        new = re.sub(r"(\nrepository:\s*\n\s+url:\s*)\S+", lambda m: m.group(1) + url, text, count=1)
        if new == text and repository_url(config) != url:
            print("_config.yml: no `repository:` block with a `url:` line to rewrite", file=sys.stderr)
            return 1
        config.write_text(new)
    url = repository_url(config)
    changed = set_install_cells(source_notebooks(), url)
    print(f"repository: {url}; notebooks changed: {len(changed)}")
    for p in changed:
        print(f"  {Path(p).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
