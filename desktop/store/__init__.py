"""The local replica: SQLite through SQLAlchemy Core, the outbox, migrations and search."""
