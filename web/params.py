"""Path, query and upload parameters shared by the JSON API and the pages, bounded so no value reaches the
store that it cannot hold (an id past SQLite's 64-bit integers, a date whose window leaves the calendar)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import File, Form, Path, Query, UploadFile

from indexer.uploads import ACCEPTED, Upload
from models.records import ID_PATTERN

MAX_ROW_ID = 2**62
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9000, 12, 31)
MAX_PAGE = 1_000_000

ContentId = Annotated[str, Path(pattern=ID_PATTERN, description="A content item's id.")]
PersonId = Annotated[str, Path(pattern=ID_PATTERN, description="A person's id.")]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Since = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="first day (default: 90 days ago)")]
Until = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY,
                                      description="last day, inclusive (default: today)")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]

UploadedFiles = Annotated[list[UploadFile], File(description=f"The files to import ({', '.join(ACCEPTED)}); a zip "
                                                              "is unpacked, and known by its name on the next upload.")]
DeleteMissing = Annotated[bool, Form(description="Remove the items whose file is no longer in a zip uploaded again "
                                                 "(people are never removed).")]


def as_uploads(files: list[UploadFile]) -> list[Upload]:
    return [Upload(file.filename or "", file.file) for file in files]
