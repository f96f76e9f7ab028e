"""Import contract: upsert by id, deletions, any order across files, bad lines reported, good lines kept."""

from __future__ import annotations


from indexer.importer import import_files
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl
from web.cli import cli

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


def test_import_people_and_content_in_any_order_across_files(services, tmp_path):
    first = jsonl(tmp_path / "a.jsonl", VPN)  # content before its author, in another file
    second = jsonl(tmp_path / "b.jsonl", ANA)
    report = import_files(services.indexer, [first, second])
    assert report.errors == []
    assert (report.people, report.content) == (1, 1)
    assert services.store.get_content("c-vpn")["authors"] == ["p-ana"]
    assert services.store.stats()["chunks_pending"] == 0
    assert services.indexes.counts() == {"chunks": 1, "profiles": 1}


def test_bad_lines_are_reported_with_file_line_and_reason_and_good_lines_import(services, tmp_path):
    path = jsonl(
        tmp_path / "mixed.jsonl",
        ANA,
        "{not json",
        {"type": "content", "id": "c-no-body", "title": "No body"},
        content("c-ghost", authors=["p-nobody"]),
        {"type": "robot", "id": "r1"},
        VPN,
    )
    report = import_files(services.indexer, [path])
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [
        (2, "invalid JSON"),
        (3, "missing required field 'body'"),
        (4, "unknown author id(s)"),
        (5, "'type' must be 'person' or 'content', got 'robot'"),
    ]
    assert all(e.file == str(path) for e in report.errors)
    assert services.store.content_exists("c-vpn")
    assert not services.store.content_exists("c-ghost")


def test_reimport_updates_and_deleted_removes(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "1.jsonl", ANA, BO, VPN, PAYROLL)])
    changed = dict(PAYROLL, title="Payday and salary dates")
    report = import_files(
        services.indexer,
        [jsonl(tmp_path / "2.jsonl", changed, {"type": "content", "id": "c-vpn", "deleted": True})],
    )
    assert (report.content, report.deleted_content) == (1, 1)
    assert services.store.get_content("c-pay")["title"] == "Payday and salary dates"
    assert services.store.get_content("c-vpn") is None
    assert services.store.stats()["content"] == 1
    assert services.indexes.counts()["chunks"] == 1


def test_unknown_fields_are_kept(services, tmp_path):
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", dict(ANA, shoe_size=42), dict(VPN, source="wiki"))])
    assert services.store.get_person("p-ana")["extra"] == {"shoe_size": 42}
    assert services.store.get_content("c-vpn")["extra"] == {"source": "wiki"}


def test_reimporting_unchanged_content_embeds_nothing(services, tmp_path):
    path = jsonl(tmp_path / "x.jsonl", ANA, VPN)
    import_files(services.indexer, [path])
    before = services.store.vector_ids("chunks").tolist()
    import_files(services.indexer, [path])
    assert services.store.vector_ids("chunks").tolist() == before


def test_cli_import_exits_non_zero_on_bad_lines(tmp_path, cli_runner):
    path = jsonl(tmp_path / "bad.jsonl", ANA, "[1, 2]")
    result = cli_runner.invoke(cli, ["--data", str(tmp_path / "d"), "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: a line must be a JSON object" in result.output
    assert "imported 1 person and 0 content items; deleted 0 people and 0 items; 1 bad line skipped" in result.output


def test_cli_ask_prints_knowledge_and_people(tmp_path, cli_runner):
    runner = cli_runner
    data = str(tmp_path / "d")
    assert runner.invoke(cli, ["--data", data, "import", str(jsonl(tmp_path / "x.jsonl", ANA, BO, VPN, PAYROLL))]).exit_code == 0
    result = runner.invoke(cli, ["--data", data, "ask", "my vpn token expired"])
    assert result.exit_code == 0, result.output
    assert "Resetting your VPN token" in result.output
    assert "Ana Ruiz" in result.output
    empty = runner.invoke(cli, ["--data", data, "ask", "   "])
    assert empty.exit_code == 1
    assert "the question is empty" in empty.output


def test_person_without_name_is_rejected(services, tmp_path):
    report = import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", {"type": "person", "id": "p9"})])
    assert [str(e).split(": ", 1)[1] for e in report.errors] == ["missing required field 'name'"]
