"""Executed pages lose the machine's paths."""
import nbformat

from ser_lib.publish import path_replacements, scrub_paths


def test_scrub_paths(tmp_path):
    repo, data, cache = tmp_path / "checkout", tmp_path / "corpora", tmp_path / "cache"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f'results_path = "{repo}/results/reproduce/emodb.json"\n'
                                          f'data_root = "{data}"')]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text=f"checkpoint {cache}/checkpoints/x\n"),
                           nbformat.v4.new_output("display_data", data={"image/png": "iVBOR/x/y",
                                                                        "text/plain": f"{repo}"})]
    nb.metadata["papermill"] = {"input_path": f"{repo}/notebooks/reproduce.ipynb"}
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    n = scrub_paths(path, path_replacements([repo], data, cache))
    text = path.read_text()
    assert n == 1 and str(tmp_path) not in text
    out = nbformat.read(path, as_version=4)
    assert 'results_path = "results/reproduce/emodb.json"' in out.cells[0].source
    assert 'data_root = "$SER_DATA_ROOT"' in out.cells[0].source
    assert out.cells[0].outputs[0]["text"] == "checkpoint $SER_CACHE_DIR/checkpoints/x\n"
    assert out.cells[0].outputs[1]["data"]["image/png"] == "iVBOR/x/y"
    assert out.metadata["papermill"]["input_path"] == "notebooks/reproduce.ipynb"


def test_committed_results_name_no_machine_path():
    """Results files are published with the book: no string in them is an absolute path of the machine
    that wrote them (ser_lib.results.write_results writes $SER_DATA_ROOT/..., $SER_CACHE_DIR/..., ./...)."""
    import json
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    absolute = re.compile(r"^(/|[A-Za-z]:[\\/])")
    files = sorted((repo / "results").rglob("*.json"))
    assert len(files) > 100
    found = [f"{where}: {s}" for f in files
             for where, s in _strings(json.loads(f.read_text()), f.relative_to(repo).as_posix()) if absolute.match(s)]
    assert not found, found[:5]


def test_rendering_twice_gives_the_same_file(tmp_path):
    """Published records change only when the page changes: two papermill executions of one notebook,
    scrubbed, are byte-identical (timestamps, durations and the injected cell's random id are dropped),
    and the recorded parameters stay."""
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(n * 2)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "template.ipynb"
    nbformat.write(nb, src)
    texts = []
    for run in range(2):
        out = tmp_path / "page.ipynb"
        pm.execute_notebook(str(src), str(out), parameters={"n": 21}, kernel_name="python3", progress_bar=False)
        assert "start_time" in out.read_text()
        scrub_paths(out, path_replacements([tmp_path]))
        texts.append(out.read_text())
    assert texts[0] == texts[1]
    page = nbformat.read(tmp_path / "page.ipynb", as_version=4)
    nbformat.validate(page)
    assert page.metadata["papermill"]["parameters"] == {"n": 21}
    assert [c.get("id") for c in page.cells if "injected-parameters" in c.metadata.get("tags", [])] == ["injected-parameters"]
    assert page.cells[-1].outputs[0]["text"] == "42\n"


def test_publish_page_records_the_page_not_the_scratch_file(tmp_path):
    """A page executed into a scratch file and then published names itself (repository-relative) as
    papermill's output path, replaces the old page, and leaves no scratch file."""
    from ser_lib.publish import publish_page

    repo = tmp_path / "checkout"
    scratch, dest = repo / ".cache" / "running" / "emodb.ipynb", repo / "book" / "reproductions" / "emodb.ipynb"
    scratch.parent.mkdir(parents=True)
    dest.parent.mkdir(parents=True)
    dest.write_text("old page")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f'results_path = "{repo}/results/x.json"')]
    nb.metadata["papermill"] = {"input_path": f"{repo}/notebooks/reproduce.ipynb", "output_path": str(scratch),
                                "start_time": "2026-11-26T00:00:00"}
    nbformat.write(nb, scratch)
    assert publish_page(scratch, dest, path_replacements([repo])) == dest
    assert not scratch.exists()
    out = nbformat.read(dest, as_version=4)
    assert out.metadata["papermill"]["output_path"] == "book/reproductions/emodb.ipynb"
    assert "start_time" not in out.metadata["papermill"] and str(repo) not in dest.read_text()


def test_committed_pages_name_no_machine_path():
    """Executed pages are read on GitHub and in JupyterLab as well as in the built book (which drops the
    injected-parameters cell): no cell source, text output or metadata of a committed notebook names an
    absolute path of the machine that ran it. Image data is skipped (base64 is not text)."""
    import json
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    machine = re.compile(r"(?<![\w.~$])/(home|work|tmp|root|Users|mnt|private)/")
    pages = sorted(p for d in ("book", "notebooks") for p in (repo / d).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)
    assert len(pages) > 15
    found = [f"{where}: ...{s[max(0, m.start() - 30):m.end() + 40]}..." for p in pages
             for where, s in _strings(json.loads(p.read_text()), p.relative_to(repo).as_posix(), skip="image/")
             if (m := machine.search(s))]
    assert not found, found[:5]


def _strings(obj, where, skip=None):
    """Every string in a JSON document, with where it is (``file.key.key``); keys starting with ``skip``
    (e.g. ``image/``: base64 data) are not entered."""
    if isinstance(obj, str):
        yield where, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if skip is None or not k.startswith(skip):
                yield from _strings(v, f"{where}.{k}", skip)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, where, skip)
