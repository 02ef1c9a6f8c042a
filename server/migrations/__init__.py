"""Alembic migrations of the server database, run programmatically (`server.db.init_database`)."""
