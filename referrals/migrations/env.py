"""Alembic environment: runs migrations against the URL set by referrals.db.alembic_config."""

from alembic import context

from bot import inbox as _inbox  # noqa: F401 - the Telegram adapter's inbox table
from referrals.admin import models as _admin_models  # noqa: F401 - the admin's tables
from referrals.db import make_engine
from referrals.directory import problem_reports as _problem_reports  # noqa: F401 - the bot's reports
from referrals.directory.models import Base
from referrals.handover import models as _handover_models  # noqa: F401 - handover threads
from referrals.statistics import models as _statistics_models  # noqa: F401 - statistics tables

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # referrals.db.alembic_config always sets it
        raise RuntimeError("the Alembic configuration names no database (sqlalchemy.url)")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
