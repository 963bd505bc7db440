"""Shared fixtures: throw-away directories on SQLite and on a real PostgreSQL server.

PostgreSQL: TEST_POSTGRES_URL if set, else the local server on 127.0.0.1:5432 (user
postgres, trust auth), started with pg_ctlcluster if it is installed but stopped.
Where no server can be had, the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from referrals.admin import auth
from referrals.db import make_engine, upgrade_database
from referrals.directory.hsds_read import import_file
from tests.e2e import local_bot_api, start_assistant
from tests.rasa_script import RasaScripts
from tests.support import LoggedProcess

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = PROJECT_ROOT / "data" / "demo_directory.json"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_configure(config: pytest.Config) -> None:
    """SIGINT back to Python's handler when the run inherited it ignored. A non-interactive shell
    starts a background job (`scripts/test_any_day.sh > log &` in a script) with SIGINT ignored
    (POSIX), and pytest, its workers and every process the tests start inherit that. Python then
    neither raises KeyboardInterrupt nor lets asyncio.run install its handler: tests.fake_rasa,
    stopped with SIGINT as Ctrl-C would stop it, ran on until LoggedProcess.stop gave up after
    30 s and the test failed (seen once under scripts/test_any_day.sh at the DST moment; it
    fails every time that way, on any clock). A process started from here gets SIGINT's default
    action again, as in a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _postgres_available() -> str | None:
    """None if a server answers (starting the installed one if needed), else the reason."""

    def ping() -> str | None:
        try:
            with create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3}).connect():
                return None
        except Exception as error:  # noqa: BLE001 - any failure means "not available"
            return f"{type(error).__name__}: {str(error).splitlines()[0]}"

    reason = ping()
    if reason and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        for version in os.listdir("/etc/postgresql"):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                capture_output=True,
                check=False,
                timeout=60,
            )
        reason = ping()
    return reason


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its smallest cost in tests: at the production cost (64 MiB, 3 passes) every
    login and every created user took 0.5-2 s of CPU on 2 cores. The code paths, the hash format
    ($argon2id$) and the equal cost of an unknown e-mail and a wrong password stay as they are."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", cheap)
        patch.setattr(auth, "_DUMMY_HASH", cheap.hash(uuid.uuid4().hex))
        yield


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    reason = _postgres_available()
    if reason:
        print(f"\nPostgreSQL tests skipped: no server at {make_url(POSTGRES_ADMIN_URL).host}: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")
    return POSTGRES_ADMIN_URL


