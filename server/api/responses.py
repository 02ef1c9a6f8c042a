"""The error responses every route documents in /openapi.json, and the response that streams
an open file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

import anyio.to_thread
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from protocol.messages import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed request"),
        (401, "Missing, expired or revoked token"),
        (403, "Not allowed, or the account is closed"),
        (404, "No such record"),
        (413, "Request body too large"),
        (422, "Invalid values"),
    )
}

# Large reads: a snapshot is up to gigabytes, and each read is a hop to a worker thread.
FILE_CHUNK_BYTES = 1 << 20


class OpenFileResponse(Response):
    """Streams a file that is already open (so a newer build removing it cannot cut the
    download short), `size` bytes, read in a worker thread; the file is closed whatever happens,
    a client that hangs up included."""

    def __init__(
        self, file: BinaryIO, *, size: int, media_type: str, headers: Mapping[str, str]
    ) -> None:
        super().__init__(media_type=media_type, headers={**headers, "Content-Length": str(size)})
        self.file = file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            while chunk := await anyio.to_thread.run_sync(self.file.read, FILE_CHUNK_BYTES):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.file.close()
