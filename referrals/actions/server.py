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
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_argument_parser, run
from rasa_sdk.executor import ActionExecutor

log = logging.getLogger(__name__)

# Sanic keeps its workers' states in a multiprocessing manager process. A stop signal sent to the
# whole process group (the supervisor does so) ends that process too, and a primary process still
# waiting for its workers to start then loses its pipe to it. The workers got the same signal and
# stop by themselves, so that ends the server quietly instead of with a traceback.
_MANAGER_GONE = (BrokenPipeError, ConnectionError, EOFError)


class _QuietStopWhileStarting(logging.Filter):
    """Drops Sanic's "Experienced exception while trying to serve" for the case above."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not isinstance(sys.exc_info()[1], _MANAGER_GONE)


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
    except _MANAGER_GONE:
        log.info("stopped while its workers were starting")
