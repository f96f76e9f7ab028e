"""Online backup and restore of a data folder: SQLite's backup API for the database (consistent while
the service writes) plus the index files, which are only a cache and are repaired on start if torn."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from models.errors import InvalidInputError
from models.migrations import schema_version
from models.settings import Settings
from models.store import Store

MANIFEST = "knowhow-backup.json"


def backup(settings: Settings, target: Path) -> dict:
    """Write a backup of the data folder into `target` (which must be empty or absent)."""
    if not settings.db_path.exists():
        raise InvalidInputError(f"nothing to back up: no database in {settings.data}")
    if target.exists() and any(target.iterdir()):
        raise InvalidInputError(f"backup folder {target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    store = Store(settings.db_path)
    try:
        store.backup_to(target / settings.db_path.name)
    finally:
        store.close()
    counts = _counts(target / settings.db_path.name)
    if settings.index_dir.exists():
        shutil.copytree(settings.index_dir, target / settings.index_dir.name)
    manifest = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "schema_version": schema_version(), "source": str(settings.data), "counts": counts}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _counts(copy: Path) -> dict[str, int]:
    """The manifest's counts, from the copy itself: the live database may have changed since."""
    store = Store(copy)
    try:
        return store.stats()
    finally:
        store.close()


def restore(settings: Settings, source: Path) -> dict:
    """Replace the data folder's database and index with a backup's; the current ones are kept aside."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise InvalidInputError(f"{source} is not a Knowhow backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    settings.data.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = settings.data / f"before-restore-{stamp}"
    for path in (settings.db_path, settings.db_path.with_name(settings.db_path.name + "-wal"),
                 settings.db_path.with_name(settings.db_path.name + "-shm"), settings.index_dir):
        if path.exists():
            aside.mkdir(exist_ok=True)
            shutil.move(str(path), aside / path.name)
    shutil.copy2(source / settings.db_path.name, settings.db_path)
    if (source / settings.index_dir.name).exists():
        shutil.copytree(source / settings.index_dir.name, settings.index_dir)
    Store(settings.db_path).close()  # opening applies any newer migrations
    return {**manifest, "previous_data_kept_in": str(aside) if aside.exists() else None}
