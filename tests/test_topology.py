"""What the run command starts for RASA_INSTANCES and ADAPTER_WORKERS, and what it refuses."""

from __future__ import annotations

from pydantic import SecretStr

from assistant import preflight, topology
from assistant.__main__ import components
from assistant.settings import Settings

POSTGRES = "postgresql+psycopg://wegweiser@127.0.0.1/wegweiser"


def _settings(**values: object) -> Settings:
    base: dict[str, object] = {"telegram_bot_token": SecretStr("123456:TEST-token"), "rasa_port": 5105}
    return Settings(**(base | values))


def test_two_rasa_instances_and_two_adapter_workers_on_postgresql() -> None:
    settings = _settings(
        database_url=POSTGRES,
        redis_url=SecretStr("redis://127.0.0.1:6379/1"),
        rasa_instances=2,
        adapter_workers=2,
    )
    parts = {part.name: part for part in components(settings, "model.tar.gz")[0]}
    assert parts["rasa"].where == "http://127.0.0.1:5105"
    assert parts["rasa-2"].where == "http://127.0.0.1:5106"
    assert "5106" in parts["rasa-2"].argv
    for adapter in (parts["telegram-adapter"], parts["telegram-adapter-2"]):
        assert adapter.env["RASA_URL"] == "http://127.0.0.1:5105,http://127.0.0.1:5106"
        assert adapter.env["ADAPTER_WORKERS"] == "2"
        assert "ADAPTER_INTAKE" not in adapter.env  # each may receive: one at a time, the other stands by
    assert ("RASA_PORT (+1, RASA_INSTANCES)", 5106) in [
        (u.setting, u.port) for u in preflight.ports_used(settings)
    ]


def test_further_rasa_instances_start_after_the_first_and_the_adapter_waits_for_the_first_only() -> None:
    # Started together on an empty PostgreSQL database, two instances both created Rasa's table.
    settings = _settings(
        database_url=POSTGRES, redis_url=SecretStr("redis://127.0.0.1:6379/1"), rasa_instances=3
    )
    parts = {part.name: part for part in components(settings, "model.tar.gz")[0]}
    assert parts["rasa"].after == ()
    assert parts["rasa-2"].after == ("rasa",)
    assert parts["rasa-3"].after == ("rasa",)  # the table exists then: no need to wait for rasa-2
    assert set(parts["telegram-adapter"].after) == {"rasa", "actions"}
    assert parts["telegram-adapter"].env["RASA_URL"].count(",") == 2  # it still knows all three


def test_several_adapter_workers_on_sqlite_run_as_one_and_say_so() -> None:
    settings = _settings(database_url="sqlite:////tmp/x.sqlite3", adapter_workers=3)
    names = [part.name for part in components(settings, "model.tar.gz")[0]]
    assert names.count("telegram-adapter") == 1 and "telegram-adapter-2" not in names
    assert topology.notices(settings) == [
        "ADAPTER_WORKERS=3 asked, one adapter worker started: the inbox is on SQLite, which several "
        "workers cannot share; set DATABASE_URL to PostgreSQL for more."
    ]


def test_several_rasa_instances_without_redis_are_refused_with_the_setting_to_add() -> None:
    problems = topology.problems(_settings(rasa_instances=2))
    assert len(problems) == 1 and "RASA_INSTANCES=2 needs REDIS_URL" in problems[0]
    assert topology.problems(_settings(rasa_instances=2, redis_url=SecretStr("redis://h:6379/1"))) == []
