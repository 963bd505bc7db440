"""The Alembic migrations create exactly the model's schema, and can be undone."""

from alembic import command
from sqlalchemy import inspect

from referrals.db import alembic_config, make_engine


def test_migrations_match_the_model_and_downgrade_cleanly(database_url) -> None:
    config = alembic_config(database_url)
    command.check(config)  # raises when the models and the migrations disagree
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "heads")
    assert {"service", "organization", "schedule", "metadata"} <= set(inspect(engine).get_table_names())
    engine.dispose()
