"""Launching the notebooks elsewhere (Colab, Binder, JupyterLab): one repository setting, an install cell
in every source notebook that names it, and a `make lab` target."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from ser_lib.publish import INSTALL_MARKER, install_cell_source, repository_url, set_install_cells

REPO = Path(__file__).resolve().parent.parent
#: source notebooks whose owners have not added the install cell yet (scripts/set_repository.py adds it);
#: the test fails when one of them gets it, so that this list only shrinks
PENDING: set[str] = set()


def _sources() -> list[Path]:
    return sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "book").glob("*.ipynb"))


def _install_cell(path: Path):
    cells = json.loads(path.read_text())["cells"]
    for cell in cells[:2]:
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith(INSTALL_MARKER):
            return cell
    return None


def test_the_repository_is_configured_once():
    cfg = yaml.safe_load((REPO / "_config.yml").read_text())
    url = repository_url()
    assert url == cfg["repository"]["url"].rstrip("/")
    assert url.startswith("https://")
    assert "launch_buttons" in cfg and cfg["launch_buttons"].get("colab_url") and cfg["launch_buttons"].get("binderhub_url")


def test_every_source_notebook_installs_ser_lib_from_that_repository():
    url = repository_url()
    missing, wrong, tags = [], [], []
    for nb in _sources():
        cell = _install_cell(nb)
        if cell is None:
            missing.append(nb.name)
            continue
        if "".join(cell["source"]) != install_cell_source(url):
            wrong.append(nb.name)
        if "remove-cell" not in cell.get("metadata", {}).get("tags", []):
            tags.append(nb.name)
    assert not wrong, f"install cells naming another repository (run scripts/set_repository.py): {wrong}"
    assert not tags, f"install cells shown on the page (tag them remove-cell): {tags}"
    assert set(missing) <= PENDING, f"notebooks without the install cell: {sorted(set(missing) - PENDING)}"
    done = PENDING - set(missing)
    assert not done & {p.name for p in _sources()}, f"drop from PENDING, they have the cell now: {sorted(done)}"


def test_the_install_cell_does_nothing_where_ser_lib_is_installed(tmp_path):
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(install_cell_source("https://github.com/a/b"))
    calls = []
    exec(compile(code, "install", "exec"), {"get_ipython": lambda: type("S", (), {
        "run_line_magic": lambda self, *a: calls.append(a)})()})
    assert calls == []  # ser_lib is importable here: no pip
    assert "ser_lib @ git+https://github.com/a/b" in code


def test_set_install_cells_inserts_after_the_title_and_rewrites(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert set_install_cells([path], "https://github.com/a/b") == [str(path)]
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source == "# Title" and cells[1].source.startswith(INSTALL_MARKER) and len(cells) == 3
    assert set_install_cells([path], "https://github.com/a/b") == []          # idempotent
    set_install_cells([path], "https://github.com/c/d")
    cells = nbformat.read(path, as_version=4).cells
    assert len(cells) == 3 and "github.com/c/d" in cells[1].source


def test_make_lab_opens_the_notebooks_with_the_project_environment():
    make = (REPO / "Makefile").read_text()
    assert "\nlab:" in make
    body = make.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "jupyter lab" in body and "notebooks" in body and "$(VENV)" in body


def test_every_notebook_is_valid_nbformat_with_cell_ids():
    """Every notebook of the book (sources and published records) validates against nbformat 4.5, whose
    cells carry ids: a missing id is a warning in the build today and an error in future nbformat."""
    import nbformat

    paths = _sources() + sorted((REPO / "book").glob("*/*.ipynb"))
    bad = {}
    for path in paths:
        nb = json.loads(path.read_text())
        missing = [i for i, c in enumerate(nb["cells"]) if "id" not in c]
        if missing or (nb["nbformat"], nb["nbformat_minor"]) < (4, 5):
            bad[path.relative_to(REPO).as_posix()] = missing
        else:
            nbformat.validate(nbformat.from_dict(nb))
    assert not bad, f"cells without ids (fix: nbformat.validator.normalize): {bad}"


def test_the_reproduction_pages_are_listed_in_the_papers_order():
    """Every page in book/reproductions/ is in the table of contents, in the order the paper lists its corpora
    (so the book's previous/next links follow the results table)."""
    from ser_lib import paper

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    part = next(p for p in toc["parts"] if p["caption"] == "Reproducing the paper")
    listed = [e["file"].rsplit("/", 1)[1] for e in part["chapters"][0]["sections"]]
    pages = {p.stem for p in (REPO / "book" / "reproductions").iterdir() if p.suffix in (".ipynb", ".md")}
    assert set(listed) == pages
    assert listed == [c for c in paper.FIGURES if c in pages]
    # a page of the model a released notebook printed (reproduce_all.py --printed-model) is a section of its corpus's
    printed = {p.stem for p in (REPO / "book" / "reproductions" / "printed").glob("*.ipynb")}
    nested = {e["file"].rsplit("/", 1)[1]: [s["file"] for s in e.get("sections", [])]
              for e in part["chapters"][0]["sections"]}
    assert {c: files for c, files in nested.items() if files} == {c: [f"book/reproductions/printed/{c}"] for c in printed}


def test_published_records_are_never_executed_by_the_book_build():
    """Every page under book/reproductions/ and book/audit/ (records of hours of training) matches one of
    _config.yml's execution exclude patterns, matched as myst-nb matches them (PurePosixPath.match on the
    notebook's path): a page that did not would be re-run, training included, by every book build."""
    from pathlib import PurePosixPath

    cfg = yaml.safe_load((REPO / "_config.yml").read_text())
    patterns = cfg["execute"]["exclude_patterns"]
    records = [p for d in ("reproductions", "audit") for p in (REPO / "book" / d).rglob("*.ipynb")]
    assert any("printed" in p.parts for p in records) or not (REPO / "book" / "reproductions" / "printed").exists()
    executed = [p.relative_to(REPO).as_posix() for p in records
                if not any(PurePosixPath(p.as_posix()).match(pat) for pat in patterns)]
    assert not executed, f"published records the book build would execute (add a pattern to _config.yml): {executed}"
