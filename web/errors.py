"""The one place domain errors become HTTP responses: a status and a message a person can act on."""

from __future__ import annotations

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

STATUS = {NotFoundError: 404, ForbiddenError: 403, InvalidInputError: 422, ConflictError: 409, IndexMismatchError: 503}


def _describe(error: dict) -> str:
    loc = list(error.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]  # where the value came from; the field name is what a person needs
    where = ".".join(str(part) for part in loc)
    return f"{where}: {error['msg']}" if where else error["msg"]


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
        return await validation_error(request, RequestValidationError(exc.errors()))

    @app.exception_handler(UnicodeEncodeError)
    async def encoding_error(request: Request, exc: UnicodeEncodeError) -> Response:
        # Unpaired UTF-16 surrogates (legal in JSON escapes) cannot be stored as UTF-8 text.
        message = "the text contains invalid characters (unpaired surrogates)"
        if _is_page(request):
            return error_page(request, 422, message)
        return JSONResponse({"detail": message}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        detail = "; ".join(_describe(e) for e in errors[:5]) or "invalid request"
        if _is_page(request):
            return error_page(request, 422, f"Something in the address is not right ({detail}).")
        safe = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]
        return JSONResponse({"detail": detail, "errors": safe}, status_code=422)
