"""The Fieldbook central server: FastAPI app, SQLAlchemy storage, auth, sync and admin endpoints."""

SERVER_VERSION = "0.1.0"
