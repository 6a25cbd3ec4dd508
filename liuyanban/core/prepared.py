"""Reads compiled once per process: the SQL Django wrote for a queryset, run again.

Django compiles every queryset anew (its columns, joins, lookups and ordering). For
the handful of small reads behind one public page that compilation costs more CPU
than the database spends answering them (docs/performance.md). A ``Prepared`` read
builds its queryset once per database with a marker in place of its one argument,
keeps the SQL and parameters Django generated, and from then on runs that SQL as a
raw queryset (``Manager.raw``: model instances, the database's value converters)
with the argument where the marker was.

Only for reads whose shape never changes with the argument: one argument (an id or a
code), no ``select_related`` (a raw queryset fills no related objects: annotate the
related columns as ``<field>_<column>`` and let ``attach`` set the objects). The SQL
is Django's own, so it stays right for every backend and follows the models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import router
from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet

M = TypeVar("M", bound=Model)

# No row has this id or code; the one parameter equal to it is where the argument goes.
MARKS: dict[type, Any] = {int: -734_291_586, str: "\x1fprepared-argument\x1f"}


class Prepared(Generic[M]):
    """``build(value)``'s rows, with ``build`` compiled once per database alias."""

    def __init__(
        self, model: type[M], build: Callable[[Any], QuerySet[M]], argument: type = int
    ) -> None:
        self.model = model
        self.build = build
        self.mark = MARKS[argument]
        self._compiled: dict[str, tuple[str, tuple[Any, ...], int]] = {}

    def _compile(self, db: str) -> tuple[str, tuple[Any, ...], int]:
        queryset = self.build(self.mark).using(db)
        if queryset.query.select_related:
            raise ValueError("a prepared read cannot fill related objects; annotate their columns")
        sql, params = queryset.query.get_compiler(db).as_sql()
        kind = type(self.mark)
        at = [i for i, p in enumerate(params) if type(p) is kind and p == self.mark]
        if len(at) != 1:
            raise ValueError(f"the argument must appear once in the SQL, not {len(at)} times")
        return sql, tuple(params), at[0]

    def __call__(self, value: Any) -> RawQuerySet[M]:
        db = router.db_for_read(self.model)
        compiled = self._compiled.get(db)
        if compiled is None:
            # Two threads may both compile the first time: the same SQL either way.
            compiled = self._compiled[db] = self._compile(db)
        sql, params, at = compiled
        args = list(params)
        args[at] = value
        return self.model._default_manager.db_manager(db).raw(sql, args)


def attach(rows: Iterable[M], field: str, columns: Sequence[str]) -> list[M]:
    """Rows of a prepared read with the object of foreign key ``field`` set from the
    columns annotated as ``<field>_<column>`` (its id is the key; its other fields
    load when used, like any deferred field)."""
    out = []
    for row in rows:
        pk = getattr(row, f"{field}_id")
        if pk is not None:
            related = row._meta.get_field(field).related_model
            values = [pk, *(getattr(row, f"{field}_{c}") for c in columns)]
            setattr(row, field, related.from_db(row._state.db, ["id", *columns], values))  # type: ignore[union-attr]
        out.append(row)
    return out
