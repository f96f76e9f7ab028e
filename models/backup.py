"""Online backup and restore of a data folder: SQLite's backup API for the database (consistent while
the service writes) plus the index files, which are only a cache and are repaired on start if torn.
And the data folder's lock: servers share it, a restore needs it alone."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from models.engines import POSTGRES_BACKUPS
from models.errors import ConflictError, InvalidInputError
from models.migrations import schema_version
from models.settings import Settings
from models.store import Store

MANIFEST = "knowhow-backup.json"
LOCK = "knowhow.lock"


@contextmanager
def data_lock(settings: Settings, exclusive: bool) -> Iterator[None]:
    """Hold the data folder's lock file (with this process's id in it) while the block runs: `knowhow serve`
    holds it shared, a restore alone (`exclusive`), so a restore cannot swap the database under a running
    server, which would go on writing into the moved-aside copy. The lock is an flock(2) the kernel drops
    when its holder dies: a lock file left by a killed server (a dead pid) is ignored, and no pid reuse can
    make a stale file look held."""
    settings.data.mkdir(parents=True, exist_ok=True)
    path = settings.data / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise ConflictError(f"a Knowhow {'server' if exclusive else 'restore'} (pid {holder}) is using "
                                f"{settings.data}; stop it first (lock file {path})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def backup(settings: Settings, target: Path) -> dict:
    """Write a backup of the data folder into `target` (which must be empty or absent)."""
    _embedded_only(settings)
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
    manifest = {"created": datetime.now(UTC).isoformat(timespec="seconds"),
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
    """Replace the data folder's database and index with a backup's, refused while a server uses the folder.
    The current ones are kept aside in a folder next to the data folder (DATA-before-restore-STAMP), not in
    it: a later backup or restore of the folder must not carry old copies along."""
    _embedded_only(settings)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise InvalidInputError(f"{source} is not a Knowhow backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    with data_lock(settings, exclusive=True):
        aside = _aside(settings.data)
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


def _embedded_only(settings: Settings) -> None:
    """Backups copy the data folder's SQLite file; a PostgreSQL store has its own tools for that."""
    if not settings.embedded:
        raise InvalidInputError(POSTGRES_BACKUPS)


def _aside(data: Path) -> Path:
    data = data.resolve()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside, n = data.with_name(f"{data.name}-before-restore-{stamp}"), 1
    while aside.exists():  # two restores in one second
        n += 1
        aside = data.with_name(f"{data.name}-before-restore-{stamp}-{n}")
    return aside
