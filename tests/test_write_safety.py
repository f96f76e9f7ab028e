"""An over-limit body is refused with 413 however it is sent."""

from __future__ import annotations

THREE_MB = 3_000_000  # over the default 2,000,000-byte request limit


def _json_body(size: int):
    """A content item of about `size` bytes, sent in pieces without a Content-Length (chunked)."""
    yield b'{"title": "Big", "body": "'
    for _ in range(size // 65536):
        yield b"a" * 65536
    yield b'"}'


def _form_body(size: int):
    yield b"username=ana&password="
    for _ in range(size // 65536):
        yield b"a" * 65536


def test_a_chunked_body_over_the_limit_gets_413_with_a_json_reason(http):
    too_big = http.put("/api/content/c-big", content=_json_body(THREE_MB), headers={"content-type": "application/json"})
    assert (too_big.status_code, too_big.json()) == (413, {"detail": "request body larger than 2,000,000 bytes"})
    form = http.post("/login", content=_form_body(THREE_MB),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert (form.status_code, form.json()) == (413, {"detail": "request body larger than 2,000,000 bytes"})
    assert http.get("/api/content/c-big").status_code == 404


def test_a_chunked_body_under_the_limit_is_read_whole(http):
    fits = http.put("/api/content/c-fits", content=_json_body(300_000), headers={"content-type": "application/json"})
    assert fits.status_code == 201, fits.text
    assert len(fits.json()["body"]) == 300_000 // 65536 * 65536
