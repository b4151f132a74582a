"""Results files: the data checksum sees content, records round-trip with provenance."""
import json

import numpy as np

from ser_lib.results import data_checksum, read_results, write_results


def test_checksum_sees_bytes_and_names(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    full = data_checksum([a, b])
    assert data_checksum([b, a]) == full  # order of the listing does not matter
    names_only = data_checksum([a, b], content=False)
    b.write_bytes(b"TWO")
    assert data_checksum([a, b]) != full  # altered audio is noticed ...
    assert data_checksum([a, b], content=False) == names_only  # ... which names alone cannot do
    b.rename(tmp_path / "c.wav")
    assert data_checksum([a, tmp_path / "c.wav"], content=False) != names_only


def test_write_then_read_results(tmp_path):
    out = write_results(tmp_path / "r" / "x.json", params={"seed": np.int64(3)},
                        metrics={"uar": np.float32(0.5), "cm": np.eye(2, dtype=int), "bad": float("nan")},
                        wall_time_s=1.5, data={"checksum": "abc"})
    assert out.exists() and not list(out.parent.glob("*.tmp"))
    rec = json.loads(out.read_text())
    assert rec["params"]["seed"] == 3 and rec["metrics"]["cm"] == [[1, 0], [0, 1]]
    assert rec["metrics"]["bad"] is None  # NaN is not valid JSON
    assert {"git", "versions", "hardware"} <= set(rec["provenance"])
    got = read_results("r/*.json", root=tmp_path)
    assert len(got) == 1 and got[0]["_file"] == "r/x.json"


def test_results_name_no_machine_path(tmp_path, monkeypatch):
    """Data root, cache root and repository paths are written as $SER_DATA_ROOT, $SER_CACHE_DIR and ./"""
    from ser_lib.config import REPO_ROOT
    from ser_lib.results import update_results

    data, cache = tmp_path / "corpora", tmp_path / "cache"
    monkeypatch.setenv("SER_DATA_ROOT", str(data))
    monkeypatch.setenv("SER_CACHE_DIR", str(cache))
    out = write_results(tmp_path / "x.json", params={"checkpoint_dir": cache / "checkpoints" / "run",
                                                     "log": f"read {data}/emodb"},  # text that mentions a path
                        metrics={}, wall_time_s=0.0,
                        data={"root": str(data), "corpus_dir": str(data / "emodb"),
                              "elsewhere": str(tmp_path / "corpora-old" / "emodb"),
                              "files": [str(REPO_ROOT / "results" / "x.json")]})
    rec = json.loads(out.read_text())
    assert rec["params"]["checkpoint_dir"] == "$SER_CACHE_DIR/checkpoints/run"
    assert rec["params"]["log"] == f"read {data}/emodb"
    assert rec["data"]["root"] == "$SER_DATA_ROOT" and rec["data"]["corpus_dir"] == "$SER_DATA_ROOT/emodb"
    assert rec["data"]["elsewhere"] == str(tmp_path / "corpora-old" / "emodb")  # a prefix, not a parent
    assert rec["data"]["files"] == ["./results/x.json"]
    update_results(out, moved_to=str(data / "savee"))
    assert json.loads(out.read_text())["moved_to"] == "$SER_DATA_ROOT/savee"


def test_cpu_model_from_cpuinfo_and_hardware_summary(tmp_path):
    from ser_lib.results import cpu_model, hardware_summary, provenance

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R)  Xeon(R) Gold 6338 CPU\n\n"
                    "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU\n")
    assert cpu_model(info) == "Intel(R) Xeon(R) Gold 6338 CPU"
    assert cpu_model(tmp_path / "missing") in (None, __import__("platform").processor() or None)
    hw = provenance()["hardware"]
    assert "cpu_model" in hw and "cuda" in hw
    rec = {"params": {"device": "cpu", "torch_threads": 1},
           "provenance": {"hardware": {"machine": "x86_64", "processor": None, "cpu_count": 2}}}
    assert hardware_summary(rec) == "x86_64 CPU, 2 CPUs, 1 torch thread"  # an old file: no cpu_model
    rec["provenance"]["hardware"]["cpu_model"] = "Intel(R) Xeon(R) Processor"
    rec["params"]["torch_threads"] = 2
    assert hardware_summary(rec) == "Intel(R) Xeon(R) Processor, 2 CPUs, 2 torch threads"
    rec["params"]["device"] = "cuda"
    rec["provenance"]["hardware"]["cuda"] = "NVIDIA H100 80GB HBM3"
    assert hardware_summary(rec) == "GPU NVIDIA H100 80GB HBM3"
    rec["params"]["device"] = "cpu"
    rec["history"] = [{"epoch": 1, "torch_threads": 1}, {"epoch": 2}]   # a re-evaluation call with 2 threads
    assert hardware_summary(rec) == "Intel(R) Xeon(R) Processor, 2 CPUs, 1 torch thread"


# ------------------------------------------------------------------ concurrent writers and a reader
_ROWS = 1500  # history entries per record: ~80 kB of JSON, so a torn write would be easy to catch


def _quiet_provenance():
    # the write is under test, not provenance (which runs git twice per call)
    return {"git": {"commit": None, "dirty": None}, "versions": {}, "hardware": {}, "written_utc": None}


