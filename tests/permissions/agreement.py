"""Checking that a single-object predicate and its set-based twin say the same for every user and object."""

import sqlalchemy as sa

from app.extensions import db

USERS = (
    "patient",
    "guardian",
    "ex_guardian",
    "own_doctor",
    "colleague",
    "restricted_doctor",
    "other_doctor",
    "reception",
    "methodologist",
    "admin",
)


def decisions(model, objects: dict, user, predicate, twin) -> tuple[set[str], set[str]]:
    """The names of the objects the predicate admits, and of those the twin's query selects (one query)."""
    selected = set(db.session.scalars(sa.select(model.id).where(twin(user))))
    by_predicate = {name for name, obj in objects.items() if predicate(user, obj)}
    by_twin = {name for name, obj in objects.items() if obj.id in selected}
    return by_predicate, by_twin
