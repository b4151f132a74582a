"""The shipped model: the audit's efficient CNN trained on every corpus present, on their shared emotions.

``python -m ser_lib train-pretrained`` (or ``make pretrained``; :func:`ser_lib.__main__.train_pretrained`)
runs one job of recipe ``"pretrained"`` through the one runner (:func:`ser_lib.experiments.run_job`)
and installs the result into the package (:func:`install`: :data:`ser_lib.voice_model.DEFAULT_MODEL`
and its model card).

The job (:func:`run_job`):

1. loads EMO-DB, SAVEE, EMOVO, RAVDESS and TESS (those present) on the emotions they all have
   (:func:`ser_lib.pooled.load_pooled`: neutral, happy, sad, angry, fear, disgust), at most
   1200 recordings per corpus;
2. holds out speakers per corpus (:func:`ser_lib.pooled.speaker_split`, drawn alternately by
   gender): about 20 % as **test** speakers, never used for training or model selection, and
   about 15 % as **validation** speakers for early stopping (TESS, with two actresses: one test
   actress, no validation one);
3. trains on the rest (the original recordings; ``augment=True`` adds their noise and pitch
   versions at four times the CPU; global standardisation with the training frames' statistics, no
   per-speaker normalisation), one torch thread, keeping the epoch with the best validation UAR and
   stopping after ``patience`` epochs without improvement;
4. scores the test speakers of each corpus twice: on the training features (the 2.5 s clip from
   0.6 s) and through :func:`ser_lib.predict.predict_file` on the whole files (the path a user's
   file takes); also the synthetic corpus (not speech: informational only);
5. writes ``results/pretrained/<name>.json`` (scores, per-corpus data checksums, versions,
   commit, timing) and the model bundle ``<name>.pt`` beside it (:func:`ser_lib.voice_model.save`).

The shipped model is exactly the model whose test-speaker scores are reported: it was not
retrained on the test speakers afterwards.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from . import metrics as M
from .config import REPO_ROOT
from .pooled import DEFAULT_MAX_PER_DOMAIN, fit, load_pooled, score, speaker_split

__all__ = ["NAME", "DEFAULT_DOMAINS", "DEFAULT_RESULTS_DIR", "job_spec", "job_path", "run_job", "install"]

NAME = "efficient_shared_emotions"
DEFAULT_DOMAINS = ("emodb", "savee", "emovo", "ravdess", "tess")
DEFAULT_RESULTS_DIR = REPO_ROOT / "results" / "pretrained"


def job_spec(domains: Sequence[str] | None = None, *, seed: int = 0, epochs: int = 30, patience: int | None = 6,
             max_per_domain: int | None = DEFAULT_MAX_PER_DOMAIN, emotions: Sequence[str] | None = None,
             test_frac: float = 0.2, val_frac: float = 0.15, augment: bool = False, batch_size: int = 32,
             name: str = NAME, data_root=None):
    """The :class:`~ser_lib.experiments.spec.JobSpec` of the shipped model (``domains`` None: the
    corpora of :data:`DEFAULT_DOMAINS` that are present; ``augment``: train on the four versions
    of each recording instead of the originals, four times the CPU)."""
    import hashlib

    from . import corpora
    from .experiments.spec import JobSpec, data_hash
    from .pooled import parse_domain, shared_emotions

    if domains is None:
        present = set(corpora.available(data_root))
        domains = [d for d in DEFAULT_DOMAINS if d in present]
    domains = list(domains)
    if not domains:
        raise FileNotFoundError("no corpus found to train on: set SER_DATA_ROOT (python -m ser_lib.corpora status)")
    emotions = list(emotions) if emotions is not None else shared_emotions(domains, data_root)
    corpora_ = sorted({parse_domain(d)[0] for d in domains})
    h = hashlib.sha256("|".join(f"{c}:{data_hash(c, data_root)}" for c in corpora_).encode()).hexdigest()[:16]
    params = {"domains": ",".join(domains), "emotions": ",".join(emotions), "max_per_domain": max_per_domain,
              "patience": patience, "test_frac": test_frac, "val_frac": val_frac, "batch_size": batch_size, "name": name}
    return JobSpec("pretrained", "+".join(domains), "speaker-split", "efficient", seed=seed, epochs=epochs, threads=1,
                   augment=augment, data_hash=h, params=params)


def job_path(spec, results_dir=DEFAULT_RESULTS_DIR) -> Path:
    """``<results_dir>/<name>.json`` (the bundle goes beside it as ``<name>.pt``)."""
    return Path(results_dir) / f"{dict(spec.params).get('name', NAME)}.json"


def _predict_files(bundle, paths: Sequence[str], truth: Sequence[str]) -> dict:
    """Score :func:`ser_lib.predict.predict_file` on whole files against their emotions."""
    from .predict import predict_file

    yt, yp, errors, unreliable = [], [], 0, 0
    for p, e in zip(paths, truth):
        pr = predict_file(p, bundle)
        if pr.error or not pr.probabilities:
            errors += 1
            continue
        unreliable += int(not pr.reliable)
        yt.append(e)
        yp.append(max(pr.probabilities, key=pr.probabilities.get))
    out = {"n": len(yt), "errors": errors, "unreliable": unreliable}
    if yt:
        out.update(M.all_metrics(np.array(yt), np.array(yp), list(bundle.labels)))
    return out


def run_job(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    """The ``"pretrained"`` recipe (see the module text); returns the results file ``path``."""
    from .results import write_results
    from .voice_model import FEATURES, load, save

    p = dict(spec.params)
    domains = p["domains"].split(",")
    t0 = time.perf_counter()
    data = load_pooled(domains, p["emotions"].split(","), data_root=data_root, max_per_domain=p.get("max_per_domain"),
                       n_jobs=n_jobs, progress=progress)
    splits = {d: speaker_split(data, d, test_frac=p["test_frac"], val_frac=p["val_frac"], seed=spec.seed)
              for d in domains}
    tr = np.concatenate([data.rows([d], s["train"]) for d, s in splits.items()])
    if not spec.augment:
        tr = tr[data.meta["version"].to_numpy()[tr] == "original"]
    va = np.concatenate([data.rows([d], s["val"], original_only=True) for d, s in splits.items()])
    net, std, res = fit(data, tr, va, model=spec.model, epochs=spec.epochs, patience=p.get("patience"),
                        seed=spec.seed, batch_size=p.get("batch_size", 128), progress=progress)
    train_s = time.perf_counter() - t0
    held, val, files = {}, {}, {}
    bundle_path = Path(path).with_suffix(".pt")
    training = {"domains": domains, "recipe": "pretrained", "job_key": spec.key, "seed": spec.seed,
                "results_file": f"results/pretrained/{Path(path).name}",
                "per_domain": {d: {"recordings": data.info[d]["recordings"], "checksum": data.info[d]["checksum"],
                                   "test_speakers": splits[d]["test"], "val_speakers": splits[d]["val"]}
                               for d in domains},
                "best_epoch": res.best_epoch, "epochs_run": len(res.history)}
    versions = "original, noise, pitch and pitch + noise versions" if spec.augment else "original recordings only"
    features = {**FEATURES, "training_window": f"{FEATURES['training_window']}; {versions}"}
    save(bundle_path, net, data.labels, std.mean, std.std, architecture=spec.model, training=training,
         features=features)
    bundle = load(bundle_path)
    for d, s in splits.items():
        te = data.rows([d], s["test"], original_only=True)
        held[d] = score(net, std, data, te)
        held[d]["test_speakers"] = s["test"]
        if s["val"]:
            val[d] = score(net, std, data, data.rows([d], s["val"], original_only=True))
        meta = data.meta.iloc[te]
        files[d] = _predict_files(bundle, meta["path"].tolist(), meta["emotion"].tolist())
        if progress:
            print(f"  {d}: held-out UAR {held[d]['uar']:.3f} (clip) / {files[d].get('uar', float('nan')):.3f} "
                  f"(whole files)", flush=True)
    synth = _synthetic_check(bundle)
    uars = [m["uar"] for m in held.values()]
    mean, sd = M.summarize(uars)
    metrics = {"held_out": held, "validation": val, "held_out_whole_files": files, "synthetic": synth,
               "labels": list(data.labels), "uar_mean": mean, "uar_std": sd, "leakage_mean": 0.0,
               "chance_uar": 1.0 / len(data.labels),
               "train": {"n_train_rows": int(len(tr)), "n_val_rows": int(len(va)), "best_epoch": res.best_epoch,
                         "best_val_uar": res.best_val_uar, "epochs_run": len(res.history),
                         "train_seconds": res.seconds, "train_samples_per_s": res.train_samples_per_s,
                         "params": bundle.n_params, "wall_seconds_to_trained": train_s}}
    par = {"recipe": "pretrained", "model": spec.model, "speaker_normalization": False, "seed": spec.seed,
           "epochs": spec.epochs, "augment": spec.augment, "torch_threads": spec.threads,
           **p, "domains": domains, "emotions": p["emotions"].split(",")}
    import hashlib

    bundle_info = {"file": bundle_path.name, "bytes": bundle_path.stat().st_size,
                   "sha256": hashlib.sha256(bundle_path.read_bytes()).hexdigest(),
                   "installed_as": f"ser_lib/pretrained/{bundle_path.name}"}
    return write_results(path, params=par, metrics=metrics, wall_time_s=time.perf_counter() - t0,
                         data=data.describe(), history=res.history,
                         extra={"job": {**spec.to_dict(), "key": spec.key}, "bundle": bundle_info,
                                "synthetic_checksum": synth.get("checksum")})


def _synthetic_check(bundle) -> dict:
    """Whole-file scores on the synthetic corpus's recordings of the bundle's emotions (a toy
    voice the model never saw: informational)."""
    from .pooled import domain_table
    from .results import data_checksum

    t = domain_table("synthetic")
    t = t[t["emotion"].isin(bundle.labels)]
    out = _predict_files(bundle, t["path"].tolist(), t["emotion"].tolist())
    out["checksum"] = data_checksum(t["path"])
    return out


def install(results_file: str | os.PathLike, target: str | os.PathLike | None = None) -> Path:
    """Move the bundle written beside ``results_file`` into the package (default
    :data:`ser_lib.voice_model.DEFAULT_MODEL`) and write its model card; returns the target."""
    import json

    from .voice_model import DEFAULT_MODEL, load, write_card

    results_file = Path(results_file)
    src = results_file.with_suffix(".pt")
    target = Path(target) if target is not None else DEFAULT_MODEL
    target.parent.mkdir(parents=True, exist_ok=True)
    if src.exists():  # moved, not copied: the weights live in the package only
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
        src.unlink()
    elif not target.exists():
        raise FileNotFoundError(f"no bundle {src} beside {results_file} (and none installed at {target})")
    rec = json.loads(results_file.read_text())
    m = rec["metrics"]
    extra = {"held_out_uar": {d: round(v["uar"], 4) for d, v in m["held_out"].items()},
             "held_out_whole_files_uar": {d: round(v["uar"], 4) for d, v in m["held_out_whole_files"].items()
                                          if "uar" in v},
             "chance_uar": m["chance_uar"], "results_file": f"results/pretrained/{results_file.name}",
             "commit": rec["provenance"]["git"]["commit"], "versions": rec["provenance"]["versions"]}
    write_card(target, load(target), extra)
    return target