def _writer(path, k, n, out):
    from ser_lib import results

    results.provenance = _quiet_provenance
    errors = []
    for i in range(n):
        try:
            results.write_results(path, params={"writer": k, "i": i}, metrics={"uar": i / n}, wall_time_s=0.0,
                                  history=[{"epoch": e, "loss": 1.0 / (e + 1), "writer": k} for e in range(_ROWS)])
        except Exception as exc:  # any crash is a failure of the test
            errors.append(repr(exc))
    out.put(("writer", k, errors))


def _reader(path, stop, out):
    from pathlib import Path

    reads, bad = 0, []
    while not stop.is_set():
        text = Path(path).read_text()
        reads += 1
        try:
            rec = json.loads(text)
            assert len(rec["history"]) == _ROWS and rec["params"]["writer"] in (0, 1, "init")
        except (ValueError, AssertionError, KeyError) as exc:
            bad.append(f"{type(exc).__name__} on {len(text)} characters")
    out.put(("reader", reads, bad))


def test_concurrent_writers_and_a_reader(tmp_path):
    """Two processes write the same results file 200 times each while a third reads it: no writer
    crashes, the reader always parses a whole record, and no temporary file is left behind."""
    import multiprocessing as mp

    path = tmp_path / "shared.json"
    write_results(path, params={"writer": "init"}, metrics={}, wall_time_s=0.0,
                  history=[{"epoch": e} for e in range(_ROWS)])
    ctx = mp.get_context("spawn")
    out, stop = ctx.Queue(), ctx.Event()
    reader = ctx.Process(target=_reader, args=(str(path), stop, out))
    writers = [ctx.Process(target=_writer, args=(str(path), k, 200, out)) for k in (0, 1)]
    reader.start()
    for w in writers:
        w.start()
    reports = [out.get(timeout=120) for _ in writers]
    for w in writers:
        w.join(timeout=60)
    stop.set()
    reports.append(out.get(timeout=60))
    reader.join(timeout=60)
    assert [w.exitcode for w in writers] == [0, 0] and reader.exitcode == 0
    errors = {k: errs for kind, k, errs in reports if kind == "writer"}
    assert errors == {0: [], 1: []}, errors
    (_, reads, bad), = [r for r in reports if r[0] == "reader"]
    assert bad == [], f"{len(bad)} of {reads} reads were not a whole record: {bad[:3]}"
    assert reads > 0
    rec = json.loads(path.read_text())
    assert rec["params"]["writer"] in (0, 1) and rec["params"]["i"] == 199 and len(rec["history"]) == _ROWS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.json"]  # no stray temporary files


def test_training_step_summary_reads_the_history():
    from ser_lib.results import training_step_summary
    assert training_step_summary({}) == "–"
    assert training_step_summary({"history": [{"epoch": 1}, {"epoch": 2}]}) == "eager"
    assert training_step_summary({"history": [{"compiled": True}] * 3}) == "compiled"
    mixed = {"history": [{"epoch": 1}, {"compiled": False}, {"compiled": True}]}
    assert training_step_summary(mixed) == "compiled 1 of 3 epochs"


def test_throughput_is_the_median_of_epochs_and_says_why_some_were_slow():
    from ser_lib.results import epoch_throughput, throughput_text
    from ser_lib.train import History

    epochs = [{"samples_per_s": v, "seconds": 100 / v} for v in (30.0, 31.0, 5.0, 29.0)]
    t = epoch_throughput({"history": epochs})
    assert t["median"] == 29.5 and t["min"] == 5.0 and t["max"] == 31.0 and t["epochs"] == 4
    assert abs(t["mean"] - 23.75) < 1e-9                  # the mean is pulled down by the one slow epoch
    assert epoch_throughput(History(epochs=epochs)) == t   # a History reads the same
    text = throughput_text(epochs, threads=2, device="cpu")
    assert "29.5 training rows/s" in text and "range 5.0–31.0" in text and "2 torch threads" in text
    assert "slower epochs" in text
    steady = throughput_text(epochs[:2] + epochs[3:], threads=1)
    assert "slower epochs" not in steady and "1 torch thread," not in steady and "1 torch thread)" in steady
    assert epoch_throughput({"history": [{"epoch": 1}]}) is None
    recorded = [dict(e, torch_threads=2) for e in epochs[:2]] + [dict(epochs[3], torch_threads=1)]
    assert "1–2 torch threads" in throughput_text(recorded, threads=4)   # what the epochs ran with wins
    assert "no epoch recorded" in throughput_text([])
    warmup = [{"samples_per_s": 10.0, "seconds": 10.0}] + epochs[:2] + epochs[3:]   # only epoch 1 is slow
    assert "Only the first epoch was slower" in throughput_text(warmup, device="cuda")
    assert "Only the first epoch" not in text                                     # epoch 3 was slow there


def test_repo_path_names_a_file_by_its_place_in_any_checkout(tmp_path):
    from ser_lib.config import REPO_ROOT, repo_path

    other = tmp_path / "worktree"  # a second checkout, as the long-run queue uses
    (other / "ser_lib").mkdir(parents=True)
    (other / "_toc.yml").write_text("")
    f = other / "results" / "reproduce" / "savee.json"
    assert repo_path(f) == "results/reproduce/savee.json"
    assert repo_path(tmp_path / "cache" / "results" / "savee-n4.json") == "savee-n4.json"  # outside: name only
    assert repo_path(REPO_ROOT / "results" / "reproduce" / "emodb.json") == "results/reproduce/emodb.json"
