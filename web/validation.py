"""Pydantic's and FastAPI's validation errors in words a person can act on: which field, what is wrong
with it, and what it is for (the field's description from the schema), instead of "Field required"."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Sequence
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from models.records import ID_PATTERN

SOURCES = ("body", "query", "path", "header", "cookie")
_CHOICES = re.compile(r"^\^\(([\w|-]+)\)\$$")  # a pattern that only lists words: ^(newest|updated)$


def backticks(name: str) -> str:
    return f"`{name}`"


def describe(error: dict, request: Request | None = None, raw_body: Any = None,
             quote: Callable[[str], str] = backticks, sourced: bool = True) -> str:
    """One sentence for one error of `exc.errors()`; `request` finds the route's schema (for what a field
    is for, and which fields there are), `raw_body` the line and column of a JSON syntax error.
    `sourced`: the location starts with where the value came from (FastAPI's errors; a record's do not,
    and there `body` is an item's field)."""
    kind, ctx, loc = error.get("type", ""), error.get("ctx") or {}, list(error.get("loc", ()))
    source = loc.pop(0) if sourced and loc and loc[0] in SOURCES else None
    if kind == "json_invalid":
        return _json_error(loc, ctx, raw_body)
    name = quote(_dotted(loc)) if loc else None
    if name is None and source == "body":
        return _whole_body(kind, error["msg"])
    info = _field_info(request, source, loc)
    if kind == "missing":
        what = _what_it_is(info)
        return f"{name or 'a value'} is required" + (f": {what}" if what else "")
    if kind == "extra_forbidden":
        return f"{name} is not a field here" + _suggest(str(loc[-1]), _fields_of(request, source, loc[:-1]), quote)
    sentence = _sentence(kind, ctx, info)
    if sentence:
        return f"{name or 'the value'} {sentence}"
    message = _plain(error.get("msg", "is not valid"))
    return f"{name}: {message}" if name else message


def _sentence(kind: str, ctx: dict, info: FieldInfo | None) -> str | None:
    """What the value must be, to follow the field's name; None: Pydantic's own words are the best ones."""
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return "must be a number"
    if kind == "string_type":
        return "must be text (a string)"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "must be a list, e.g. [\"a\", \"b\"]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be an object, e.g. {\"name\": \"value\"}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must be at least {least} characters long"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item{'' if ctx.get('min_length') == 1 else 's'}"
    if kind == "too_long":
        return f"has too many items: at most {ctx.get('max_length')} (it has {ctx.get('actual_length')})"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
                 "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}[kind]
        return f"must be {words[0]} {ctx.get(words[1])}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return _pattern(str(ctx.get("pattern", "")))
    if kind.startswith(("datetime_", "date_")) and kind not in ("datetime_past", "datetime_future"):
        return "must be a date and time, e.g. 2025-03-01T09:00:00Z (or a date, 2025-03-01)"
    return None


def _pattern(pattern: str) -> str:
    if pattern == ID_PATTERN:
        return ("must be an id: up to 128 letters, digits and _ . : @ -, starting with a letter or digit "
                "(no spaces)")
    if pattern in (r"^[^\s]+$", r"^\S+$"):
        return "must not contain spaces"
    choices = _CHOICES.match(pattern)
    if choices:
        words = choices.group(1).split("|")
        return "must be one of " + (", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0])
    return f"does not have the expected form ({pattern})"


def _json_error(loc: list, ctx: dict, raw_body: Any) -> str:
    """FastAPI gives the character position; people count lines and columns, as their editor does."""
    reason = _plain(str(ctx.get("error", "")))
    position = loc[0] if loc and isinstance(loc[0], int) else None
    if isinstance(raw_body, bytes):
        raw_body = raw_body.decode("utf-8", "replace")
    if position is None or not isinstance(raw_body, str):
        return "the body is not valid JSON" + (f": {reason}" if reason else "")
    if not raw_body.strip():
        return "the body is empty: send a JSON object"
    line = raw_body.count("\n", 0, position) + 1
    column = position - (raw_body.rfind("\n", 0, position) + 1) + 1
    return f"the body is not valid JSON at line {line}, column {column}" + (f": {reason}" if reason else "")


def _whole_body(kind: str, message: str) -> str:
    if kind == "missing":
        return "the request needs a body: a JSON object"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "the body must be a JSON object, e.g. {\"title\": \"...\"}, not a list or a single value"
    return _plain(message)  # a rule about the record as a whole, e.g. "an item cannot be replaced by itself"


def _plain(message: str) -> str:
    """Pydantic's message as the tail of a sentence: 'Value error, x' is x; lower case first."""
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip().rstrip(".")
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def _dotted(loc: Sequence) -> str:
    """tags.0 reads as tags[0]; a nested field as parent.child."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _what_it_is(info: FieldInfo | None) -> str:
    """The field's description as a phrase: first sentence, lower case unless it starts with an acronym."""
    text = (info.description or "").strip() if info else ""
    if not text:
        return ""
    text = re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


# -- the route's schema, to find a field's description and its siblings --

def _field_info(request: Request | None, source: str | None, loc: list) -> FieldInfo | None:
    route = request.scope.get("route") if request is not None else None
    if route is None or not loc:
        return None
    if source == "body":
        body = getattr(route, "body_field", None)
        return _walk(body.field_info.annotation, loc)[0] if body is not None else None
    dependant = getattr(route, "dependant", None)
    if source is None or dependant is None:
        return None
    for param in get_flat_params(dependant):
        if param.alias == loc[0]:
            return param.field_info
    return None


def _fields_of(request: Request | None, source: str | None, loc: list) -> list[str]:
    """The field names of the model at `loc` in the request body (those an unknown field could be meant as)."""
    route = request.scope.get("route") if request is not None else None
    body = getattr(route, "body_field", None)
    if source != "body" or body is None:
        return []
    annotation = _walk(body.field_info.annotation, loc)[1]
    model = _model_in(annotation)
    return list(model.model_fields) if model else []


def _walk(annotation: Any, loc: list) -> tuple[FieldInfo | None, Any]:
    """Follow `loc` through nested models and lists: the last field's info and its annotation."""
    info = None
    for part in loc:
        if isinstance(part, int):
            annotation = next(iter(get_args(annotation)), None)
            continue
        model = _model_in(annotation)
        if model is None or part not in model.model_fields:
            return None, None
        info = model.model_fields[part]
        annotation = info.annotation
    return info, annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        return next((m for m in map(_model_in, get_args(annotation)) if m is not None), None)
    return None


def _suggest(name: str, fields: list[str], quote: Callable[[str], str]) -> str:
    if not fields:
        return ""
    close = difflib.get_close_matches(name, fields, n=1)
    if close:
        return f" (did you mean {quote(close[0])}?)"
    return " (the fields are " + ", ".join(quote(f) for f in fields) + ")"
