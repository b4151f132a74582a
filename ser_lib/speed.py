"""Process-level settings that make CPU training of the replica fast without changing what it computes.

The replica's activations are large: one ``(16, 256, 2364)`` float32 feature map is 39 MB, and a
training step allocates and frees dozens of them. glibc's ``malloc`` serves blocks above 32 MB with
``mmap`` and returns them to the kernel on ``free``, so every step pays for hundreds of thousands
of page faults and for the kernel zeroing fresh pages: measured on a 2-core machine, 1.2-1.4 s per
step of 16 rows, against 0.76-0.78 s once freed memory is kept for reuse (the same effect as
preloading tcmalloc or jemalloc with retention). :func:`retain_freed_memory` sets glibc's
``M_MMAP_MAX`` to 0 (large blocks come from the heap) and raises ``M_TRIM_THRESHOLD`` and
``M_TOP_PAD`` (freed heap memory is kept). The numbers computed are unchanged; the process keeps
its peak memory (about 1.7 GB for the replica at batch 16) until it exits.

``benchmarks/bench_training.py`` measures the step with and without it.

:func:`compile_model` is the second, optional setting: ``torch.compile`` of the replica (Inductor
fuses ReLU, BatchNorm, dropout and the attention's elementwise work into a few loops around the
convolutions). Dropout masks still come from torch's generator, drawn in eager mode and passed to the
compiled graph, so the masks are those of the eager model; the arithmetic differs only in float32
rounding.

:func:`exact_float32` is the GPU's counterpart of "without changing what it computes": on an NVIDIA
GPU PyTorch runs convolutions in TF32 by default (10-bit mantissas), which the CPU runs and the
float32 of the replica do not; training keeps full float32 there unless mixed precision is asked for.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys

__all__ = ["retain_freed_memory", "compile_model", "compile_default", "exact_float32"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX = -1, -2, -4
_state: dict[str, bool] = {}


def retain_freed_memory() -> bool:
    """Keep freed memory in the process heap (glibc only); returns whether the setting is active.

    Idempotent and process-wide. A no-op returning False on non-Linux systems, on a C library
    without ``mallopt``, or when the environment variable ``SER_NO_MALLOPT`` is set to a non-empty value.
    """
    if "active" in _state:
        return _state["active"]
    ok = False
    if sys.platform.startswith("linux") and not os.environ.get("SER_NO_MALLOPT"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
            ok = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1)) \
                and bool(mallopt(_M_TOP_PAD, 256 << 20))
        except (OSError, AttributeError):
            ok = False
    _state["active"] = ok
    return ok


class _MaskFed:
    """A compiled model called with its dropout mask drawn outside the graph (see :func:`compile_model`)."""

    def __init__(self, model, compiled):
        self.model, self.compiled = model, compiled

    def __call__(self, x):
        mask = self.model.dropout_mask(x)
        return self.compiled(x) if mask is None else self.compiled(x, mask)


def compile_model(model):
    """``torch.compile(model)`` for training steps of fixed shape; returns a callable ``f(x) -> logits``.

    The returned callable shares ``model``'s parameters and buffers (train it, evaluate and save
    ``model``). Shapes are static (``dynamic=False``: a last, smaller batch compiles once more), and
    random numbers come from torch's generator as in eager mode, so ``torch.manual_seed`` gives the
    eager model's dropout masks. For a model with a ``dropout_mask(x)`` method
    (:meth:`ser_lib.model.PaperNet.dropout_mask`) the mask is drawn in eager mode before each call and
    passed to the compiled graph as a float input: drawn inside the graph (Inductor's
    ``fallback_random``), Inductor stores it as a boolean tensor whose vectorised store and reload cost
    about 50 ms per step of the replica on 2 CPU threads (``(16, 256, 2364)``), about as much as the
    mask's random numbers. The first call compiles (seconds to tens of seconds on 2 CPU cores;
    Inductor caches the result on disk). Needs a C++ compiler on the CPU.
    """
    import torch

    compiled = torch.compile(model, dynamic=False, options={"fallback_random": True})
    return _MaskFed(model, compiled) if callable(getattr(model, "dropout_mask", None)) else compiled


def compile_default() -> bool:
    """Whether :func:`ser_lib.train.fit` compiles the model when its ``compile`` argument is None:
    true when the environment variable ``SER_COMPILE`` is ``1`` (``scripts/reproduce_all.py --compile``
    sets it for its runs). Off by default: compiling costs tens of seconds per process."""
    return os.environ.get("SER_COMPILE", "") == "1"


@contextlib.contextmanager
def exact_float32(device, enabled: bool = True):
    """Within the block, a CUDA ``device`` computes convolutions and matrix products in full float32
    (``torch.backends.cudnn.allow_tf32`` and ``torch.backends.cuda.matmul.allow_tf32`` set to False);
    the previous settings come back on exit. Nothing changes on the CPU or with ``enabled=False``
    (mixed precision, which chooses its own lower precision)."""
    import torch

    if not enabled or getattr(device, "type", str(device)) != "cuda":
        yield
        return
    prev = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = prev
