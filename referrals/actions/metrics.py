"""Live figures of the action server for operators, in Prometheus' text format (prometheus-client).

Served on 127.0.0.1:ACTIONS_METRICS_PORT when that is set (off by default). rasa-sdk runs the
actions in Sanic worker processes (ACTION_WORKERS of them) beside a primary process that only
supervises them, so the figures use prometheus-client's multiprocess mode: each worker writes
its values to files in one directory, and the primary serves their sum. Labels carry only an
action's name, never a conversation, a user or a text.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any, TypeVar

from assistant.settings import get_settings

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_port = get_settings().actions_metrics_port
_primary = not os.environ.get("SANIC_WORKER_NAME")
if _port is not None and _primary and MULTIPROCESS_DIR not in os.environ:
    # Before prometheus_client is imported (it picks its value store at import), and before
    # the workers are started: they inherit the primary's environment.
    os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="wegweiser-actions-metrics-")

from prometheus_client import (  # noqa: E402 - after the multiprocess directory is chosen
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)

ACTION_SECONDS = Histogram(
    "wegweiser_actions_seconds",
    "Time one custom action took, by action",
    ["action"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
ACTION_ERRORS = Counter("wegweiser_actions_errors", "Custom actions that raised, by action", ["action"])

A = TypeVar("A", bound=type)


def measured(action_class: A) -> A:
    """Count and time every run of this action class (sync or async `run`)."""
    cls: Any = action_class
    run = cls.run
    if getattr(run, "measured", False):
        return action_class  # inherited from a measured class: already counted under self.name()

    def observe(self: Any, started: float, failed: bool) -> None:
        ACTION_SECONDS.labels(self.name()).observe(time.perf_counter() - started)
        if failed:
            ACTION_ERRORS.labels(self.name()).inc()

    wrapper: Callable[..., Any]
    if asyncio.iscoroutinefunction(run):

        @functools.wraps(run)
        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started, failed = time.perf_counter(), True
            try:
                result = await run(self, *args, **kwargs)
                failed = False
                return result
            finally:
                observe(self, started, failed)

    else:

        @functools.wraps(run)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started, failed = time.perf_counter(), True
            try:
                result = run(self, *args, **kwargs)
                failed = False
                return result
            finally:
                observe(self, started, failed)

    wrapper.measured = True  # type: ignore[attr-defined]
    cls.run = wrapper
    return action_class


def serve() -> None:
    """In rasa-sdk's primary process: serve the workers' figures on 127.0.0.1:ACTIONS_METRICS_PORT."""
    if _port is None or not _primary:
        return
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(_port, addr="127.0.0.1", registry=registry)
