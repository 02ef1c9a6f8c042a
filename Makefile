# Conveniences over ./run, which holds the set-up logic (it needs no make on a fresh machine).
.PHONY: demo test setup lint bench

demo:
	./run demo

test:
	./run test

setup:
	./run setup

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy desktop server protocol

bench: setup
	.venv/bin/python bench/store.py
