"""The CLI's one error type, in its own module so every command group can raise it, and the
translation of the app's own error types into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop.domain.messages import ValidationError
from desktop.settings import SettingsError
from desktop.store.changes import RecordNotFound
from desktop.store.engine import StoreError


class CliError(Exception):
    """A failure worded for the person at the terminal; printed to stderr, exit code 1."""


def describe_validation_error(error: ValidationError) -> str:
    if len(error.problems) == 1:
        return error.problems[0].text
    return "nothing was saved:\n" + "\n".join(f"  - {p.text}" for p in error.problems)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a person can act on into CliError; anything else is a bug and keeps its
    traceback."""
    try:
        yield
    except ValidationError as error:
        raise CliError(describe_validation_error(error)) from error
    except (RecordNotFound, StoreError, SettingsError) as error:
        raise CliError(str(error)) from error
