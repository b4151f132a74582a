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
    found = []

    def walk(obj, where):
        if isinstance(obj, str) and absolute.match(obj):
            found.append(f"{where}: {obj}")
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{where}.{k}")
        elif isinstance(obj, list):
            for v in obj:
                walk(v, where)

    files = sorted((repo / "results").rglob("*.json"))
    assert len(files) > 100
    for f in files:
        walk(json.loads(f.read_text()), f.relative_to(repo).as_posix())
    assert not found, found[:5]
