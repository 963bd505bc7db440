"""Serve the admin: `python -m referrals.admin [--host H] [--port P]` (the run command starts it)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from assistant.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m referrals.admin", description=__doc__)
    parser.add_argument("--host", default=settings.admin_host)
    parser.add_argument("--port", type=int, default=settings.admin_port)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=settings.log_level, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic, imported with the app, logs one INFO line per built-in plugin; its warnings still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    uvicorn.run(
        "referrals.admin.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,  # behind a TLS reverse proxy: the client's address and https scheme
        access_log=False,  # access lines would hold client addresses; errors are still logged
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
