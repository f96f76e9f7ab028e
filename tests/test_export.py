"""`knowhow export`: everything out in the import's formats; importing it into an empty data folder gives the
same people and items, and the same answers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer.export import export
from indexer.folder_import import import_paths
from indexer.pipeline import record_fields
from models.errors import InvalidInputError
from models.records import Person
from tests.conftest import cli_env
from web.cli import cli

QUESTIONS = ["how do I reset my vpn token", "when is payday", "who can help with kubernetes",
             "how do I book a meeting room", "what is the travel policy for flights"]


def everything(services) -> tuple[list[dict], list[dict]]:
    """Every item as stored (usage counters aside) and every person's record."""
    store = services.store
    items = store.content_by_ids(store.all_content_ids())
    people = store.people_by_ids(store.all_person_ids())
    return ([{k: v for k, v in items[i].items() if k != "views"} for i in sorted(items)],
            [record_fields(people[i], Person) for i in sorted(people)])


def answers(services) -> list[list[str]]:
    return [[hit.id for hit in services.finder.ask(q, k=5, log=False).results] for q in QUESTIONS]


@pytest.mark.parametrize("fmt", ["jsonl", "markdown"])
def test_export_then_import_into_an_empty_folder_gives_the_same_organisation(demo_services, make_services,
                                                                              tmp_path, fmt):
    people, items = export(demo_services.store, tmp_path / "out", fmt)
    assert (people, items) == (demo_services.store.stats()["people"], demo_services.store.stats()["content"])
    copy = make_services(tmp_path / "copy")
    report = import_paths(copy.indexer, [tmp_path / "out"])
    assert report.errors == [] and report.warnings == []
    assert everything(copy) == everything(demo_services)
    assert answers(copy) == answers(demo_services)


def test_markdown_export_writes_front_matter_and_keeps_imported_files_where_they_were(services, tmp_path):
    page = tmp_path / "handbook/it/vpn.md"
    page.parent.mkdir(parents=True)
    page.write_text("---\ntitle: VPN\ntags: [vpn]\nkind: howto\nshoe_size: 42\n---\nConnect to the portal.\n")
    import_paths(services.indexer, [tmp_path / "handbook"])
    export(services.store, tmp_path / "out", "markdown")
    (content_id,) = services.store.all_content_ids()
    written = (tmp_path / "out/it/vpn.md").read_text()
    now = services.store.get_content(content_id)["verified"].replace("+00:00", "Z")  # imported now: all alike
    assert written == (f"---\nid: {content_id}\ntitle: VPN\ntags:\n- vpn\nkind: howto\ncreated: '{now}'\n"
                       f"updated: '{now}'\nverified: '{now}'\nshoe_size: 42\n---\n\nConnect to the portal.\n")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["it", "people.jsonl"]


def test_export_refuses_a_folder_that_holds_files(services, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInputError, match="is not an empty folder"):
        export(services.store, tmp_path / "out")


def test_cli_export_says_what_it_wrote(services, tmp_path):
    from tests.factories import ANA, VPN, jsonl

    import_paths(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    data = str(services.settings.data)
    result = CliRunner().invoke(cli, ["--data", data, "export", "--format", "markdown", str(tmp_path / "out")],
                                env=cli_env(services.settings))
    assert (result.exit_code, result.output) == (0, f"exported 1 person and 1 item to {tmp_path / 'out'} (markdown)\n")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*")) == [
        "howto/c-vpn.md", "people.jsonl"]
