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
