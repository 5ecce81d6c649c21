"""A bounded pool of worker processes for the CPU-heavy kinds (a plan's layout or Pareto search, a
deployment search), so that a search never holds up a cheap request.

Cheap kinds run in the server's threads (the library releases nothing to the GIL, but they take
milliseconds); heavy ones run in ``processes`` spawned processes, at most ``max_in_flight`` at once
(more are refused at once with 429, never queued without end), each answered within ``timeout_s``
or refused with 503. The worker computes through the same command definition as the command line.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from costcurve.errors import CostcurveError, InputError

DEFAULT_PROCESSES = max(1, min(2, (os.cpu_count() or 1) - 1))  #: worker processes (one core left for requests)
DEFAULT_TIMEOUT_S = 120.0  #: longest a heavy request may take [s]


class Busy(CostcurveError):
    """Every worker slot is taken (HTTP 429) or the search ran past its time limit (HTTP 503)."""

    def __init__(self, message: str, status: int):
        super().__init__(message, field=None)
        self.status = status


def _compute(kind_name: str, values: dict):
    """Run in a worker process: the kind's Run, or (message, field) of the user's error."""
    from costcurve.report.registry import run_kind

    try:
        return run_kind(kind_name, values)
    except CostcurveError as e:
        return ("error", str(e), e.field)


def _warm() -> bool:
    import costcurve.training.planner  # noqa: F401  (the heavy kinds' imports, paid once per process)
    import costcurve.serving.deploy  # noqa: F401

    return True


class Workers:
    """Heavy kinds in a process pool with a bound on requests in flight and a time limit per request."""

    def __init__(self, processes: int = DEFAULT_PROCESSES, *, max_in_flight: int | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        self.processes = processes
        self.timeout_s = timeout_s
        self.max_in_flight = max_in_flight or max(1, 2 * processes)
        self._slots = threading.BoundedSemaphore(self.max_in_flight)
        self._pool = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                import multiprocessing

                # spawn, not fork: the server has threads, and a forked child would inherit their locks
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def warm(self) -> None:
        """Start the processes and import the heavy modules in them (call at server start)."""
        if self.processes:
            for f in [self._executor().submit(_warm) for _ in range(self.processes)]:
                f.result()

    def run(self, kind_name: str, values: dict):
        """The kind's Run, computed in a worker process (inline when ``processes`` is 0)."""
        if not self._slots.acquire(blocking=False):
            raise Busy(f"{self.max_in_flight} searches are running; try again in a moment", 429)
        if not self.processes:
            try:
                out = _compute(kind_name, values)
            finally:
                self._slots.release()
        else:
            try:
                future = self._executor().submit(_compute, kind_name, values)
            except BaseException:
                self._slots.release()
                raise
            future.add_done_callback(lambda _: self._slots.release())  # the slot is free when the work is
            try:
                out = future.result(timeout=self.timeout_s)
            except FutureTimeout:
                future.cancel()
                raise Busy(f"the search ran past this server's limit of {self.timeout_s:g} s; narrow it "
                           "(fewer candidates) or use the command line", 503) from None
        if isinstance(out, tuple) and out and out[0] == "error":
            raise InputError(out[1], field=out[2])
        return out

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
