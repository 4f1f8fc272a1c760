"""How gunicorn serves wardapp (``make run``, the README's deployment): read by gunicorn from the
working directory, or with ``-c gunicorn.conf.py``. Command-line options override it.

Threads, not sync workers: a reviewer pulling a 92-day ZIP or a photo being uploaded keeps one
thread busy, while the other threads go on answering the pages staff are typing in (measured in
docs/PERFORMANCE.md: with two sync workers one such download made every live check wait seconds,
and a long ZIP was killed by the 30 s timeout). The app is thread-safe: a SQLAlchemy session per
request, SQLite connections from the engine's pool, caches that only ever hold the same value, and
pyHanko's event loop made per call (``wardapp/core/pdf/signature.py``).
"""

import gc
import os

bind = os.environ.get("WARDAPP_BIND", "127.0.0.1:5000")
# Several processes rather than a few threads in one: the operating system, not Python's GIL,
# shares the 2 CPUs between a live check and a photo being decoded or a ZIP being written (a
# thread waiting for the GIL behind a busy one waits up to 5 ms each time it gets it back).
# Heavy requests also wait their turn in the app's heavy lane (wardapp/platform/lanes.py, one
# fewer than the CPUs at once across all workers), and a request waiting there keeps its thread:
# four threads per worker, so that a worker holding both an upload and a ZIP still has threads for
# the pages staff type in (with two, such a worker made its typists wait: live-check p95 160 ms in
# one run of three). Measured with bench/load.py on 2 CPUs (docs/PERFORMANCE-LOG.md, "A lane for
# heavy work"): the day's live-check p95 31–32 ms, 2.25–2.56× one typist's; about 175 MB per worker.
workers = int(os.environ.get("WARDAPP_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WARDAPP_THREADS", "4"))
# A ZIP of 92 days whose PDFs must still be built (signed before PDFs were kept) takes longer than
# gunicorn's default 30 s on a busy machine; with threads the worker's heartbeat does not wait
# for it, but the limit still bounds a request that hangs.
timeout = 120
graceful_timeout = 30
keepalive = 5
# gunicorn 27's control socket lives at one path per user (~/.gunicorn/gunicorn.ctl): two servers
# on one machine (the commune app and the city intake, or tests) would fight over it; not needed.
control_socket_disable = True


def post_worker_init(worker):
    """The worker's start-up heap (the imports and the app, some 200,000 objects that live as long
    as the worker) is moved out of the cyclic garbage collector's sight. Each full collection
    walked all of it, 85–100 ms on this machine, about once every twenty signed PDFs; garbage made
    afterwards is collected as before (docs/PERFORMANCE-LOG.md, "Nearer the floor")."""
    gc.freeze()
