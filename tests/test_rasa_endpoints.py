"""Rasa's endpoints as the run command starts it: the RedisLockStore when REDIS_URL is set,
checked with Rasa's own loader against the real Redis server (skipped where there is none)."""

from __future__ import annotations

import socket
import subprocess

import pytest
import yaml

from assistant.conversations import ENDPOINTS, rasa_endpoints
from assistant.model import RASA_BIN, rasa_environment
from assistant.settings import Settings

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def test_without_redis_rasa_gets_the_endpoints_file_as_it_is() -> None:
    path, environment = rasa_endpoints(Settings(database_url="sqlite:////tmp/x/wegweiser.sqlite3"))
    assert path == ENDPOINTS
    assert "lock_store" not in yaml.safe_load(path.read_text())
    assert environment == {"RASA_TRACKER_STORE_URL": "sqlite:////tmp/x/conversations.sqlite3"}


def test_redis_url_adds_a_redis_lock_store_without_writing_the_password() -> None:
    settings = Settings(redis_url="redis://:s3cret-pw@redis.internal:6380/2")
    path, environment = rasa_endpoints(settings)
    written = path.read_text()
    assert "s3cret-pw" not in written
    endpoints = yaml.safe_load(written)
    assert endpoints["lock_store"] == {
        "type": "redis",
        "url": "redis.internal",
        "port": 6380,
        "db": 2,
        "key_prefix": "wegweiser",
        "use_ssl": False,
        "password": "${RASA_LOCK_STORE_PASSWORD}",
    }
    assert endpoints["tracker_store"] == yaml.safe_load(ENDPOINTS.read_text())["tracker_store"]
    assert environment["RASA_LOCK_STORE_PASSWORD"] == "s3cret-pw"


def test_rasa_loads_the_lock_store_and_locks_a_conversation_in_redis() -> None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as error:
        print(f"\nRedis test skipped: no server at {REDIS_HOST}:{REDIS_PORT}: {error}")
        pytest.skip(f"Redis not available: {error}")
    path, environment = rasa_endpoints(Settings(redis_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/3"))
    script = (
        "import asyncio, sys\n"
        "from rasa.core.lock_store import LockStore\n"
        "from rasa.utils.endpoints import read_endpoint_config\n"
        "store = LockStore.create(read_endpoint_config(sys.argv[1], 'lock_store'))\n"
        "async def main():\n"
        "    async with store.lock('inbox-test'):\n"
        "        print(type(store).__name__, store.red.exists(store.key_prefix + 'inbox-test'))\n"
        "asyncio.run(main())\n"
    )
    python = RASA_BIN.with_name("python")
    result = subprocess.run(
        [str(python), "-c", script, str(path)],
        env={**rasa_environment(), **environment, "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.stdout.split()[-2:] == ["RedisLockStore", "1"], result.stderr[-2000:]
