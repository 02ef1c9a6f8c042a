"""Every error leaves the server as JSON `{code, message}` with a 4xx status (500 only for bugs).

The client branches on `code` only, so every path that can fail (validation, unknown routes,
oversized bodies, our own business rules, unexpected exceptions) is mapped here in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.messages import ErrorCode

log = logging.getLogger(__name__)

STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.BAD_REQUEST,
    409: ErrorCode.CONFLICT,
    410: ErrorCode.RESET_REQUIRED,
    413: ErrorCode.TOO_LARGE,
    422: ErrorCode.VALIDATION,
    426: ErrorCode.UPGRADE_REQUIRED,
    429: ErrorCode.THROTTLED,
}


class ApiError(Exception):
    """A refusal the client can act on: an HTTP status, a stable code and a readable message."""

    def __init__(
        self, status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status: int, code: ErrorCode | str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"code": str(code), "message": message}, headers=headers
    )


def describe_validation_errors(errors: list[Any]) -> str:
    """One line per problem: where it is and what is wrong, without echoing huge inputs back."""
    lines = []
    for error in errors[:10]:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        lines.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    if len(errors) > 10:
        lines.append(f"... and {len(errors) - 10} more")
    return "; ".join(lines)


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, ErrorCode.BAD_REQUEST, "The body is not valid JSON.")
    return error_response(422, ErrorCode.VALIDATION, describe_validation_errors(errors))


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, ApiError):
        # FastAPI wraps failures while reading the body (our size limit) in a generic 400.
        return await _on_api_error(_request, exc.__cause__)
    code = STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
    return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The last resort: log the traceback for the administrator, tell the client only that it
    # may retry (the push is idempotent, so a retry after a 500 never duplicates anything).
    log.exception("Unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorCode.INTERNAL, "Internal server error; it has been logged.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected_error)


class RequestTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, ErrorCode.TOO_LARGE, f"The request body is larger than {limit} bytes."
        )


class BodySizeLimit:
    """Refuse bodies over `limit` bytes: by Content-Length up front, or while streaming in."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    response = error_response(400, ErrorCode.BAD_REQUEST, "Bad Content-Length.")
                    await response(scope, receive, send)
                    return
                if declared > self.limit:
                    exc = RequestTooLarge(self.limit)
                    await error_response(exc.status, exc.code, exc.message)(scope, receive, send)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the route's body read, so the ApiError handler answers it.
                    raise RequestTooLarge(self.limit)
            return message

        await self.app(scope, limited_receive, send)
