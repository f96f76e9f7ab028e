"""Backup and restore give identical search results; an older store upgrades itself when opened; a restore
never swaps the data under a running server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
import sqlite_utils
from click.testing import CliRunner

from indexer.importer import import_files
from models import migrations
from models.backup import LOCK, backup, data_lock
from models.records import Content
from models.store import Store
from tests.factories import ANA, BO, PAYROLL, VPN, jsonl
from web.cli import cli

pytestmark = pytest.mark.sqlite_only("backups copy the SQLite file (PostgreSQL's refusal: tests/test_postgres.py)")

QUESTIONS = ["vpn token expired", "when is payday", "who knows firewalls"]


def _answers(services):
    return [[(h.id, h.score) for h in services.finder.ask(q, k=3, log=False).results] for q in QUESTIONS]


def test_backup_then_restore_elsewhere_answers_identically(services, make_services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL)])
    expected = _answers(services)
    runner = CliRunner()
    backup = tmp_path / "backup"
    done = runner.invoke(cli, ["--data", str(services.settings.data), "backup", str(backup)])
    assert done.exit_code == 0, done.output
    assert "backed up 2 items, 2 people" in done.output

    target = tmp_path / "restored"
    (target).mkdir()
    restored = runner.invoke(cli, ["--data", str(target), "restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert _answers(make_services(target)) == expected


def test_backup_manifest_counts_what_the_copy_holds(services, tmp_path, monkeypatch):
    """The service keeps writing during a backup: the manifest must describe the copy, not the live
    database a moment later."""
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    copy = Store.backup_to

    def copy_then_a_write_lands(store, path):
        copy(store, path)
        late = Content(id="c-late", title="Late", body="Just missed the copy.")
        with services.store.transaction():  # a write that just missed the copy, its passage not embedded yet
            services.store.upsert_content([late])
            services.store.replace_chunks({late.id: (late.title, services.indexer.chunk(late))})

    monkeypatch.setattr(Store, "backup_to", copy_then_a_write_lands)
    manifest = backup(services.settings, tmp_path / "backup")
    copied = Store(tmp_path / "backup" / "knowhow.db")
    assert manifest["counts"] == copied.stats()
    assert (manifest["counts"]["content"], manifest["counts"]["chunks_pending"]) == (1, 0)
    assert services.store.stats()["chunks_pending"] == 1
    copied.close()


def test_restore_keeps_the_replaced_data_aside(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    runner = CliRunner()
    assert runner.invoke(cli, ["--data", str(services.settings.data), "backup", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(cli, ["--data", str(services.settings.data), "restore", str(tmp_path / "b")])
    assert "previous data kept in" in result.output
    # Next to the data folder, not in it: a later backup or restore of the folder must not carry it along.
    assert list(services.settings.data.glob("*before-restore-*")) == []
    kept = list(services.settings.data.parent.glob("data-before-restore-*/knowhow.db"))
    assert len(kept) == 1 and str(kept[0].parent) in result.output


def test_restore_is_refused_while_the_data_is_held_and_a_dead_holder_is_ignored(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    runner = CliRunner()
    data = str(services.settings.data)
    assert runner.invoke(cli, ["--data", data, "backup", str(tmp_path / "b")]).exit_code == 0
    with data_lock(services.settings, exclusive=False):  # as `knowhow serve` holds it
        refused = runner.invoke(cli, ["--data", data, "restore", str(tmp_path / "b")])
    assert refused.exit_code == 1
    assert f"a Knowhow server (pid {os.getpid()}) is using {data}; stop it first" in refused.output
    assert list(services.settings.data.parent.glob("*before-restore-*")) == []
    # A lock file left by a server that was killed names a dead process: it holds nothing.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (services.settings.data / LOCK).write_text(f"{dead.pid}\n")
    assert runner.invoke(cli, ["--data", data, "restore", str(tmp_path / "b")]).exit_code == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_restore_while_knowhow_serve_runs_is_refused(services, tmp_path):
    """The real `knowhow serve` in its own process: a restore under it would leave it writing into the
    moved-aside database. (The one test that loads the model in a process of its own also checks that the
    model's "Loading weights" progress bar stays silent.)"""
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    data = str(services.settings.data)
    runner = CliRunner()
    assert runner.invoke(cli, ["--data", data, "backup", str(tmp_path / "b")]).exit_code == 0
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "web", "--data", data, "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        while True:  # until it answers (or dies)
            assert server.poll() is None, server.stdout.read().decode()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        refused = runner.invoke(cli, ["--data", data, "restore", str(tmp_path / "b")])
        assert refused.exit_code == 1
        assert f"a Knowhow server (pid {server.pid}) is using {data}" in refused.output
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0].decode()
    assert "loading the model" in output and "Loading weights" not in output
    assert runner.invoke(cli, ["--data", data, "restore", str(tmp_path / "b")]).exit_code == 0


def test_backup_refuses_a_non_empty_folder_and_restore_a_non_backup(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA)])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(services.settings.data), "backup", str(tmp_path / "full")])
    assert result.exit_code == 1 and "is not empty" in result.output
    result = runner.invoke(cli, ["--data", str(services.settings.data), "restore", str(tmp_path / "full")])
    assert result.exit_code == 1 and "is not a Knowhow backup" in result.output


def test_a_store_of_an_older_version_upgrades_itself(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    old = Store(path)
    old.db["people"].insert({"id": "p1", "name": "Old Timer", "skills": "[]", "mentor": 0, "extra": "{}"})
    old.close()
    monkeypatch.undo()

    upgraded = Store(path)
    assert [r["name"] for r in upgraded.db["_migrations"].rows] == [name for name, _ in migrations.MIGRATIONS]
    assert upgraded.get_person("p1")["name"] == "Old Timer"
    assert "vector" in sqlite_utils.Database(path)["queries"].columns_dict
