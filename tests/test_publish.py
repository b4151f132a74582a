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
