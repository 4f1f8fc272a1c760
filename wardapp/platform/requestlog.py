"""One log line per request, with its request id (core/logs), for either app."""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from flask_login import current_user

from wardapp.core import logs


def init_app(app: Flask, logger_name: str) -> None:
    """``wardapp.request`` for the commune app, ``wardapp.city.request`` for the city intake."""
    log = logging.getLogger(logger_name)
    logs.install()

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        g.request_id = logs.accept_id(request.headers.get("X-Request-ID"))
        g.request_id_token = logs.set_id(g.request_id)

    @app.after_request
    def _line(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        user = current_user.username if current_user and current_user.is_authenticated else None
        millis = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        log.log(
            level,
            logs.request_line(request.method, request.path, response.status_code, millis, request.remote_addr, user),
        )
        return response

    @app.teardown_request
    def _forget(_error):
        # Flask logs an unhandled error's traceback (the cause of a 500) before this, under the
        # same request id: the handler installed by logs.install shows it.
        token = g.pop("request_id_token", None)
        if token is not None:
            logs.reset_id(token)
