"""The shape of ser_lib: no import circle between its modules, and no module over MAX_LINES lines.

The import graph is read from the source (``ast``), not from ``sys.modules``: every ``import`` and
``from ... import`` statement counts, at module level or inside a function (a deferred import is
still a dependency). Edges go from a module to the ser_lib modules it names; ``from . import x``
counts as importing the module ``x`` when ``x`` is one. Only explicit statements count (importing
``ser_lib.viz.corpora`` also runs ``ser_lib/__init__.py``, which imports no submodule).

Run as a script to print the graph, the cycles and the line counts::

    python tests/test_architecture.py
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ser_lib"
MAX_LINES = 600
#: Modules allowed over MAX_LINES, each with its line count when the rule was introduced: the test
#: fails if one grows past it (split it instead; lower the entry when it shrinks, drop it at <= MAX_LINES).
OVERSIZED: dict[str, int] = {}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """``{dotted name: file}`` for every ``.py`` file of the package."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The ser_lib modules that ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            # the deepest ser_lib module named by the statement (import ser_lib.viz.audit -> ser_lib.viz.audit)
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("ser_lib"):
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def line_counts() -> dict[str, int]:
    return {name: len(path.read_text().splitlines()) for name, path in modules().items()}


# --------------------------------------------------------------------------------------------- tests
def test_the_graph_sees_deferred_imports():
    """The checker itself: function-level imports and relative imports from sub-packages are edges."""
    g = import_graph()
    assert "ser_lib.corpora" in g["ser_lib.download"]          # inside a function of download.py
    assert "ser_lib.augment" in g["ser_lib.viz.features"]      # from .. import augment as A
    assert "ser_lib.paper" in g["ser_lib.features"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    found = cycles(import_graph())
    assert found == [], f"import circles between ser_lib modules: {found}"


def test_paper_constants_are_a_leaf():
    """Every module may import ser_lib.paper and ser_lib.labels because they import no ser_lib module."""
    g = import_graph()
    assert g["ser_lib.paper"] == set() and g["ser_lib.labels"] == set()


def test_module_sizes():
    counts = line_counts()
    over = {m: n for m, n in counts.items() if n > MAX_LINES and m not in OVERSIZED}
    assert over == {}, f"modules over {MAX_LINES} lines (split them by concern): {over}"
    grown = {m: (counts.get(m), limit) for m, limit in OVERSIZED.items() if counts.get(m, 0) > limit}
    assert grown == {}, f"allow-listed modules grew past their recorded size (lines now, allowed): {grown}"
    gone = set(OVERSIZED) - set(counts)
    assert not gone, f"the allow-list names modules that no longer exist: {gone}"



def test_readme_architecture_names_every_module():
    """The README's architecture table has a row naming each module (a sub-package as ``name/``)."""
    import re

    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    named = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            named |= set(re.findall(r"`([\w/]+)`", row.split("|")[1]))
    top = {name.split(".")[1] + ("/" if (PACKAGE / name.split(".")[1]).is_dir() else "")
           for name in modules() if name.count(".") >= 1}
    assert top - named == set(), f"modules missing from the README's architecture table: {sorted(top - named)}"

if __name__ == "__main__":  # pragma: no cover
    g = import_graph()
    counts = line_counts()
    for m in sorted(g):
        print(f"{counts[m]:5d}  {m:28s} -> {', '.join(sorted(x.removeprefix('ser_lib.') for x in g[m])) or '-'}")
    print("cycles:", cycles(g) or "none")
    print(f"over {MAX_LINES} lines:", {m: n for m, n in counts.items() if n > MAX_LINES} or "none")
    sys.exit(1 if cycles(g) else 0)


def test_notebook_imports_from_ser_lib_exist():
    """Every ``from ser_lib... import name`` in a notebook the book or CI executes names something real
    (a renamed constant once broke the results page only at book-build time)."""
    import ast
    import importlib
    import json

    root = Path(__file__).resolve().parent.parent
    notebooks = sorted((root / "notebooks").glob("*.ipynb")) + sorted((root / "book").glob("*.ipynb"))
    assert notebooks
    missing = []
    for nb in notebooks:
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "\n".join(l for l in "".join(cell["source"]).splitlines() if not l.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ser_lib"):
                    mod = importlib.import_module(node.module)
                    for alias in node.names:
                        if not hasattr(mod, alias.name):
                            try:
                                importlib.import_module(f"{node.module}.{alias.name}")
                            except ImportError:
                                missing.append(f"{nb.name}: from {node.module} import {alias.name}")
    assert not missing, missing
