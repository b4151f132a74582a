"""Process pools whose workers die with their parent.

:func:`run_pool` runs a function over tasks in worker processes (``concurrent.futures``) such that
no worker outlives the process that started it: each worker asks Linux to kill it when its parent
dies (``PR_SET_PDEATHSIG``) and watches its parent from a thread everywhere else; the parent stops
its workers on Ctrl-C, on SIGTERM and on any error. Used by :func:`ser_lib.features.extract`.
"""
from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

__all__ = ["run_pool"]


def _init_worker(parent_pid: int | None = None) -> None:  # pragma: no cover - runs in worker processes
    """Worker set-up: one BLAS thread; SIGINT ignored and SIGTERM default (the parent decides);
    death with the parent ``parent_pid``: Linux ``PR_SET_PDEATHSIG`` (SIGKILL the moment the
    creating process dies) and, everywhere, a daemon thread that exits when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (inherited through fork)
    if parent_pid is not None:
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
        first_ppid = os.getppid()  # the parent, or a fork server

        def gone() -> bool:
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                return True
            except OSError:
                pass
            return os.getppid() != first_ppid

        def watch():
            import time

            while not gone():
                time.sleep(0.5)
            os._exit(1)

        if gone():  # the parent died before prctl took effect
            os._exit(1)
        threading.Thread(target=watch, name="ser-parent-watch", daemon=True).start()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


class _Terminated(BaseException):
    """Raised by :func:`run_pool`'s SIGTERM handler so that the pool is shut down."""


def _stop_pool(ex: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut the pool down: queued tasks cancelled; with ``kill`` running workers are terminated
    (SIGTERM, then SIGKILL after 5 s) instead of being waited for."""
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=not kill, cancel_futures=True)
    if kill:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


def run_pool(fn, tasks: list, n_jobs: int, take, *, stop_gently: type | tuple = ()) -> None:
    """Run ``fn(task)`` for every task in ``n_jobs`` worker processes, calling ``take(result)`` as
    results arrive (``fn`` must be picklable: a module-level function).

    The workers die with this process (even by SIGKILL) and are terminated on Ctrl-C, on SIGTERM
    (in the main thread: turned into ``SystemExit(143)`` once the pool is stopped) and on errors;
    an exception of a type in ``stop_gently`` (raised by ``take``) lets the running tasks finish
    first. The start method is ``$SER_MP_START`` (default ``fork`` where available)."""
    import multiprocessing as mp

    method = os.environ.get("SER_MP_START", "fork" if "fork" in mp.get_all_start_methods() else "spawn")
    ex = ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), mp_context=mp.get_context(method),
                             initializer=_init_worker, initargs=(os.getpid(),))
    previous = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        def on_term(signum, frame):
            raise _Terminated()

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        pending = {ex.submit(fn, t) for t in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                take(f.result())
    except _Terminated:
        _stop_pool(ex, kill=True)
        raise SystemExit(128 + signal.SIGTERM) from None
    except stop_gently:
        _stop_pool(ex, kill=False)  # let the running tasks finish (e.g. complete their cache entries)
        raise
    except BaseException:
        _stop_pool(ex, kill=True)
        raise
    else:
        ex.shutdown(wait=True)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
