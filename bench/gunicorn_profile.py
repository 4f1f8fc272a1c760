"""gunicorn settings for ``bench/intake.py --profile``: each worker, once booted (the app loaded),
runs under cProfile counting CPU time (not wall time: a busy machine does not skew it), and writes
its statistics at exit to ``$WARDAPP_BENCH_PROFILE_DIR/worker-<pid>.prof`` (read by the benchmark)."""

from __future__ import annotations

import cProfile
import os
import time

_profiles: dict[int, cProfile.Profile] = {}


def post_worker_init(worker) -> None:
    profile = cProfile.Profile(time.process_time)
    _profiles[os.getpid()] = profile
    profile.enable()


def worker_exit(server, worker) -> None:
    profile = _profiles.pop(os.getpid(), None)
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(os.environ["WARDAPP_BENCH_PROFILE_DIR"], f"worker-{os.getpid()}.prof"))
