"""Uploaded files (documents, people CSVs, JSON Lines, zips of folders of them) into a folder, safely: nothing is
written outside it (no `..`, absolute paths or links from a zip), no file over the import's size limit is
written, and what an upload unpacks to is bounded as a whole, so a zip bomb is refused before a byte of it is
written. Then `place` moves them where uploads are imported from, one location per upload name."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from indexer.folder_import import over_limit, size_text
from indexer.sources.walk import KINDS

ZIP = ".zip"
ACCEPTED = (ZIP, *KINDS)  # what an upload may be
# A wiki export of thousands of pages with their attachments fits; a zip of a million empty entries is an attack.
MAX_ZIP_ENTRIES = 50_000
# Where in the upload folder each part lies: zips unpacked under their name, loose files side by side.
ZIPS, FILES = "zips", "files"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CHUNK = 1 << 20


class UploadError(Exception):
    """An upload, or a file in a zip, that is not written, with why in one line."""


@dataclass
class Upload:
    name: str  # as the browser sent it (some send a whole path)
    file: BinaryIO


@dataclass
class Staged:
    """What an upload wrote into its folder: the parts to import, each with the name its uploader knows it by,
    and what was left out, with why."""

    folder: Path
    names: list[str] = field(default_factory=list)  # every upload, as named
    parts: dict[str, str] = field(default_factory=dict)  # zips/NAME (a folder) or files/NAME -> NAME.zip or NAME
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name as uploaded, reason)
    ignored: Counter = field(default_factory=Counter)  # suffix -> files in zips of types the import does not read


class _Budget:
    """What the whole upload may still unpack to."""

    def __init__(self, limit: int):
        self.limit, self.left = limit, limit

    def check(self, size: int) -> None:
        if size > self.left:
            raise UploadError(f"the upload unpacks to more than {size_text(self.limit)} "
                              "(KNOWHOW_MAX_UNPACKED_BYTES); upload it in parts")

    def take(self, size: int) -> None:
        self.check(size)
        self.left -= size


def stage(uploads: list[Upload], folder: Path, file_limit: int, total_limit: int) -> Staged:
    """Write the uploads into `folder` (new or empty): each zip unpacked into zips/NAME, each other file into
    files/NAME. An upload or a zipped file that cannot be taken is left out with its reason; the rest is written."""
    staged, budget = Staged(folder), _Budget(total_limit)
    for upload in uploads:
        name = upload_name(upload.name)
        shown = name or upload.name or "(a file without a name)"
        staged.names.append(shown)
        try:
            if name is None:
                raise UploadError("the file has no usable name")
            stem, suffix = os.path.splitext(name)
            suffix = suffix.lower()
            if suffix not in ACCEPTED:
                raise UploadError(f"not a type the import reads ({suffix or 'no suffix'}); it reads "
                                  f"{', '.join(ACCEPTED)}")
            part = f"{ZIPS}/{stem}" if suffix == ZIP else f"{FILES}/{name}"
            if part in staged.parts:
                raise UploadError(f"uploaded twice: {staged.parts[part]} is imported")
            if suffix == ZIP:
                _unzip(upload.file, folder / part, name, file_limit, budget, staged)
            else:
                _copy(upload.file, folder / part, file_limit, budget, _size_of(upload.file))
        except UploadError as exc:
            staged.skipped.append((shown, str(exc)))
            continue
        staged.parts[part] = name
    return staged


def upload_name(sent: str) -> str | None:
    """The file name of an upload without any folder a browser sent with it; None when nothing usable is left
    (empty, hidden, control characters, longer than a file name may be)."""
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name.startswith(".") or _CONTROL.search(name) or len(name.encode()) > 200:
        return None
    return name


def _size_of(file: BinaryIO) -> int | None:
    if not file.seekable():
        return None
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    return size


def _copy(source: BinaryIO, target: Path, file_limit: int, budget: _Budget, size: int | None) -> None:
    """Copy the file, counting its bytes against the upload's budget; one over the import's limit (by the size
    it says it has, or the bytes it turns out to hold) is not kept, nor one holding more than it says."""
    if size is not None:
        if size > file_limit:
            raise UploadError(over_limit(size, file_limit))
        budget.check(size)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(target, "xb") as out:  # a second file of one name is refused, not written over
        try:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > file_limit:
                    raise UploadError(over_limit(written, file_limit))
                if size is not None and written > size:
                    raise UploadError("it holds more than it says: a damaged or forged file")
                budget.take(len(chunk))
                out.write(chunk)
        except BaseException:  # a damaged zip fails mid-file: half a file is never imported
            out.close()
            target.unlink(missing_ok=True)
            raise


def _unzip(source: BinaryIO, root: Path, zip_name: str, file_limit: int, budget: _Budget, staged: Staged) -> None:
    """Unpack the files the import reads into `root`. The zip's directory is checked first: too many entries,
    or more bytes than the upload may still unpack to, refuse the whole zip before anything is written."""
    try:
        archive = zipfile.ZipFile(source)
    except Exception as exc:  # noqa: BLE001 (a damaged zip fails in half a dozen ways: BadZipFile, struct.error...)
        raise UploadError(f"not a zip file, or a damaged one ({exc})") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UploadError(f"it holds {len(entries):,} entries, more than the {MAX_ZIP_ENTRIES:,} an upload may")
        wanted, refused, ignored = [], [], Counter()
        for info in entries:
            path, reason = _entry_path(info, file_limit)
            if reason:
                refused.append((f"{zip_name}/{info.filename}", reason))
            elif path and PurePosixPath(path).suffix.lower() in KINDS:
                wanted.append((info, path))
            elif path:
                ignored[PurePosixPath(path).suffix.lower() or "(no suffix)"] += 1
        if not wanted:
            staged.skipped += refused
            raise UploadError(f"it holds no {'other ' if refused else ''}file the import reads ({', '.join(KINDS)})")
        budget.check(sum(info.file_size for info, _ in wanted))  # the zip as a whole, before anything is written
        staged.skipped += refused
        staged.ignored += ignored
        for info, path in wanted:
            try:
                target = _inside(root, path)
                with archive.open(info) as member:
                    _copy(member, target, file_limit, budget, info.file_size)
            except FileExistsError:
                staged.skipped.append((f"{zip_name}/{path}", "the zip holds it twice: the first one is imported"))
            except Exception as exc:  # noqa: BLE001 (a bad CRC, a broken stream, an unknown compression...)
                reason = str(exc) if isinstance(exc, UploadError) else f"cannot be unpacked: {exc}"
                staged.skipped.append((f"{zip_name}/{path}", reason))


def _entry_path(info: zipfile.ZipInfo, file_limit: int) -> tuple[str | None, str | None]:
    """(the path to unpack a zip entry to, or None to pass over it quietly; why it is refused, or None).
    Folders, hidden files and macOS resource forks are passed over, as a folder import passes them over."""
    raw = info.filename.replace("\\", "/")
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        return None, "an absolute path: only paths inside the zip are unpacked"
    if ".." in parts:
        return None, "its path leads out of the zip's folder (..)"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return None, "a symbolic link: only files are unpacked"
    if info.is_dir() or not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None, None
    if _CONTROL.search(raw):
        return None, "its name holds control characters"
    if info.flag_bits & 0x1:
        return None, "encrypted: Knowhow cannot read it"
    if info.file_size > file_limit:
        return None, over_limit(info.file_size, file_limit)
    return "/".join(parts), None


def _inside(root: Path, path: str) -> Path:
    """`root/path`, checked once more to lie inside `root` (the entry's path was already checked)."""
    target = root.joinpath(*path.split("/"))
    if os.path.commonpath([root.resolve(), target.resolve()]) != str(root.resolve()):
        raise UploadError("its path leads out of the zip's folder")
    return target


def place(staged: Staged, current: Path) -> dict[Path, str]:
    """Move the staged parts into `current`, the folder uploads are imported from, each replacing what an
    earlier upload of the same name put there (a zip replaces its whole folder). So every upload of a file
    name lands at one location, which is what a re-run knows a file by: an unchanged file is skipped, a
    changed one updates its item, and a file gone from a zip is missing (for `delete_missing`).
    Returns each placed path with its name as uploaded."""
    placed = {}
    for part, name in staged.parts.items():
        source, target = staged.folder / part, current / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            old = staged.folder / "replaced" / part  # removed with the staging folder
            old.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, old)
        os.replace(source, target)
        placed[target] = name
    return placed


def as_uploaded(placed: dict[Path, str]) -> Callable[[str], str]:
    """Rewrites a path an import reports (alone or opening a message) as its uploader knows it:
    `.../zips/handbook/vpn/setup.md` as `handbook.zip/vpn/setup.md`, never the server's folders."""
    prefixes = sorted(((str(path), name) for path, name in placed.items()), key=lambda pair: -len(pair[0]))

    def rename(text: str) -> str:
        for prefix, name in prefixes:
            if text.startswith(prefix) and text[len(prefix):len(prefix) + 1] in ("", "/", ":"):
                return name + text[len(prefix):]
        return text

    return rename


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
