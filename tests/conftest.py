"""Real parts for every test: the packaged model (loaded once), SQLite files in tmp folders, a live server.

Heavy imports (the model, FAISS, scikit-learn, the app) happen inside the fixtures that need them, so the
unit tests of pure modules start in a second. The model's vectors are kept between runs in
.pytest_cache (tests/vector_cache.py): the first run computes every one, later runs only new texts, and
`pytest --cache-clear` starts over."""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

if TYPE_CHECKING:
    from indexer.embedder import Embedder
    from web.services import Services


# Modules that run longest, longest first (seconds measured with `--durations=0` on an idle 2-core machine).
# `make test` hands whole modules to two processes in this order (--dist loadfile --no-loadscope-reorder):
# starting with the long ones keeps both busy to the end, where xdist's default order (most tests first)
# left the 110 s fuzz module for last while the other process idled. Unlisted modules follow, in file order.
LONGEST_FIRST = {
    "test_fuzz.py": 60, "test_pages.py": 40, "test_crash.py": 35, "test_backup.py": 30, "test_cli_data.py": 30,
    "test_properties.py": 30, "test_page_auth.py": 28, "test_question_pages.py": 25, "test_first_hour_pages.py": 25,
    "test_answer_display.py": 25, "test_rules.py": 24, "test_demo_history.py": 22, "test_accounts_admin.py": 18,
    "test_auth.py": 17, "test_auth_holes.py": 17, "test_duplicates.py": 15, "test_import_sources.py": 14,
    "test_course_pages.py": 15, "test_import_page.py": 10, "test_int8.py": 30, "test_follows.py": 18,
    "test_workers.py": 30, "test_several_servers.py": 40,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order = {name: rank for rank, name in enumerate(sorted(LONGEST_FIRST, key=LONGEST_FIRST.get, reverse=True))}
    items.sort(key=lambda item: order.get(item.path.name, len(order)))  # stable: tests keep their order in a file
    if ENGINE == "postgres":  # what only the embedded store has: its file, its backups, SQLite's own statements
        for item in items:
            marker = item.get_closest_marker("sqlite_only")
            if marker:
                item.add_marker(pytest.mark.skip(reason=f"SQLite only: {marker.args[0]}"))


@pytest.fixture(scope="session")
def embedder(request, tmp_path_factory) -> Embedder:
    """The packaged model, its vectors cached across runs (a private cache with `-p no:cacheprovider`)."""
    from tests.vector_cache import CachedEmbedder

    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("knowhow-vectors") if cache is not None else tmp_path_factory.mktemp("vectors")
    cached = CachedEmbedder(Path(folder))
    yield cached
    cached.close()


@pytest.fixture
def cli_runner(embedder):
    """`knowhow ...` in this process (click's CliRunner) on the session's model, not a copy of its own."""
    from click.testing import CliRunner

    class SharedModelRunner(CliRunner):
        def invoke(self, cli, args=None, **kwargs):
            kwargs.setdefault("obj", embedder)
            return super().invoke(cli, args, **kwargs)

    return SharedModelRunner()


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory) -> Path:
    """A database file with every migration applied, made once: a new store copies it (2 ms) instead of
    migrating (85 ms, a few hundred times a run). Tests of the migrations themselves make their own."""
    from models.store import Store

    path = tmp_path_factory.mktemp("empty-store") / "knowhow.db"
    Store(path).close()  # closing the last connection folds the WAL into the file
    return path


def new_data_folder(folder: Path, empty_store: Path) -> Path:
    import shutil

    if not folder.exists():
        folder.mkdir(parents=True)
        shutil.copyfile(empty_store, folder / "knowhow.db")
    return folder


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for this test process (tests/postgres_server.py)."""
    from tests.postgres_server import PostgresServer

    server = PostgresServer()
    _SESSION["postgres"] = server
    yield server
    server.stop()


# KNOWHOW_TEST_ENGINE=postgres: every test's services store on PostgreSQL instead of SQLite.
ENGINE = os.environ.get("KNOWHOW_TEST_ENGINE", "sqlite")


@pytest.fixture
def database_engine() -> str:
    """The engine a test's services store on; modules that run on both parametrise it (pytest_generate_tests)."""
    return ENGINE


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_engine" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_ENGINES", False):
        metafunc.parametrize("database_engine", ["sqlite", "postgres"])