def _new_database_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'directory.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"wegweiser_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class DatabaseTemplates:
    """Databases built once per test session (migrated, maybe filled) and copied for every test.

    A rollback per test cannot isolate these tests: the code under test (the admin app, the
    recorder, the importer) opens its own engine from the URL and commits. A copy gives each test
    the same fresh database as building it would, for a fraction of the cost (migrations, the demo
    import and the argon2 hashes of the admin users ran once per test before): SQLite copies the
    file with the backup API, PostgreSQL clones a template database (CREATE DATABASE ... TEMPLATE).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[tuple[str, str], str] = {}
        self.finalizers: list[Iterator[str]] = []
        self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
        self.dropping: list[Future[None]] = []
        self._admin: Engine | None = None

    def admin(self, request: pytest.FixtureRequest) -> Engine:
        """One engine on the server's maintenance database for the whole session. An engine per
        clone kept its pooled connection open until the clone's drop had run; with the drops behind
        the tests on a busy disk, those idle connections exhausted max_connections (100)."""
        if self._admin is None:
            self._admin = create_engine(
                request.getfixturevalue("postgres_admin_url"), isolation_level="AUTOCOMMIT"
            )
        return self._admin

    def copy(self, request: pytest.FixtureRequest, name: str, build: Callable[[str], None]) -> Iterator[str]:
        """A fresh copy of template `name` (built by `build(url)` on a migrated database) on the
        backend request.param ("sqlite" or "postgresql")."""
        kind = request.param
        template = self._template(request, name, build)
        if kind == "sqlite":
            target = self.folder / f"{name}-{uuid.uuid4().hex[:12]}.sqlite3"
            with closing(sqlite3.connect(template.removeprefix("sqlite:///"))) as source:
                with closing(sqlite3.connect(target)) as copy:
                    source.backup(copy)
            yield f"sqlite:///{target}"
            target.unlink(missing_ok=True)
            return
        admin = self.admin(request)
        clone = f"wegweiser_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{clone}" TEMPLATE "{make_url(template).database}"'))
        yield str(admin.url.set(database=clone).render_as_string(hide_password=False))
        # The code under test keeps pooled connections to the clone after the test. Ended now (it
        # takes milliseconds): on a busy machine the drops below fall behind the tests, and the
        # connections of clones waiting to be dropped once exhausted max_connections (100).
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": clone},
            )
        # Dropped beside the next tests (a DROP DATABASE waits for the disk: up to 1.5 s here).
        self.dropping.append(self.dropper.submit(self._drop, admin, clone))

    @staticmethod
    def _drop(admin: Engine, name: str) -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _template(self, request: pytest.FixtureRequest, name: str, build: Callable[[str], None]) -> str:
        kind = request.param
        if (kind, name) in self.built:
            return self.built[kind, name]
        folder = self.folder / f"template-{name}"
        folder.mkdir(exist_ok=True)
        generator = _new_database_url(kind, folder, request)
        url = next(generator)
        self.finalizers.append(generator)
        upgrade_database(url)
        build(url)
        if kind == "postgresql":
            # Nobody may stay connected to a template while it is cloned.
            with self.admin(request).connect() as connection:
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": make_url(url).database},
                )
        self.built[kind, name] = url
        return url

    def close(self) -> None:
        for dropped in self.dropping:
            dropped.result()
        self.dropper.shutdown()
        for generator in self.finalizers:
            next(generator, None)
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("databases"))
    yield templates
    templates.close()


def empty_directory(url: str) -> None:
    """The template of an empty directory: migrated, nothing else."""


@pytest.fixture(scope="session")
def demo_services() -> list[dict]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["services"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, database_templates: DatabaseTemplates) -> Iterator[str]:
    """An empty, migrated directory database of its own (function scope: tests may write)."""
    yield from database_templates.copy(request, "empty", empty_directory)


@pytest.fixture
def make_session(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def load_demo(url: str) -> None:
    """Template "demo": the demo directory."""
    engine = make_engine(url)
    with sessionmaker(engine)() as session:
        import_file(session, DEMO_FILE)
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_db(
    request: pytest.FixtureRequest, database_templates: DatabaseTemplates
) -> Iterator[sessionmaker[Session]]:
    """The demo directory, one copy per module and backend (read-only tests)."""
    for url in database_templates.copy(request, "demo", load_demo):
        engine = make_engine(url)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()


@pytest.fixture
def demo_session(demo_db: sessionmaker[Session]) -> Iterator[Session]:
    with demo_db() as session:
        yield session


class HsdsSchemas:
    """The official HSDS 3.0 compiled schemas (HSDS_SCHEMA_DIR), as Draft 2020-12 validators that
    also check formats (uuid, email; uri and date-time where jsonschema's optional checkers exist)."""

    def __init__(self, folder: Path) -> None:
        from jsonschema import Draft202012Validator, FormatChecker

        self.folder = folder
        self.schemas = {
            name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            for name in ("service", "organization", "service_list")
        }
        self.validators = {
            name: Draft202012Validator(schema, format_checker=FormatChecker())
            for name, schema in self.schemas.items()
        }

    def errors(self, name: str, record: dict) -> list[str]:
        return [
            f"{'.'.join(map(str, e.absolute_path)) or '(record)'}: {e.message[:200]}"
            for e in self.validators[name].iter_errors(record)
        ]

    def example(self, name: str) -> dict:
        return json.loads((self.folder / f"example_{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hsds_schemas() -> HsdsSchemas:
    folder = os.environ.get("HSDS_SCHEMA_DIR")
    reason = (
        "HSDS_SCHEMA_DIR is not set"
        if not folder
        else None
        if (Path(folder) / "service.json").is_file()
        else f"no service.json in HSDS_SCHEMA_DIR={folder}"
    )
    if reason:
        print(f"\nHSDS schema tests skipped: {reason} (.ci/run sets it to ../shared/hsds-3.0)")
        pytest.skip(f"official HSDS 3.0 schemas not available: {reason}")
    return HsdsSchemas(Path(folder or "."))


@pytest.fixture(scope="session")
def rasa_scripts(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[RasaScripts]:
    """Results of the scripts run in the Rasa environment, once per test run (tests/rasa_script.py):
    pytest-xdist's workers share the run's base directory, the parent of their own."""
    scripts = RasaScripts(tmp_path_factory.getbasetemp().parent if worker_id != "master" else None)
    yield scripts
    scripts.wait()


@pytest.fixture(scope="session", autouse=True)
def _rasa_scripts_ahead(request: pytest.FixtureRequest) -> None:
    """Start the Rasa scripts with the session when a selected test needs them: their process
    (TensorFlow's import: 10-20 s) then runs beside the first tests instead of holding a worker."""
    if any("rasa_scripts" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("rasa_scripts").prefetch()


# End-to-end modules: each module that asks for these gets its own fake Bot API and assistant.
@pytest.fixture(scope="module")
def marker() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def bot_api(marker: str) -> Iterator[str]:
    with local_bot_api(marker) as url:
        yield url


@pytest.fixture(scope="module")
def telegram_assistant(
    bot_api: str, marker: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LoggedProcess, dict[str, str]]]:
    """The whole assistant with a (fake) bot token, polling the fake Bot API."""
    process, env = start_assistant(
        tmp_path_factory.mktemp("assistant"),
        marker,
        TELEGRAM_BOT_TOKEN="123456:TEST-TOKEN-NOT-REAL",
        TELEGRAM_BASE_URL=f"{bot_api}/bot",
    )
    yield process, env
    process.stop(signal.SIGKILL)
