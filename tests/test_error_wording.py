"""A 422 says in words what is wrong: which field, what it must be and what it is for; the `errors` list
keeps Pydantic's own entries for programs. Over HTTP against the real app."""

from __future__ import annotations

import pytest

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "method, path, kwargs, detail",
    [
        ("post", "/api/content", {"content": b'{\n  "title": "VPN",\n  "body": }', "headers": JSON},
         "the body is not valid JSON at line 3, column 11: expecting value"),
        ("post", "/api/content", {"content": b"{not json", "headers": JSON},
         "the body is not valid JSON at line 1, column 2: expecting property name enclosed in double quotes"),
        ("post", "/api/content", {"content": b"", "headers": JSON}, "the request needs a body: a JSON object"),
        ("post", "/api/content", {"json": ["a", "list"]},
         'the body must be a JSON object, e.g. {"title": "..."}, not a list or a single value'),
        ("post", "/api/content", {"json": {"title": "no body"}}, "`body` is required: the item's text, in Markdown"),
        ("post", "/api/content", {"json": {"body": "no title"}},
         "`title` is required: the item's title: what it helps with"),
        ("post", "/api/people", {"json": {}}, "`name` is required: the person's full name, as colleagues know it"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "official": "maybe"}},
         "`official` must be true or false"),
        ("post", "/api/content", {"json": {"title": "t" * 501, "body": "b"}}, "`title` is too long: at most 500 characters"),
        ("post", "/api/content", {"json": {"title": " ", "body": "b"}}, "`title` must not be empty"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "tags": "vpn"}},
         '`tags` must be a list, e.g. ["a", "b"]'),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "tags": ["vpn", 7]}},
         "`tags[1]` must be text (a string)"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "authors": ["p"] * 51}},
         "`authors` has too many items: at most 50 (it has 51)"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "status": "gone"}},
         "`status` must be one of 'current', 'needs_review' or 'archived'"),
        ("post", "/api/content", {"json": {"title": "t", "body": "b", "created": "yesterday"}},
         "`created` must be a date and time, e.g. 2025-03-01T09:00:00Z (or a date, 2025-03-01)"),
        ("post", "/api/content", {"json": {"id": "c 1", "title": "t", "body": "b"}},
         "`id` must be an id: up to 128 letters, digits and _ . : @ -, starting with a letter or digit (no spaces)"),
        ("post", "/api/content", {"json": {"id": "c1", "title": "t", "body": "b", "replaced_by": "c1"}},
         "an item cannot be replaced by itself"),
        ("patch", "/api/content/c1", {"json": {"titel": "VPN"}}, "`titel` is not a field here (did you mean `title`?)"),
        ("patch", "/api/people/p1", {"json": {"colour": "red"}},
         "`colour` is not a field here (the fields are `name`, `email`, `title`, `team`, `location`, `bio`, "
         "`skills`, `mentor`)"),
        ("post", "/api/users", {"json": {"username": "two words"}}, "`username` must not contain spaces"),
        ("put", "/api/content/c1/rating", {"json": {"stars": 2.5}}, "`stars` must be a whole number"),
        ("post", "/api/feedback", {"json": {"query_id": "q"}}, "`helpful` is required: whether the result (or the "
         "search) helped"),
        ("get", "/api/search", {"params": {"q": "vpn", "k": 101}}, "`k` must be at most 100"),
        ("get", "/api/content", {"params": {"sort": "best"}},
         "`sort` must be one of newest, updated, oldest, helpful, title or views"),
        ("get", "/api/content", {"params": {"limit": "all", "offset": -1}},
         "`limit` must be a whole number; `offset` must be at least 0"),
    ],
)
def test_a_422_says_what_is_wrong_in_words(http, method, path, kwargs, detail):
    response = getattr(http, method)(path, **kwargs)
    assert (response.status_code, response.json()["detail"]) == (422, detail)


def test_the_errors_list_keeps_pydantic_entries(http):
    response = http.post("/api/content", content=b'{"title": "t",\n "body": x}', headers=JSON)
    assert response.json() == {
        "detail": "the body is not valid JSON at line 2, column 10: expecting value",
        "errors": [{"loc": ["body", 24], "msg": "JSON decode error", "type": "json_invalid"}],
    }
    response = http.post("/api/content", json={"title": "t", "official": "maybe"})
    assert response.json() == {
        "detail": "`body` is required: the item's text, in Markdown; `official` must be true or false",
        "errors": [
            {"loc": ["body", "body"], "msg": "Field required", "type": "missing"},
            {"loc": ["body", "official"], "msg": "Input should be a valid boolean, unable to interpret input",
             "type": "bool_parsing"},
        ],
    }


def test_a_page_says_it_in_words_too_and_escapes_the_input(http):
    page = http.get("/browse", params={"page": "<b>two</b>"})
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "Something in the address is not right: “page” must be a whole number." in page.text
    assert "<b>two</b>" not in page.text
