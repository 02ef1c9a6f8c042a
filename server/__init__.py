"""The Fieldbook central server: FastAPI app, SQLAlchemy storage, auth, sync and admin endpoints."""