@pytest.fixture
def make_services(tmp_path: Path, embedder: Embedder, empty_store: Path, request, database_engine: str):
    """Services on a fresh data folder; call again with the same folder to 'restart' the service. On
    PostgreSQL each new folder gets a new database, and a restart finds the folder's database again."""
    from models.settings import Settings
    from web.services import Services

    made: list[Services] = []
    databases: dict[Path, str] = {}

    def make(data: Path | None = None, **overrides) -> Services:
        data = new_data_folder(data or tmp_path / "data", empty_store)
        if database_engine == "postgres" and "database_url" not in overrides:
            if data not in databases:
                databases[data] = request.getfixturevalue("postgres").new_database()
            overrides["database_url"] = databases[data]
        services = Services(Settings(data=data, **overrides), embedder)
        made.append(services)
        return services

    yield make
    for services in made:
        services.close()


@pytest.fixture
def services(make_services) -> Services:
    return make_services()


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory, embedder) -> Path:
    """The demo organisation imported once per test session into a data folder (SQLite)."""
    from indexer.importer import import_files
    from models.settings import Settings
    from web.cli import demo_files
    from web.services import Services

    services = Services(Settings(data=tmp_path_factory.mktemp("demo")), embedder)
    with _one_process_at_a_time(embedder.file.with_suffix(".demo.lock")):
        # Two test processes (pytest -n 2) would both encode the demo on a cold cache; the second waits and
        # then finds every vector cached.
        report = import_files(services.indexer, demo_files())
    assert report.errors == []
    services.indexes.save()
    services.close()
    _SESSION["demo_folder"] = services.settings.data
    return services.settings.data


# The session's PostgreSQL server and demo folder, for helpers that copy the demo outside a fixture (page
# tests' module fixtures): set by the fixtures that make them.
_SESSION: dict[str, Any] = {}


def cli_env(settings) -> dict[str, str]:
    """The environment an operator gives `knowhow` commands on the store these settings open: on PostgreSQL
    the database's URL (the data folder alone names only an embedded store)."""
    url = settings.database_url
    return {"KNOWHOW_DATABASE_URL": url.get_secret_value()} if url else {}


def _demo_in_postgres(demo_folder: Path, server) -> str:
    """A new PostgreSQL database on `server` holding the demo, copied from its folder as `knowhow
    migrate-to-postgres` does."""
    from models.pg_copy import copy_to_postgres

    url = server.new_database()
    copy_to_postgres(demo_folder / "knowhow.db", url)
    return url


def demo_store_copy(demo_services: Services, data: Path) -> dict[str, Any]:
    """Copy the demo's store and saved index files for `data`; returns the settings that open the copy (on
    PostgreSQL, KNOWHOW_TEST_ENGINE=postgres: a new database copied from the demo's folder)."""
    import shutil

    demo_services.indexes.save()
    shutil.copytree(demo_services.settings.index_dir, data / "index")
    if ENGINE != "postgres":
        demo_services.store.backup_to(data / "knowhow.db")
        return {}
    return {"database_url": _demo_in_postgres(_SESSION["demo_folder"], _SESSION["postgres"])}


@pytest.fixture(scope="session")
def demo_services(demo_folder, embedder, request) -> Services:
    """The demo organisation (read-only for tests); with KNOWHOW_TEST_ENGINE=postgres, in a database of its own."""
    from models.settings import Settings
    from web.services import Services

    if ENGINE == "postgres":
        data = demo_folder.parent / f"{demo_folder.name}-postgres"
        return Services(Settings(data=data, database_url=_demo_in_postgres(
            demo_folder, request.getfixturevalue("postgres"))), embedder)
    return Services(Settings(data=demo_folder), embedder)


@contextmanager
def _one_process_at_a_time(lock_file: Path) -> Iterator[None]:
    import fcntl

    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture
def demo_copy(demo_services, make_services, tmp_path) -> Services:
    """A private, writable copy of the demo organisation (the database and the saved index files)."""
    data = tmp_path / "demo-copy"
    return make_services(data, **demo_store_copy(demo_services, data))


