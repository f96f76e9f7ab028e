"""`knowhow migrate-to-postgres`: a data folder copied into a real PostgreSQL losslessly (every row, the same
ids, the same answers to the demo's labelled questions), resumed where an interruption stopped it, and refused
where it would lose or mix data."""

from __future__ import annotations

import shutil
import sqlite3

import psycopg
import pytest

from benchmarks.datasets import demo_dataset
from models import pg_copy
from models.errors import InvalidInputError
from models.records import Content, Feedback
from web.cli import cli


def _tables(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if name not in pg_copy.SQLITE_OWN]


def _rows(path, url, table: str) -> tuple[list, list]:
    """The table's rows in both stores, each row as text, sorted (bytes and numbers compare as they print)."""
    with sqlite3.connect(path) as db:
        columns = ", ".join(f'"{row[1]}"' for row in db.execute(f'PRAGMA table_info("{table}")'))
        ours = db.execute(f'SELECT {columns} FROM "{table}"').fetchall()
    with psycopg.connect(url) as db:
        theirs = db.execute(f'SELECT {columns} FROM "{table}"').fetchall()

    def text(rows):
        return sorted(tuple(bytes(v).hex() if isinstance(v, bytes | memoryview) else repr(v) for v in row)
                      for row in rows)

    return text(ours), text(theirs)


def _answers(services) -> dict[str, tuple[list[str], list[str]]]:
    answers = {}
    for question in demo_dataset().questions:
        answer = services.finder.ask(question.text, k=10, log=False)
        answers[question.id] = ([hit.id for hit in answer.results], [expert.id for expert in answer.experts])
    return answers


@pytest.fixture
def demo_copy(demo_folder, make_services, tmp_path):
    """A writable copy of the demo's data folder on SQLite, the copy's source whichever engine the suite runs on."""
    data = tmp_path / "demo-copy"
    shutil.copytree(demo_folder, data)
    return make_services(data, database_url=None)


@pytest.fixture
def copied_demo(demo_copy, postgres, cli_runner):
    """The demo's data folder copied into a new PostgreSQL database by the command; (source services, URL)."""
    url = postgres.new_database()
    for question in demo_dataset().questions[:5]:  # asked and voted on: feedback moves later rankings
        answer = demo_copy.finder.ask(question.text, k=5, source="test")
        for hit in answer.results[:3]:
            helpful = question.relevant.get(hit.id, 0) >= 2
            demo_copy.store.add_feedback(Feedback(query_id=answer.query_id, content_id=hit.id, helpful=helpful))
    last = demo_copy.store.db.execute("SELECT content_id FROM chunks ORDER BY id DESC LIMIT 1").fetchone()[0]
    demo_copy.indexer.delete_content([last])  # its passages' ids are never given again
    items = demo_copy.store.stats()["content"]
    demo_copy.close()
    result = cli_runner.invoke(cli, ["--data", str(demo_copy.settings.data), "migrate-to-postgres", url])
    assert result.exit_code == 0, result.output
    assert f"{items} items" in result.output and "5 questions asked" in result.output
    return demo_copy, url


def test_every_row_arrives_with_its_ids_and_the_answers_are_the_same(copied_demo, make_services, tmp_path):
    source, url = copied_demo
    path = source.settings.db_path
    for table in _tables(path):
        ours, theirs = _rows(path, url, table)
        assert theirs == ours, table

    on_postgres = make_services(tmp_path / "server-a", database_url=url)  # a new server: indexes built from zero
    assert _answers(on_postgres) == _answers(source)

    # New rows continue after every id SQLite ever gave, deleted ones included (ids are never reused).
    with sqlite3.connect(path) as db:
        last_passage = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'chunks'").fetchone()[0]
        last_feedback = db.execute("SELECT max(id) FROM feedback").fetchone()[0]
        last_change = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'vector_changes'").fetchone()[0]
    assert on_postgres.store.db.execute("SELECT max(id) FROM chunks").fetchone()[0] < last_passage
    assert on_postgres.store.add_feedback(Feedback(query_id="q", content_id="c", helpful=True)) == last_feedback + 1
    on_postgres.indexer.save_content(Content(id="new-item", title="Resetting the office printer",
                                             body="Hold the power button for five seconds, then wait for the light."))
    ids = [row[0] for row in on_postgres.store.db.execute("SELECT id FROM chunks WHERE content_id = 'new-item'")]
    assert ids and min(ids) == last_passage + 1
    assert on_postgres.store.db.execute("SELECT min(seq) FROM vector_changes WHERE passage_id = ?",
                                        [min(ids)]).fetchone()[0] == last_change + 1

