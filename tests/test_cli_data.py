"""The CLI's first minutes: on a missing data folder only the commands that fill one create it (the others
say so and exit 1); a taken port, an empty question (the model's progress bar: test_backup's serve)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.factories import ANA, jsonl
from web.cli import cli

READERS = [["stats"], ["ask", "vpn"], ["reindex"], ["user", "list"], ["user", "role", "ana", "lnd"],
           ["user", "token", "ana"], ["user", "disable", "ana"], ["user", "password", "ana"]]


@pytest.mark.parametrize("args", READERS, ids=lambda args: " ".join(args))
def test_commands_on_a_missing_folder_say_so_and_create_nothing(tmp_path, args):
    missing = tmp_path / "nonexistent" / "dir"
    result = CliRunner().invoke(cli, ["--data", str(missing), *args])
    assert (result.exit_code, result.output) == (1, f"Error: no Knowhow data at {missing} (use --data or KNOWHOW_DATA)\n")
    assert not (tmp_path / "nonexistent").exists()


def test_the_default_folder_is_not_created_by_reading_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KNOWHOW_DATA", raising=False)
    result = CliRunner().invoke(cli, ["user", "list"])
    assert result.exit_code == 1 and f"no Knowhow data at {tmp_path / 'knowhow-data'}" in result.output
    assert list(tmp_path.iterdir()) == []


def test_backup_of_a_missing_folder_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["--data", str(tmp_path / "none"), "backup", str(tmp_path / "b")])
    assert result.exit_code == 1 and "no Knowhow data at" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_import_and_user_add_start_a_new_folder(tmp_path, cli_runner):
    runner = cli_runner
    data = tmp_path / "new"
    added = runner.invoke(cli, ["--data", str(data), "user", "add", "lee", "--password", "long enough password"])
    assert added.output == "created lee (employee)\n"  # employee unless --role says otherwise
    assert (data / "knowhow.db").exists()
    other = tmp_path / "other"
    imported = runner.invoke(cli, ["--data", str(other), "import", str(jsonl(tmp_path / "p.jsonl", ANA))])
    assert imported.exit_code == 0 and (other / "knowhow.db").exists()
    assert "imported 1 person and 0 content items; deleted 0 people and 0 items\n" in imported.output
    stats = runner.invoke(cli, ["--data", str(other), "stats"])
    assert stats.exit_code == 0 and stats.output.startswith(f"Knowhow data in {other}\n")  # not a wrapped title


def test_serve_on_a_taken_port_says_so_in_one_line(services, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--data", str(services.settings.data), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (f"Error: port {port} on 127.0.0.1 is taken (another Knowhow or another program); "
                             f"choose another with --port {port + 1} (make demo PORT={port + 1})\n")


def test_an_empty_question_is_refused_before_the_model_loads(tmp_path, cli_runner):
    """In a fresh process, so that whether the model's libraries were imported can be seen."""
    runner = cli_runner
    data = tmp_path / "d"
    assert runner.invoke(cli, ["--data", str(data), "import", str(jsonl(tmp_path / "p.jsonl", ANA))]).exit_code == 0
    script = ("import sys\nfrom web.cli import cli\n"
              f"try:\n    cli(['--data', {str(data)!r}, 'ask', '   '], standalone_mode=False)\n"
              "except Exception as exc:\n    print(exc)\n"
              "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert done.stdout == "the question is empty\n[]\n", done.stderr
