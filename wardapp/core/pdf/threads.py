"""Running pyHanko's synchronous API from any thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def outside_event_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """pyHanko's synchronous API calls asyncio.run(), which fails in a thread whose event loop is
    running (an async server, or Playwright's sync API in tests): run it in a worker thread then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()
