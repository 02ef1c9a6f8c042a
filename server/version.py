"""The server's own version, reported by `/health`, `/sync/hello` and `/openapi.json`."""

SERVER_VERSION = "0.1.0"
