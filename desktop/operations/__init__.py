"""Operations the UI and the CLI share: validated writes (row + outbox in one transaction) and
read models returned as frozen dataclasses. Qt-free; callers run them on the database thread."""
