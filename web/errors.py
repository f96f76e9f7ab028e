"""The one place domain errors become HTTP responses: a status and a message a person can act on."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from models.errors import ConflictError, IndexMismatchError, InvalidInputError, KnowhowError, NotFoundError

STATUS = {NotFoundError: 404, InvalidInputError: 422, ConflictError: 409, IndexMismatchError: 503}


def _describe(error: dict) -> str:
    loc = list(error.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]  # where the value came from; the field name is what a person needs
    where = ".".join(str(part) for part in loc)
    return f"{where}: {error['msg']}" if where else error["msg"]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KnowhowError)
    async def domain_error(request: Request, exc: KnowhowError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=STATUS.get(type(exc), 400))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        detail = "; ".join(_describe(e) for e in errors[:5]) or "invalid request"
        safe = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]
        return JSONResponse({"detail": detail, "errors": safe}, status_code=422)
