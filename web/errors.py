"""The one place domain errors become HTTP responses: a status and a message a person can act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from models.errors import (
    ConflictError, ForbiddenError, IndexMismatchError, InvalidInputError, KnowhowError, NotFoundError,
)
from web.pages.account import sign_in_redirect
from web.pages.render import error_page
from web.validation import backticks, describe

STATUS = {NotFoundError: 404, ForbiddenError: 403, InvalidInputError: 422, ConflictError: 409, IndexMismatchError: 503}


def _quoted(name: str) -> str:
    return f"“{name}”"


def _is_page(request: Request) -> bool:
    """Pages get an HTML error page; the JSON API (everything under /api) keeps JSON."""
    return not request.url.path.startswith("/api")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KnowhowError)
    async def domain_error(request: Request, exc: KnowhowError) -> Response:
        if _is_page(request):
            return error_page(request, STATUS.get(type(exc), 400), str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=STATUS.get(type(exc), 400))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_page(request) and exc.status_code == 401:
            return sign_in_redirect(request)
        if _is_page(request) and exc.status_code >= 400:
            return error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, exc)

    @app.exception_handler(ValidationError)
    async def record_error(request: Request, exc: ValidationError) -> Response:
        """A record built inside a handler (e.g. from a path id and a body) broke the contract."""
        return _validation_response(request, exc.errors(), sourced=False)

    @app.exception_handler(UnicodeEncodeError)
    async def encoding_error(request: Request, exc: UnicodeEncodeError) -> Response:
        # Unpaired UTF-16 surrogates (legal in JSON escapes) cannot be stored as UTF-8 text.
        message = "the text contains invalid characters (unpaired surrogates)"
        if _is_page(request):
            return error_page(request, 422, message)
        return JSONResponse({"detail": message}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _validation_response(request, exc.errors(), exc.body)


def _validation_response(request: Request, errors: Sequence[dict], raw_body: Any = None,
                         sourced: bool = True) -> Response:
    """422 with each error in words (`detail`) and as Pydantic gave it (`errors`). `sourced`: locations
    start with where the value came from (body, query, ...), as FastAPI's do and a record's do not."""
    page = _is_page(request)
    detail = "; ".join(describe(e, request, raw_body, _quoted if page else backticks, sourced) for e in errors[:5])
    detail = detail or "the request is not valid"
    if page:
        what = "the address" if request.method in ("GET", "HEAD") else "what the form sent"
        return error_page(request, 422, f"Something in {what} is not right: {detail}.")
    safe = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]
    return JSONResponse({"detail": detail, "errors": safe}, status_code=422)
