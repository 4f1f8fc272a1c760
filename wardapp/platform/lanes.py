"""The heavy lane: work that keeps a CPU busy for a while (a photo's upload and decode, the PDFs of
a ZIP, a dossier log's import) runs at most ``slots`` at a time on the machine, across every worker
process and thread of the server, so that the other CPUs stay free for the pages staff type in.
The rest of the heavy work waits its turn; a live check, a form or a save never enters the lane.

Why a lane and not only threads: with threads, a slow download no longer blocks anyone, but a
reviewer pulling ZIPs and someone uploading camera photos can still take both CPUs of a small
commune machine, and every live check then shares a CPU with them (measured with bench/load.py:
the typists' p95 went from 53 ms to 30 ms with the lane, more uploads were served, and ZIPs
queued behind them; docs/PERFORMANCE-LOG.md, "A lane for heavy work").

The slots are lock files in the instance folder held with flock(2). A lock taken through its own
open file description excludes every other one, in this process or another, and the kernel drops
it when the holder's descriptor closes, so a worker killed (kill -9 included) never keeps a slot.

A heavy view is marked with :func:`heavy`: its request body is read off the network first (a phone
sending 10 MB slowly does not keep the lane), then the rest of the request, form parsing and CSRF
check included, runs in the lane. A streamed answer makes each piece in the lane and sends it
outside (:meth:`HeavyLane.pieces`), so a slow reader does not keep the lane either.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, request

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable)
_END = object()
QUEUE_POLL_SECONDS = 0.005  # heavy work takes 50–500 ms: a few ms more wait is nothing


def default_slots() -> int:
    """One CPU kept for the pages staff type in; at least one slot, so heavy work still runs."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 2
    return max(1, cpus - 1)


class HeavyLane:
    """``slots`` lock files under ``directory``; ``hold()`` takes one, waiting if all are taken."""

    def __init__(self, directory: Path, slots: int):
        if slots < 1:
            raise ValueError("a lane needs at least one slot")
        self.slots = [directory / f"heavy-{i}.lock" for i in range(slots)]
        try:  # made at start, not in a request; readable by all, as a lock needs no more
            directory.mkdir(parents=True, exist_ok=True)
            for path in [*self.slots, self._queue_path()]:
                path.touch(mode=0o644, exist_ok=True)
        except OSError as error:  # e.g. made by another user (a root shell's `flask` command)
            log.warning("heavy lane: cannot prepare %s (%s); each slot is opened when used", directory, error)
        self._held = threading.local()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """The lane for the block. A thread already in the lane stays in it (no second slot, no
        wait on itself)."""
        if getattr(self._held, "fd", None) is not None:
            yield
            return
        self._held.fd = self._take()
        try:
            yield
        finally:
            fd, self._held.fd = self._held.fd, None
            os.close(fd)  # closing the descriptor releases its lock

    def pieces(self, source: Iterator[bytes]) -> Iterator[bytes]:
        """A streamed answer: each piece made in the lane, handed on outside it."""
        while True:
            with self.hold():
                piece = next(source, _END)
            if piece is _END:
                return
            yield piece  # type: ignore[misc]

    def taken(self) -> bool:
        """Whether every slot is held now (by any thread or process, this one included)."""
        fd = self._try_any()
        if fd is None:
            return True
        os.close(fd)
        return False

    def _take(self) -> int:
        fd = self._try_any()
        if fd is not None:
            return fd
        if len(self.slots) == 1:  # the usual case (2 CPUs): the kernel wakes us when it is free
            return self._wait_on(self.slots[0])
        # Several slots: flock cannot wait on any of them, so one waiter at a time (the others
        # wait on the queue's lock, in the kernel) looks for a free slot every few milliseconds.
        queue = self._wait_on(self._queue_path())
        try:
            while (fd := self._try_any()) is None:
                time.sleep(QUEUE_POLL_SECONDS)
            return fd
        finally:
            os.close(queue)

    def _wait_on(self, path: Path) -> int:
        fd = self._open(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _try_any(self) -> int | None:
        for path in self.slots:
            fd = self._open(path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    def _queue_path(self) -> Path:
        return self.slots[0].with_name("queue.lock")

    @staticmethod
    def _open(path: Path) -> int:
        # Read-only: flock(2) needs no more, and a file another user made stays usable.
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)


def heavy(view: View) -> View:
    """Marks a view whose requests with a body (POST and the like; a GET of the same view is a
    page) run in the heavy lane, the body read before, outside it."""
    view.heavy_lane = True  # type: ignore[attr-defined]
    return view


def body_limit(limit: int) -> Callable[[View], View]:
    """Marks a heavy view whose requests may carry up to ``limit`` bytes (instead of the app's
    ``MAX_CONTENT_LENGTH``): a dossier log is larger than a photo."""

    def mark(view: View) -> View:
        view.max_body_bytes = limit  # type: ignore[attr-defined]
        return view

    return mark


def refuse_a_cut_body() -> None:
    """A body sent without Content-Length (chunked) is read up to the limit and no further, and
    Werkzeug's read-it-all stops there silently: the form parsed later is cut off, its CSRF token
    lost, and the answer was "session expired". One more read past the limit raises the 413 it is."""
    if request.content_length is None and request.max_content_length is not None:
        request.stream.read(1)


def init_app(app: Flask, slots: int = 0) -> HeavyLane:
    """The app's lane (``slots`` 0: one fewer than the CPUs). Call it before CSRFProtect's
    ``init_app``: before-request functions run in the order they were registered, and the CSRF
    check parses the form, which is part of the heavy work."""
    lane = HeavyLane(Path(app.instance_path) / "lanes", slots or default_slots())
    app.extensions["wardapp.lane"] = lane

    @app.before_request
    def _enter_for_a_heavy_view():
        view = app.view_functions.get(request.endpoint or "")
        if request.method in ("GET", "HEAD", "OPTIONS") or not getattr(view, "heavy_lane", False):
            return
        limit = getattr(view, "max_body_bytes", None)
        if limit is not None:
            request.max_content_length = limit
        request.get_data(cache=True, parse_form_data=False)  # off the network first; parsed later
        refuse_a_cut_body()
        stack = ExitStack()
        stack.enter_context(lane.hold())
        g.heavy_lane = stack

    @app.teardown_request
    def _leave(_error):
        stack = g.pop("heavy_lane", None)
        if stack is not None:
            stack.close()

    return lane


def of(app: Flask | None = None) -> HeavyLane:
    """The lane of ``app`` (the current app by default)."""
    return (app or current_app).extensions["wardapp.lane"]
