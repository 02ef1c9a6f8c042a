"""The CLI's one error type, in its own module so every command group can raise it."""


class CliError(Exception):
    """A failure worded for the person at the terminal; printed to stderr, exit code 1."""
