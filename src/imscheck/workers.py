"""Work done in forked child processes, for speed only.

A child starts as a copy of this process (fork), so it shares what was
already built (facts, compiled rules) without copying or sending it, runs one
function and sends back its result. Whatever goes wrong in a child (an
exception, being killed, running out of memory) makes its result ``FAILED``,
and the caller then does that work itself: using workers never changes what a
run finds. Only on Linux, where fork is the system's own way to start a
process; elsewhere there is one core to use. Nor in a process that runs other
threads: a forked child gets only the forking thread, and a lock another
thread held stays locked in it forever.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from typing import Any, Callable

FAILED = object()


def cores() -> int:
    """How many processes are worth running at once: the cores this process may use, or 1 without fork."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        return os.cpu_count() or 1


class Worker:
    """``function(*args)`` in a forked child; :meth:`result` waits for it."""

    def __init__(self, function: Callable[..., Any], *args: Any):
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._child: Any = context.Process(target=_run, args=(function, args, sender), daemon=True)
        try:
            self._child.start()
        except Exception:  # noqa: BLE001 - no process to be had (limits, memory): the caller does the work
            self._child = None
        sender.close()

    def result(self) -> Any:
        if self._child is None:
            self._receiver.close()
            return FAILED
        try:
            found = self._receiver.recv()
        except Exception:  # noqa: BLE001 - end of file, a broken pipe, a result that does not unpickle
            found = FAILED
        self._receiver.close()
        self._child.join()
        if self._child.exitcode != 0 or not isinstance(found, tuple) or len(found) != 1:
            return FAILED
        return found[0]


def _run(function: Callable[..., Any], args: tuple[Any, ...], sender: Any) -> None:
    try:
        try:
            result = (function(*args),)
        except BaseException:  # noqa: BLE001 - the caller does this work again and meets the error itself
            result = None
        sender.send(result)
    finally:
        sender.close()
        os._exit(0)  # nothing of the parent's (atexit handlers, buffered output) runs twice
