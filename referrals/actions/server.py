"""The action server: rasa-sdk's own server (Sanic, ACTION_WORKERS worker processes), with one
change so that Rasa 3.6's selective domain works.

Rasa sends its whole domain (1.1 MB of JSON here: every response in 8 languages) with every
custom-action call unless `enable_selective_domain` is set (endpoints.yml); then only actions
marked `send_domain` and the `validate_*` actions get it. rasa-sdk 3.21 expects the calls
without a domain to carry a digest of the domain it was sent before (Rasa Pro does that),
and answers 449 to those that carry neither; Rasa 3.6 sends no digest. Our actions read no
domain (tests/test_selective_domain.py), so a call without one gets an empty one.

The primary process only starts and watches the workers: the actions (spaCy, the gazetteer,
the database; 7 s of CPU and 150 MB) are imported and warmed up in each worker alone, when
the executor arrives there (`__reduce__`), not twice.
"""

from __future__ import annotations

import logging
import sys
from types import FrameType
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_argument_parser, run
from rasa_sdk.executor import ActionExecutor
from sanic.worker.manager import WorkerManager

log = logging.getLogger(__name__)

# A stop (SIGTERM, or SIGINT: Ctrl-C) while the server starts or stops ends it quietly. The
# supervisor signals the whole process group, and two races followed:
# - Sanic keeps its workers' states in a multiprocessing manager process, which the same signal
#   ends: a primary still waiting for its workers lost its pipe to it (BrokenPipeError, EOFError).
# - Sanic's stop handler itself asks that manager for each worker's state. When the signal comes
#   while the primary is in the middle of another call to the manager (storing a starting worker's
#   state, or reading all of them while it waits for the workers), the handler's call shares the
#   connection and gets the interrupted call's answer: "TypeError: 'NoneType' object is not a
#   mapping" (or 'list'), and every later call gets the previous one's answer.
# The workers got the same signal and stop by themselves (the primary's atexit ends any that did
# not), so once a stop signal arrived, any exception out of Sanic is that stop, logged in one line.
# Without a stop signal every error stays loud.
_stop_signals: list[int] = []


def _record_stop_signals() -> None:
    """Wraps Sanic's stop handler, which its worker manager installs for SIGINT and SIGTERM, so
    that the signal is noted before the handler runs (and possibly fails)."""
    sanic_handler = WorkerManager.shutdown_signal

    def shutdown_signal(manager: WorkerManager, signum: int, frame: FrameType | None) -> None:
        _stop_signals.append(signum)
        sanic_handler(manager, signum, frame)

    WorkerManager.shutdown_signal = shutdown_signal  # type: ignore[method-assign]


class _QuietStopWhileStarting(logging.Filter):
    """Drops Sanic's "Experienced exception while trying to serve" after a stop signal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_stop_signals and sys.exc_info()[1] is not None)


class SelectiveDomainExecutor(ActionExecutor):
    """rasa-sdk's executor; a call without domain and digest runs with an empty domain."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # Sanic pickles the executor to each worker process: the worker builds its own.
        return worker_executor, ()

    def update_and_return_domain(self, payload: dict[str, Any], action_name: str) -> dict[str, Any] | None:
        if payload.get("domain") is None and not payload.get("domain_digest"):
            return {}
        return super().update_and_return_domain(payload, action_name)


def worker_executor() -> SelectiveDomainExecutor:
    """The executor with every action registered and the gazetteer warming up (in a worker)."""
    # Imported in the worker only: it brings spaCy, the gazetteer and the database (module docstring).
    from referrals.actions.directory import warm_up

    executor = SelectiveDomainExecutor()
    executor.register_package("referrals.actions")
    warm_up()
    return executor


def main(argv: list[str] | None = None) -> None:
    """`python -m referrals.actions [-p PORT]`: rasa-sdk's arguments, rasa-sdk's server."""
    args = create_argument_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    logging.getLogger("sanic.error").addFilter(_QuietStopWhileStarting())
    _record_stop_signals()
    executor = SelectiveDomainExecutor()  # the actions are registered in the workers
    try:
        run(
            executor,
            args.port,
            args.cors,
            args.ssl_certificate,
            args.ssl_keyfile,
            args.ssl_password,
            args.auto_reload,
            args.endpoints,
        )
    except Exception as error:
        if not _stop_signals:
            raise
        log.info(
            "stopped (signal %d) while starting or stopping: %s: %s",
            _stop_signals[0],
            type(error).__name__,
            error,
        )
