import psycopg
import pytest


@pytest.mark.postgres
def test_the_test_command_starts_a_real_postgres(postgres_url: str) -> None:
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    assert version is not None and int(version[0].split(".")[0]) >= 13
