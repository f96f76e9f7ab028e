"""The Import page (/lnd/import) and POST /api/imports over real HTTP: L&D uploads a zip of a Markdown tree and a
people CSV, the run goes on in the background, and its summary says what happened to each file; a re-upload
changes only what changed; nobody else may import; nothing in a zip lands outside its folder; the form needs its
CSRF token; a run a stopped server left behind shows as interrupted. One browser test: the form, and the
progress region that htmx polls."""

from __future__ import annotations

import io
import re
import textwrap
import time
import zipfile
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
from playwright.sync_api import expect

from indexer.importer import import_files
from models.settings import Settings
from tests.conftest import LiveServer, as_user, password_hash
from tests.factories import jsonl, person
from tests.test_pages import PASSWORD, signed_in_http
from web.services import Services

USERS = {"lee": ("lnd", "p-lee"), "ana": ("contributor", "p-ana"), "bo": ("employee", "p-bo")}
SETUP = """
    ---
    title: Setting up the VPN
    tags: [vpn, remote work]
    authors: [cy@example.com]
    ---
    Install the GlobalProtect client and connect to portal vpn.example.com with your badge number.
    If it says your token expired, see [resetting the token](reset.md).
"""
RESET = """
    # Resetting your VPN token

    When the VPN client says the token expired, open the security portal, choose *Tokens* and press *Renew*;
    the new token arrives by text message within a minute.
"""
PEOPLE_CSV = "Full Name,Work Email,Department\nCy Okafor,cy@example.com,IT\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def handbook(reset: str = RESET) -> dict[str, bytes]:
    """A small Markdown tree (front matter, a relative link) and a file that is no Markdown at all."""
    return {"vpn/setup.md": textwrap.dedent(SETUP).lstrip().encode(),
            "vpn/reset.md": textwrap.dedent(reset).lstrip().encode(), "broken.md": BINARY}


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            # A ZipInfo keeps a hostile name as given (ZipFile.write would clean it).
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def finished(client: httpx.Client, run_id: int, seconds: float = 60) -> dict:
    """The run once it is no longer running."""
    deadline = time.monotonic() + seconds
    while True:
        run = client.get(f"/api/imports/{run_id}").json()
        if run["status"] != "running":
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


def upload(client: httpx.Client, files: list[tuple[str, bytes]], **form) -> dict:
    started = client.post("/api/imports", files=[("files", f) for f in files], data=form)
    assert started.status_code == 202, started.text
    assert started.headers["location"] == f"/api/imports/{started.json()['id']}"
    return finished(client, started.json()["id"])


def counts(run: dict) -> tuple[int, ...]:
    return tuple(run["summary"][key] for key in ("new", "changed", "unchanged", "removed", "skipped"))


