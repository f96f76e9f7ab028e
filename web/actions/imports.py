"""Importing uploaded files from the web (L&D only): the upload is checked and written into a folder of its own
run, then imported in the background while anyone in L&D can watch where it stands. The run's state lives in
the database, so a reload, a colleague or a restarted server sees it.

One run at a time, whoever starts it: a second start while one runs is refused (ConflictError) rather than
queued. A run takes seconds to minutes; a queue would hold every waiting upload on disk, and two people in L&D
queueing the same zip would import it twice, where a refusal shows them the run already going.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from indexer.folder_import import FolderReport, import_paths
from indexer.uploads import Staged, Upload, as_uploaded, place, remove, stage
from models.errors import ConflictError, InvalidInputError, NotFoundError
from models.store import Store
from web.actions.policy import require_lnd
from web.auth import Viewer
from web.services import Services

log = logging.getLogger("knowhow.imports")
RECENT = 20
PROGRESS_SECONDS = 0.5  # how often a run's counts are written as it goes (a page polls every second)
DOING = "imports files"


def uploads_folder(services: Services) -> Path:
    return services.settings.data / "uploads"


def runs(services: Services, viewer: Viewer, limit: int = RECENT) -> list[dict]:
    """The latest import runs, newest first."""
    require_lnd(viewer, DOING)
    _settle(services)
    return services.store.import_runs(limit)


def run(services: Services, viewer: Viewer, run_id: int) -> dict:
    require_lnd(viewer, DOING)
    _settle(services)
    found = services.store.import_run(run_id)
    if found is None:
        raise NotFoundError(f"there is no import run {run_id}")
    return found


def start(services: Services, viewer: Viewer, uploads: list[Upload], delete_missing: bool = False,
          ip: str | None = None) -> dict:
    """Check and write the upload (files and zips, unpacked safely), record the run and import it in the
    background; returns the run as it starts. What cannot be taken (a type the import does not read, a path
    out of a zip, a file over the limit) is left out with its reason; an upload with nothing left to import is
    refused. With `delete_missing`, items whose file is no longer in a zip uploaded again are removed."""
    require_lnd(viewer, DOING)
    _settle(services)
    _refuse_while_running(services)
    settings = services.settings
    folder = uploads_folder(services)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="incoming-", dir=folder))
    try:
        staged = stage(uploads, staging, settings.max_import_file_bytes, settings.max_unpacked_bytes)
        if not staged.parts:
            raise InvalidInputError(_nothing_to_import(staged), field="files")
        run_id = services.store.start_import_run(viewer.username, staged.names, delete_missing, services.worker)
        staged.folder = folder / f"run-{run_id}"
        os.replace(staging, staged.folder)
    except BaseException:
        remove(staging)
        raise
    services.store.audit(viewer.username, "import_started", str(run_id), ", ".join(staged.names), ip)
    threading.Thread(target=_import, args=(services, run_id, staged, delete_missing), name=f"import-{run_id}",
                     daemon=True).start()
    return services.store.import_run(run_id)


def _settle(services: Services) -> None:
    """A run another server process left running (it stopped mid-run) is interrupted; its staged upload goes."""
    left = services.store.interrupt_import_run(services.worker, services.worker_alive)
    if left is not None:
        remove(uploads_folder(services) / f"run-{left}")


def _refuse_while_running(services: Services) -> None:
    running = services.store.running_import_run()
    if running is not None:
        raise ConflictError(f"import {running['id']} is running (started by {running['started_by'] or 'someone'} "
                            f"at {running['started'][:16].replace('T', ' ')} UTC: {', '.join(running['uploads'])}); "
                            "wait until it is done, then upload again")


def _nothing_to_import(staged: Staged) -> str:
    if not staged.skipped:
        return "choose the files or a zip to upload"
    reasons = "; ".join(f"{name}: {reason}" for name, reason in staged.skipped[:5])
    return f"nothing to import: {reasons}"


def _import(services: Services, run_id: int, staged: Staged, delete_missing: bool) -> None:
    """The background part: the staged files take their place among earlier uploads, and are imported from
    there, the counts recorded as they go. A failure is recorded with its reason, never left as running."""
    store = services.store
    status, summary, failure = "done", None, None
    try:
        placed = place(staged, uploads_folder(services) / "current")
        report = import_paths(services.indexer, list(placed), delete_missing, _Recorder(store, run_id))
        summary = _summary(services, report, staged, placed)
    except Exception as exc:  # a run that fails says why on its page, not only in a log
        log.exception("import run %s failed", run_id)
        status, failure = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        remove(staged.folder)  # before the run is said to be over: whoever sees it over finds the folder gone
        store.finish_import_run(run_id, status, summary, failure)
        store.close()  # this thread's connection


class _Recorder:
    """The import's progress callback: the stage and its counts into the run's row, at most twice a second
    (and always at a stage's start and end)."""

    def __init__(self, store: Store, run_id: int):
        self.store, self.run_id, self.stage, self.at = store, run_id, None, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and 0 < done < total and now - self.at < PROGRESS_SECONDS:
            return
        self.stage, self.at = stage, now
        self.store.import_progress(self.run_id, stage, done, total)


def _summary(services: Services, report: FolderReport, staged: Staged, placed: dict[Path, str]) -> dict:
    """What the run did, with every file named as it was uploaded: the counts, each new or changed file with
    its item, what was skipped and why (upload checks first), bad lines, warnings, types ignored."""
    shown = as_uploaded(placed)
    items = [cid for _, _, cid in report.imported if cid]
    titles = {cid: row["title"] for cid, row in services.store.content_by_ids(items).items()}
    errors = [{"file": name, "line": 0, "reason": reason} for name, reason in staged.skipped]
    errors += [{"file": shown(e.file), "line": e.line, "reason": e.reason} for e in report.errors]
    return {
        "new": report.new, "changed": report.changed, "unchanged": report.unchanged, "removed": report.removed,
        "skipped": report.skipped + len(staged.skipped), "people": report.people, "content": report.content,
        "deleted_people": report.deleted_people, "deleted_content": report.deleted_content,
        "items": [{"file": shown(file), "outcome": outcome, "id": cid, "title": titles.get(cid)}
                  for file, outcome, cid in report.imported],
        "errors": errors, "warnings": [shown(w) for w in report.warnings],
        "ignored": dict(sorted((report.ignored + staged.ignored).items())),
    }
