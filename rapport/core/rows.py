"""Single-row reads and writes on the receive path, with their SQL compiled once.

The receive path's one module of hand-written SQL: every statement is built from the
model's ``_meta`` (tables, columns, field conversions) when first used, so a new field is
written, read and converted with no edit here; ``tests/core/test_rows.py`` holds each
one equal to the ORM, field by field.

Every inbound message (API channel, chat, e-mail) inserts a message and often a
customer, an identity and a conversation. ``Model.save()`` and ``QuerySet.create()``
compile the INSERT again for every row, and a ``filter(...).first()`` compiles its
SELECT again: on this path that took about 0.3 ms per statement, several times what
SQLite takes to run it (cProfile of ``bench/ingest.py`` and of a chat message). The
helpers here say the same statements once per model and database and reuse Django's own
field machinery for the values: ``pre_save`` (``auto_now_add``, defaults),
``get_db_prep_save`` (JSON, datetimes) on the way in, the backend's converters on the way
out. So a row written here is exactly the row ``save()`` would write.

What they skip: model signals. No receivers are connected for the models written here;
``tests/core/test_rows.py`` fails if one appears, so this can't drift silently.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def _columns(model: type[Model]) -> list[Field[Any, Any]]:
    """The fields an INSERT writes: every concrete one but an automatic primary key."""
    auto = model._meta.auto_field
    return [f for f in model._meta.local_concrete_fields if f is not auto]


@cache
def _insert_sql(alias: str, model: type[Model]) -> tuple[str, bool]:
    """The INSERT for ``model``, and whether it returns the new id itself."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _columns(model))
    values = ", ".join(["%s"] * len(_columns(model)))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    returning = bool(connection.features.can_return_columns_from_insert)
    if returning:
        sql += f" RETURNING {quote(str(model._meta.pk.column))}"
    return sql, returning


def insert(obj: M) -> M:
    """INSERT a new model instance as ``obj.save()`` would, and set its primary key."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, returning = _insert_sql(alias, model)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in _columns(model)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if model._meta.auto_field is not None:
            if returning:
                new_id = cursor.fetchone()[0]
            else:
                pk_column = str(model._meta.pk.column)
                new_id = connection.ops.last_insert_id(cursor, model._meta.db_table, pk_column)
            obj.pk = new_id
    obj._state.adding = False
    obj._state.db = alias
    return obj


def update_one(
    model: type[Model],
    pk: Any,
    *,
    values: dict[str, Any],
    unless_set: dict[str, Any] | None = None,
    where: dict[str, Any] | None = None,
) -> bool:
    """UPDATE the row ``pk`` of ``model`` as ``filter(pk=pk, **where).update(...)`` would;
    whether a row matched.

    ``values`` are set; ``unless_set`` only where the column is still NULL (``COALESCE``);
    ``where`` are further equality conditions (the row's state the caller expects). Names
    are field names; columns and value conversions come from the model, and the statement
    is built once per model and set of names.
    """
    unless_set, where = unless_set or {}, where or {}
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _update_statement(alias, model, tuple(values), tuple(unless_set), tuple(where))
    given = [*values.values(), *unless_set.values(), pk, *where.values()]
    # One value is often given for several columns (the same moment): converted once.
    converted: dict[tuple[type, int], Any] = {}
    params = []
    for field, value in zip(fields, given, strict=True):
        key = (type(field), id(value))
        if key not in converted:
            converted[key] = field.get_db_prep_save(value, connection)
        params.append(converted[key])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.rowcount)


@cache
def _update_statement(
    alias: str,
    model: type[Model],
    setting: tuple[str, ...],
    unless_set: tuple[str, ...],
    where: tuple[str, ...],
) -> tuple[str, list[Field[Any, Any]]]:
    """The UPDATE's SQL, and the field of each of its parameters in order."""
    quote = connections[alias].ops.quote_name
    fields = [_column(model, name) for name in (*setting, *unless_set, "pk", *where)]
    columns = [quote(str(field.column)) for field in fields]
    given = len(setting)
    assignments = [f"{column} = %s" for column in columns[:given]] + [
        f"{column} = COALESCE({column}, %s)" for column in columns[given : given + len(unless_set)]
    ]
    conditions = [f"{column} = %s" for column in columns[given + len(unless_set) :]]
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608
        f" WHERE {' AND '.join(conditions)}"
    )
    return sql, fields


def _column(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if field not in model._meta.concrete_fields:  # a many-to-many or reverse relation
        raise ValueError(f"{model.__name__}.{name} is not a column")
    assert isinstance(field, Field)
    return field


def read_one(
    models: Sequence[type[Model]], sql: str, params: Sequence[Any], *, using: str
) -> list[Model] | None:
    """Run a hand-written SELECT of one row holding, in order, every concrete field of each
    of ``models``; build one instance per model as the ORM would, or None without a row."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return _instances(using, tuple(models), list(row))


def read_many(
    models: Sequence[type[Model]], sql: str, params: Sequence[Any], *, using: str
) -> list[list[Model]]:
    """``read_one`` for a SELECT of any number of rows: one list of instances per row."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return [_instances(using, tuple(models), list(row)) for row in found]


def _instances(using: str, models: tuple[type[Model], ...], row: list[Any]) -> list[Model]:
    values = _convert(using, models, row)
    instances = []
    for model in models:
        names = [f.attname for f in model._meta.concrete_fields]
        instances.append(model.from_db(using, names, values[: len(names)]))
        values = values[len(names) :]
    return instances


def selected_columns(model: type[Model], alias: str, using: str) -> list[str]:
    """``alias.column`` for every concrete field of ``model``, in ``read_one``'s order."""
    quote = connections[using].ops.quote_name
    return [f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields]


def _convert(alias: str, models: tuple[type[Model], ...], row: list[Any]) -> list[Any]:
    """Database values → Python values, with the converters the ORM would apply."""
    cache_key = (alias, models)
    known: dict[Any, Any] = _per_thread.__dict__
    if cache_key not in known:  # what to convert depends only on backend and columns
        compiler = models[0]._default_manager.using(alias).none().query.get_compiler(alias)
        columns = [
            f.get_col(str(f.model._meta.db_table)) for m in models for f in m._meta.concrete_fields
        ]
        known[cache_key] = (compiler, compiler.get_converters(columns))
    compiler, by_position = known[cache_key]
    return list(next(iter(compiler.apply_converters([row], by_position))))


# Per thread, because a compiler holds its thread's connection.
_per_thread = threading.local()