@pytest.fixture(scope="module")
def site(embedder, tmp_path_factory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("import-page")
    services = Services(Settings(data=folder / "data"), embedder)
    people = [person("p-lee", name="Lee Park", team="L&D"), person("p-ana", name="Ana Ruiz"),
              person("p-bo", name="Bo Chen", team="Finance")]
    assert import_files(services.indexer, [jsonl(folder / "people.jsonl", *people)]).errors == []
    for name, (role, person_id) in USERS.items():
        services.store.create_user(name, password_hash(PASSWORD), role, person_id)
    with LiveServer(services) as server:
        yield server
    services.close()


@pytest.fixture
def lee(site) -> Iterator[httpx.Client]:
    with as_user(site, "lee") as client:
        yield client


def test_an_uploaded_zip_imports_in_the_background_and_a_re_upload_changes_only_what_changed(site, lee):
    run = upload(lee, [("handbook.zip", zip_of(handbook())), ("people.csv", PEOPLE_CSV.encode())])
    assert (run["status"], run["started_by"], run["uploads"]) == ("done", "lee", ["handbook.zip", "people.csv"])
    assert counts(run) == (3, 0, 0, 0, 1)
    summary = run["summary"]
    assert (summary["people"], summary["content"], summary["warnings"]) == (1, 2, [])
    assert summary["errors"] == [{"file": "handbook.zip/broken.md", "line": 0,
                                  "reason": "not a Markdown file: it holds binary data"}]
    items = {item["file"]: item for item in summary["items"]}
    assert sorted(items) == ["handbook.zip/vpn/reset.md", "handbook.zip/vpn/setup.md", "people.csv"]
    reset, setup = items["handbook.zip/vpn/reset.md"], items["handbook.zip/vpn/setup.md"]
    assert (reset["outcome"], reset["title"], setup["title"], items["people.csv"]["id"]) == (
        "new", "Resetting your VPN token", "Setting up the VPN", None)

    # The front matter's author is the CSV's person; the relative link leads to the other item.
    item = lee.get(f"/api/content/{setup['id']}").json()
    cy = lee.get("/api/people", params={"team": "IT"}).json()["items"]
    assert item["authors"] == [p["id"] for p in cy if p["name"] == "Cy Okafor"]
    assert item["tags"] == ["vpn", "remote work"]
    assert f"(/content/{reset['id']})" in item["body"]
    found = lee.get("/api/search", params={"q": "my vpn token expired, how do I renew it?"}).json()
    assert found["results"][0]["id"] == reset["id"]

    # The page shows the summary: counts, the bad file with its reason, each item linked.
    page = lee.get(f"/lnd/import/{run['id']}")
    assert page.status_code == 200 and "hx-trigger" not in page.text
    assert f'<a href="/content/{reset["id"]}">Resetting your VPN token</a>' in page.text
    assert "handbook.zip/broken.md" in page.text and "it holds binary data" in page.text

    again = upload(lee, [("handbook.zip", zip_of(handbook())), ("people.csv", PEOPLE_CSV.encode())])
    assert counts(again) == (0, 0, 3, 0, 1) and again["summary"]["items"] == []

    edited = upload(lee, [("handbook.zip", zip_of(handbook(RESET.replace("a minute", "five minutes"))))])
    assert counts(edited) == (0, 1, 1, 0, 1)
    assert [(i["file"], i["outcome"], i["id"]) for i in edited["summary"]["items"]] == [
        ("handbook.zip/vpn/reset.md", "changed", reset["id"])]
    assert "five minutes" in lee.get(f"/api/content/{reset['id']}").json()["body"]
    assert len(site.services.store.all_content_ids()) == 2
    # Each run's own folder is gone once it is imported; what was uploaded lies under its name.
    uploads = site.services.settings.data / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["current"]
    assert (uploads / "current/zips/handbook/vpn/reset.md").read_bytes() == handbook(
        RESET.replace("a minute", "five minutes"))["vpn/reset.md"]

    runs = lee.get("/api/imports").json()["runs"]
    assert [r["id"] for r in runs[:3]] == [edited["id"], again["id"], run["id"]]


def test_a_zip_cannot_write_outside_its_folder(site, lee):
    data = site.services.settings.data
    outside = data.parent / "outside-evil.md"
    hostile = {"../evil.md": b"# evil", "notes/../../evil2.md": b"# evil", str(outside): b"# evil",
               "C:\\evil3.md": b"# evil", "ok.md": b"# Fine\n\nA page about the coffee machine's descaling."}
    run = upload(lee, [("slip.zip", zip_of(hostile))])
    assert counts(run) == (1, 0, 0, 0, 4)
    assert [(e["file"], e["reason"]) for e in run["summary"]["errors"]] == [
        ("slip.zip/../evil.md", "its path leads out of the zip's folder (..)"),
        ("slip.zip/notes/../../evil2.md", "its path leads out of the zip's folder (..)"),
        (f"slip.zip/{outside}", "an absolute path: only paths inside the zip are unpacked"),
        ("slip.zip/C:\\evil3.md", "an absolute path: only paths inside the zip are unpacked"),
    ]
    assert sorted(p.name for p in data.parent.rglob("*evil*")) == []
    # Nothing but the hostile entries: refused as a whole, nothing written.
    refused = lee.post("/api/imports", files=[("files", ("only-evil.zip", zip_of({"../evil.md": b"x"})))])
    assert refused.status_code == 422
    assert refused.json()["detail"] == ("nothing to import: only-evil.zip/../evil.md: its path leads out of the "
                                        "zip's folder (..); only-evil.zip: it holds no other file the import reads "
                                        "(.jsonl, .csv, .md, .markdown, .html, .htm, .docx, .pdf)")
    assert not (data / "uploads/current/zips/only-evil").exists()


def test_bad_uploads_are_refused_with_a_reason(site, lee):
    def refusal(**request) -> tuple[int, str]:
        response = lee.post("/api/imports", **request)
        return response.status_code, response.json()["detail"]

    assert refusal(files=[("files", ("photo.png", BINARY))]) == (
        422, ("nothing to import: photo.png: not a type the import reads (.png); it reads .zip, .jsonl, .csv, .md, "
              ".markdown, .html, .htm, .docx, .pdf"))
    assert refusal(files=[("files", ("handbook.zip", b"PK not really"))])[1].startswith(
        "nothing to import: handbook.zip: not a zip file, or a damaged one")
    assert refusal(files=[("files", ("pictures.zip", zip_of({"a.png": BINARY})))])[1].startswith(
        "nothing to import: pictures.zip: it holds no file the import reads")
    assert refusal(data={"files": "not a file"})[0] == 422
    assert refusal(json={"files": []})[0] == 422
    assert lee.get("/api/imports/999999").status_code == 404


def test_only_lnd_imports(site):
    for name in ("ana", "bo"):
        with as_user(site, name) as api, closing(signed_in_http(site, name)) as browser_like:
            assert api.post("/api/imports", files=[("files", ("a.md", b"# A"))]).status_code == 403
            assert api.get("/api/imports").status_code == 403
            assert api.get("/api/imports/1").status_code == 403
            assert browser_like.get("/lnd/import").status_code == 403
            assert browser_like.post("/lnd/import", files=[("files", ("a.md", b"# A"))]).status_code == 403
    with closing(signed_in_http(site, "lee")) as lee:
        assert 'href="/lnd/import"' in lee.get("/lnd").text  # in L&D's navigation


def test_the_form_needs_its_csrf_token_and_names_are_escaped(site, lee):
    name = "<img src=x onerror=alert(1)>.md"
    with closing(signed_in_http(site, "lee")) as browser_like:
        token = browser_like.headers.pop("X-CSRF-Token")  # a page without JavaScript sends the form field only
        files = [("files", (name, b"# Escaping\n\nNames are shown as text."))]
        assert browser_like.post("/lnd/import", files=files).status_code == 403
        posted = browser_like.post("/lnd/import", files=files, data={"csrf_token": token})
        assert posted.status_code == 303
        run_id = int(posted.headers["location"].rsplit("/", 1)[1])
        assert counts(finished(lee, run_id)) == (1, 0, 0, 0, 0)
        page = browser_like.get(f"/lnd/import/{run_id}").text
    assert "&lt;img src=x onerror=alert(1)&gt;.md" in page and "<img src=x" not in page


def test_one_run_at_a_time_and_a_run_left_by_a_stopped_server_shows_interrupted(site, lee):
    store = site.services.store
    running = store.start_import_run("elena", ["big.zip"], False, site.services.worker)
    try:
        refused = lee.post("/api/imports", files=[("files", ("a.md", b"# A"))])
        assert refused.status_code == 409 and refused.json()["detail"].startswith(
            f"import {running} is running (started by elena at ")
        with closing(signed_in_http(site, "lee")) as browser_like:
            page = browser_like.post("/lnd/import", files=[("files", ("a.md", b"# A"))])
            assert page.status_code == 409 and f"Import {running} is running" in page.text
            shown = browser_like.get("/lnd/import")
            assert f'hx-get="/lnd/import/{running}" hx-trigger="every 1s"' in shown.text
    finally:
        store.finish_import_run(running, "failed", failure="ended by the test")
    left = store.start_import_run("elena", ["big.zip"], False, "a-server-that-stopped")
    staged = site.services.settings.data / f"uploads/run-{left}/zips/big/page.md"
    staged.parent.mkdir(parents=True)
    staged.write_text("# Half imported")
    assert lee.get(f"/api/imports/{left}").json()["status"] == "interrupted"
    assert not staged.parent.parent.parent.exists()  # its staged upload goes with it
    with closing(signed_in_http(site, "lee")) as browser_like:
        assert "The server stopped while this import ran" in browser_like.get(f"/lnd/import/{left}").text


def test_the_page_uploads_and_follows_a_run_in_the_browser(tab_as, site, tmp_path):
    page = tab_as("lee").go("/lnd/import")
    file = tmp_path / "printing.md"
    file.write_text("# Printing\n\nSend to the printer PRN-3 from the print server.\n", encoding="utf-8")
    page.set_input_files("#files", str(file))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/lnd/import/\d+$"))
    expect(page.locator("#import-counts")).to_contain_text("1 new")
    page.get_by_role("link", name="Printing").click()
    page.wait_for_url(re.compile(r"/content/"))

    # A run in progress: the region follows it without a reload, and stops asking once it is done.
    store = site.services.store
    run_id = store.start_import_run("lee", ["wiki.zip"], False, site.services.worker)
    summary = {"new": 40, "changed": 0, "unchanged": 0, "removed": 0, "skipped": 0, "people": 0, "content": 40,
               "deleted_people": 0, "deleted_content": 0, "items": [], "errors": [], "warnings": [], "ignored": {}}
    try:
        store.import_progress(run_id, "chunks", 100, 512)
        page = tab_as("lee").go(f"/lnd/import/{run_id}")
        expect(page.locator("#import-run")).to_contain_text("Embedding passages: 100 of 512")
    finally:
        store.finish_import_run(run_id, "done", summary)
    expect(page.locator("#import-counts")).to_contain_text("40 new")
    expect(page.locator("#import-run[hx-trigger]")).to_have_count(0)


def test_an_upload_is_bounded_before_it_is_written(tmp_path):
    """Unit checks of the staging step: a zip bomb, files over the import's limit, a link, a damaged entry."""
    from indexer.uploads import Upload, stage

    bomb = zip_of({f"page{i}.md": b"0" * 400_000 for i in range(3)})  # 1.2 MB that packs into a few kB
    assert len(bomb) < 10_000
    staged = stage([Upload("bomb.zip", io.BytesIO(bomb))], tmp_path / "bomb", 1_000_000, 1_000_000)
    refusal = "the upload unpacks to more than 1.0 MB (KNOWHOW_MAX_UNPACKED_BYTES); upload it in parts"
    assert (staged.parts, staged.skipped) == ({}, [("bomb.zip", refusal)])
    assert not any((tmp_path / "bomb").rglob("*.md"))

    link = zipfile.ZipInfo("link.md")
    link.external_attr = 0o120777 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("big.md", b"x" * 2000)
        archive.writestr(link, "/etc/passwd")
        archive.writestr("ok.md", b"# Fine")
        archive.writestr("damaged.md", b"# Damaged")
    damaged = buffer.getvalue().replace(b"# Damaged", b"# Dam4ged")  # stored uncompressed: its CRC no longer holds
    staged = stage([Upload("mixed.zip", io.BytesIO(damaged)), Upload("large.md", io.BytesIO(b"y" * 2000))],
                   tmp_path / "mixed", 1000, 1_000_000)
    assert staged.parts == {"zips/mixed": "mixed.zip"}
    assert staged.skipped == [
        ("mixed.zip/big.md", "2.0 kB, over the import limit of 1.0 kB (KNOWHOW_MAX_IMPORT_FILE_BYTES)"),
        ("mixed.zip/link.md", "a symbolic link: only files are unpacked"),
        ("mixed.zip/damaged.md", "cannot be unpacked: Bad CRC-32 for file 'damaged.md'"),
        ("large.md", "2.0 kB, over the import limit of 1.0 kB (KNOWHOW_MAX_IMPORT_FILE_BYTES)"),
    ]
    assert sorted(p.name for p in (tmp_path / "mixed").rglob("*") if p.is_file()) == ["ok.md"]
