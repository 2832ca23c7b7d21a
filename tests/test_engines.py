"""The engine a database test gets: PostgreSQL unless a marker asks for SQLite as well, or for SQLite alone."""

import subprocess
import sys
from pathlib import Path

import pytest


def test_a_database_test_runs_on_postgresql(db, request):
    """Unmarked, a database test runs once, on PostgreSQL."""
    assert (request.node.callspec.id, db.engine.dialect.name) == ("postgresql", "postgresql")


@pytest.mark.both_engines
def test_both_engines_runs_once_on_each(db, request):
    """Marked `both_engines`, the same test runs on SQLite and on PostgreSQL, each under its engine's name."""
    assert request.node.callspec.id in {"sqlite", "postgresql"}
    assert db.engine.dialect.name == request.node.callspec.id


def test_both_engines_collects_one_test_per_engine(project_root):
    """Collecting the marked test above gives exactly two tests, one per engine."""
    target = f"{Path(__file__).relative_to(project_root)}::test_both_engines_runs_once_on_each"
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", target],
        cwd=project_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert sorted(line for line in listed if "::" in line) == [f"{target}[postgresql]", f"{target}[sqlite]"]


@pytest.mark.sqlite_only
def test_sqlite_only_runs_on_sqlite(db, request):
    """Marked `sqlite_only`, a test runs once, on SQLite."""
    assert (request.node.callspec.id, db.engine.dialect.name) == ("sqlite", "sqlite")