class LiveServer:
    def __init__(self, services: Services):
        import uvicorn

        from web.app import create_app

        self.services = services
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(services), host="127.0.0.1", port=self.port, log_level="warning",
                                proxy_headers=False)  # as `knowhow serve`: web.auth decides trust on the real peer
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(services) -> Iterator[LiveServer]:
    """The real app over HTTP on an empty data folder."""
    with LiveServer(services) as server:
        yield server


@pytest.fixture(scope="session")
def demo_live(demo_services) -> Iterator[LiveServer]:
    with LiveServer(demo_services) as server:
        yield server


@functools.cache
def password_hash(password: str) -> str:
    """One real argon2 hash per test password and session: a fresh salt for each test account buys a test
    nothing, and each hash costs 0.1-0.5 s of CPU on a busy machine."""
    from web.security import hash_password

    return hash_password(password)


def api_token(services: Services, username: str = "lnd-admin", role: str = "lnd", person_id: str | None = None) -> str:
    """A personal API token of a (new or existing) account with `role`."""
    from web.auth import issue_api_token

    user = services.store.user_by_name(username)
    user_id = user["id"] if user else services.store.create_user(username, password_hash("x" * 12), role, person_id)
    return issue_api_token(services.store, user_id, "tests")


def http_client(base_url: str, **kwargs):
    """An httpx client of a test server (plain HTTP on 127.0.0.1). httpx loads the CA bundle for every client
    it makes (55 ms each, ~40 s of the suite's CPU); these share one TLS context, never used."""
    import httpx

    return httpx.Client(base_url=base_url, verify=_unused_tls(), **{"timeout": 60, **kwargs})


@functools.cache
def _unused_tls():
    import ssl

    return ssl.create_default_context()


def client(server: LiveServer, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http_client(server.url, headers=headers)


@pytest.fixture
def http(live):
    """An HTTP client of the live app, signed in as L&D through an API token."""
    with client(live, api_token(live.services)) as c:
        yield c


@pytest.fixture(scope="session")
def demo_http(demo_live):
    with client(demo_live, api_token(demo_live.services)) as c:
        yield c


# -- a small organisation's accounts, and clients signed in as them --

PASSWORD = "long enough password"


def add_accounts(services: Services, accounts: dict[str, tuple[str, str | None]]) -> Services:
    """Accounts by user name: (role, person id), all with PASSWORD."""
    for name, (role, person_id) in accounts.items():
        services.store.create_user(name, password_hash(PASSWORD), role, person_id)
    return services


def as_user(server: LiveServer, name: str):
    """An API client of an existing account, through a personal token."""
    return client(server, api_token(server.services, name))


@contextmanager
def signed_in(server: LiveServer, name: str, csrf_header: bool = True) -> Iterator:
    """A browser-like client signed in through the sign-in form: it sends the site's Origin, and the
    session's CSRF token as a header as htmx does (`csrf_header=False`: only as `csrf`, for form fields,
    as a page without JavaScript posts it)."""
    with http_client(server.url, headers={"Origin": server.url}) as browser:
        assert browser.post("/login", data={"username": name, "password": PASSWORD, "next": "/"}).status_code == 303
        browser.csrf = browser.get("/api/me").json()["csrf_token"]
        if csrf_header:
            browser.headers["X-CSRF-Token"] = browser.csrf
        yield browser


# Debian's chromium-headless-shell (Chromium's headless build, same engine and version as the chromium
# package): test_pages used 35 s of CPU with it, 60 s with the full browser in headless mode. Else chromium.
CHROMIUM = next((path for path in map(Path, ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium"))
                 if path.exists()), Path("/usr/bin/chromium-headless-shell"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process, shared by every page test (a launch costs a second or more of
    CPU; Playwright's sync API runs one instance at a time anyway). Tests open contexts of their own."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: run `make browser` (apt-get install -y chromium-headless-shell)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, temporary user-data-dir.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab_as(browser, site):
    """Browser tabs signed in as a page test module's users, on that module's `site` (a LiveServer)."""
    from tests.test_pages import Tabs

    tabs = Tabs(browser, site)
    yield tabs
    tabs.close()
