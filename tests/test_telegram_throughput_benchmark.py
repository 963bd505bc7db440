"""The pure parts of benchmarks/telegram_throughput.py: its combinations, their labels, the URLs
it hands the assistant and how it spreads users over the Rasa instances."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from assistant.conversations import rasa_tracker_store_url
from assistant.settings import Settings

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "telegram_throughput.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("telegram_throughput_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_one_run_per_combination_labelled(bench):
    runs = bench.combinations("1,2", "1,2", "sqlite, PostgreSQL")
    assert len(runs) == 8
    assert runs[0] == bench.Combination(1, 1, "sqlite")  # the default comes first
    assert [run.label for run in runs[:2]] == [
        "1 action worker, 1 Rasa, sqlite",
        "1 action worker, 1 Rasa, postgresql",
    ]
    assert runs[-1].label == "2 action workers, 2 Rasa, postgresql"
    assert bench.combinations("1", "1", "sqlite") == [bench.Combination(1)]
    for wrong in (("1", "1", "mysql"), ("1", "0", "sqlite"), ("1", "", "sqlite")):
        with pytest.raises(ValueError):
            bench.combinations(*wrong)


def test_the_postgresql_tracker_store_url_reaches_both_sides(bench):
    admin, tracker = bench.postgres_urls("postgresql://postgres@127.0.0.1:5432/postgres", "wegweiser_bench_1")
    assert admin == "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    assert tracker == "postgresql+psycopg://postgres@127.0.0.1:5432/wegweiser_bench_1"
    # The application opens it with psycopg 3; the run command hands Rasa (psycopg2) the same database.
    rasa = rasa_tracker_store_url(Settings(tracker_store_url=tracker))
    assert make_url(rasa).drivername == "postgresql"
    assert make_url(rasa).database == "wegweiser_bench_1"
    _, with_password = bench.postgres_urls("postgresql+psycopg2://u:s%40cret@db/x", "y")
    assert make_url(with_password).password == "s@cret"


def test_redis_is_emptied_with_plain_resp_commands(bench):
    address, commands = bench.redis_commands("redis://127.0.0.1:6379/14")
    assert address == ("127.0.0.1", 6379)
    assert commands == [b"*2\r\n$6\r\nSELECT\r\n$2\r\n14\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"]
    address, commands = bench.redis_commands("redis://:pw@redis.local/0")
    assert address == ("redis.local", 6379)
    assert commands[0] == b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
    with pytest.raises(ValueError):
        bench.redis_commands("http://127.0.0.1:6379/1")


def test_straight_to_rasa_keeps_each_user_on_one_instance_and_uses_all(bench):
    urls = ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
    assert {bench.rasa_url_of(user, urls) for user in range(1, 41)} == set(urls)
    assert bench.rasa_url_of(7, urls) == bench.rasa_url_of(7, urls) == urls[1]
    assert bench.rasa_url_of(7, urls[:1]) == urls[0]


def test_each_rasa_instance_is_its_own_component(bench):
    tree = bench.ProcessTree(1, [5005, 5006])
    rasa = ["/x/.venv-rasa/bin/python", "/x/.venv-rasa/bin/rasa", "run", "--model", "m", "-p"]
    assert tree._rasa_name([*rasa, "5005"]) == "rasa"
    assert tree._rasa_name([*rasa, "5006"]) == "rasa-2"
    assert bench.ProcessTree(1)._rasa_name([*rasa, "5005"]) == "rasa"


def test_restarts_and_refused_turns_are_counted_from_the_output(bench):
    assert bench.Combination(2, 2, "postgresql").slug == "2-actions-2-rasa-postgresql"
    supervisor = "2026-12-07 19:30:07,577 WARNING assistant: restarting rasa-2 in 1 s\n"
    refused = (
        "[rasa] 2026-12-07 19:31:59 ERROR    rasa_channels.strict_rest  - tracker store failed "
        "(OperationalError: database is locked); the turn is not stored and will be sent again\n"
    )
    assert bench.incident(supervisor) == "rasa-2 restarted"
    assert bench.incident(refused) == "rasa refused a turn"
    assert (
        bench.incident("2026-12-07 19:32:00,309 INFO assistant: rasa ready on http://x (129.5 s)\n") is None
    )
