"""A job: the small, serialisable description of one unit of work.

A :class:`JobSpec` names everything that decides a result (recipe, corpus, protocol, fold,
model, seed, budget, the data it must see) and nothing about *where* it runs (no paths, no
worker count). Its :attr:`JobSpec.key` is a hash of its dictionary, stable across machines and
Python sessions; the results file stores the dictionary, so a finished job is recognised by
content, not only by name.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

__all__ = ["JobSpec", "data_hash"]


@dataclass(frozen=True)
class JobSpec:
    """One job: a pure function of these fields gives one results file.

    Parameters
    ----------
    recipe : str
        Name in :data:`ser_lib.experiments.recipes.RECIPES` (``"audit"``, ``"paper-reproduction"``).
    corpus : str
        Corpus name (:data:`ser_lib.corpora.CORPORA` or ``"synthetic"``).
    protocol : str
        ``"paper"``, ``"utterance"`` or ``"speaker"`` (:mod:`ser_lib.protocols`).
    model : str
        Model name as the recipe knows it (e.g. ``"efficient+spkn"``, ``"mfcc_lr"``).
    seed : int
        Seed of initialisation, shuffling and (except for ``paper``) the split.
    fold : str or None
        Run only this fold of the protocol; None runs every fold.
    epochs : int or None
        Training budget; None for models that do not train by epochs (the baselines).
    max_files : int or None
        At most this many recordings (:func:`ser_lib.audit.subsample`); None uses all.
    augment : bool
        Train on the augmented versions (the audit's default) or on originals only.
    threads : int
        ``torch.set_num_threads`` inside the job (neural results depend on it at the last bits).
    data_hash : str or None
        :func:`data_hash` of the corpus the grid was built for; the job refuses other data.
    params : tuple of (str, value) pairs
        Recipe-specific settings; a mapping is accepted and stored sorted.
    """

    recipe: str
    corpus: str
    protocol: str
    model: str
    seed: int = 0
    fold: str | None = None
    epochs: int | None = None
    max_files: int | None = None
    augment: bool = True
    threads: int = 1
    data_hash: str | None = None
    params: tuple = field(default=())

    def __post_init__(self):
        params = self.params.items() if isinstance(self.params, Mapping) else self.params
        object.__setattr__(self, "params", tuple(sorted((str(k), v) for k, v in params)))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "threads", int(self.threads))
        for name in ("epochs", "max_files"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else int(value))

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (``params`` as a dict); JSON-serialisable, the inverse of :meth:`from_dict`."""
        d = asdict(self)
        d["params"] = dict(self.params)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "JobSpec":
        """The spec of :meth:`to_dict` (unknown keys such as ``key`` are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @property
    def key(self) -> str:
        """16 hex digits of the SHA-256 of the sorted JSON of :meth:`to_dict`."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def label(self) -> str:
        """Short human-readable name, e.g. ``"emodb/speaker/efficient+spkn/seed0"``."""
        extra = ("" if self.augment else "/noaug") + (f"/{self.fold}" if self.fold else "")
        return f"{self.corpus}/{self.protocol}/{self.model}/seed{self.seed}{extra}"


def data_hash(corpus: str, data_root: str | os.PathLike | None = None) -> str:
    """Identity of a corpus's files without their location: SHA-256 (16 hex digits) over the
    sorted file names and sizes that :func:`ser_lib.corpora.scan` finds.

    Cheap (no audio is read) and the same on every machine holding the same copy, so a grid built
    on one machine can check that a worker sees the same data. ``"synthetic"`` ignores ``data_root``.
    """
    from .. import corpora

    table = corpora.scan(corpus) if corpus == "synthetic" else corpora.scan(corpus, data_root)
    h = hashlib.sha256()
    for name, size in sorted((Path(p).name, Path(p).stat().st_size) for p in table["path"]):
        h.update(f"{name}\t{size}\n".encode())
    return h.hexdigest()[:16]