def test_an_interrupted_copy_resumes_where_it_stopped(demo_copy, postgres, monkeypatch):
    url = postgres.new_database()
    monkeypatch.setattr(pg_copy, "BATCH_ROWS", 100)
    seen: list[tuple[str, int]] = []

    def stop_in_the_middle(table: str, done: int, total: int) -> None:
        seen.append((table, done))
        if table == "chunks" and done == 300:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pg_copy.migrate_to_postgres(demo_copy.settings, url, stop_in_the_middle)
    assert pg_copy.unfinished(url)

    seen.clear()
    counts = pg_copy.migrate_to_postgres(demo_copy.settings, url, lambda *step: seen.append(step[:2]))
    assert ("chunks", 300) in seen and ("chunks", 0) not in seen  # resumed after the committed batches
    assert counts["chunks"] == demo_copy.store.stats()["chunks"] and not pg_copy.unfinished(url)
    for table in ("chunks", "vector_changes", "content"):
        ours, theirs = _rows(demo_copy.settings.db_path, url, table)
        assert theirs == ours, table


def test_a_source_changed_since_the_copy_began_is_refused_until_restarted(demo_copy, postgres, monkeypatch):
    url = postgres.new_database()

    def stop(table: str, done: int, total: int) -> None:
        if table == "people":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pg_copy.migrate_to_postgres(demo_copy.settings, url, stop)
    demo_copy.store.add_feedback(Feedback(query_id="q", content_id="c", helpful=False))
    demo_copy.close()
    with pytest.raises(InvalidInputError, match="changed since this copy began"):
        pg_copy.migrate_to_postgres(demo_copy.settings, url)
    counts = pg_copy.migrate_to_postgres(demo_copy.settings, url, restart=True)
    assert counts["feedback"] == 1


def test_a_database_holding_data_is_never_overwritten(copied_demo, cli_runner, postgres):
    source, url = copied_demo
    result = cli_runner.invoke(cli, ["--data", str(source.settings.data), "migrate-to-postgres", url])
    assert result.exit_code == 1
    assert "already holds Knowhow data" in result.output and "Traceback" not in result.output
    result = cli_runner.invoke(cli, ["--data", str(source.settings.data), "migrate-to-postgres", url, "--restart"])
    assert result.exit_code == 1  # --restart only restarts an unfinished copy
    result = cli_runner.invoke(cli, ["--data", str(source.settings.data), "migrate-to-postgres", "mysql://x/y"])
    assert result.exit_code == 1 and "not a PostgreSQL URL" in result.output


def test_no_copy_while_a_server_uses_the_folder_and_no_server_on_half_a_copy(demo_copy, postgres, cli_runner,
                                                                              monkeypatch):
    from models.backup import data_lock

    url = postgres.new_database()
    with data_lock(demo_copy.settings, exclusive=False):  # as `knowhow serve` holds it
        with pytest.raises(Exception, match="stop it first"):
            pg_copy.migrate_to_postgres(demo_copy.settings, url)

    with pytest.raises(KeyboardInterrupt):
        pg_copy.migrate_to_postgres(demo_copy.settings, url, lambda *step: (_ for _ in ()).throw(KeyboardInterrupt))
    monkeypatch.setenv("KNOWHOW_DATABASE_URL", url)
    result = cli_runner.invoke(cli, ["--data", str(demo_copy.settings.data / "server"), "serve", "--port", "1"])
    assert result.exit_code == 1 and "has not finished" in result.output
