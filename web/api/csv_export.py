"""Tables as CSV downloads: every L&D list can leave the tool for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

from fastapi.responses import Response


def _cell(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    text = "" if value is None else str(value)
    # A leading = + - @ makes spreadsheets evaluate the cell; user text must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def named(rows: list[dict], names: dict[str, str], keys: tuple[str, ...]) -> list[dict]:
    """Rows whose person-id columns (`keys`) show the person's name, the id moving to `<key>_id` beside
    it: a spreadsheet is read by people, and joined by ids. An id nobody has (a deleted person, an
    account without one) stays as it is."""
    out = []
    for row in rows:
        row = dict(row)
        for key in keys:
            if key in row:
                pid = row[key]
                row[key] = names.get(pid, pid) if pid else pid
                row[f"{key}_id"] = pid
        out.append(row)
    return out


def csv_response(rows: list[dict], filename: str) -> Response:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return Response(
        buffer.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
