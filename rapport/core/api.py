"""Types every API router shares: ids, safe text, and the page cursor check.

The authenticated request's type is ``rapport.accounts.auth.AuthedRequest``: core knows no
domain app.

Inputs are bounded here once, so nothing a client sends can reach the database in a form
it rejects with an error instead of an answer (a 500): ids beyond a 64-bit integer, or
NUL characters, which PostgreSQL refuses in text and JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field

from rapport.core.errors import ValidationFailed
from rapport.core.inbound import problem_in

MAX_ID = 2**63 - 1  # the largest primary key SQLite and PostgreSQL (bigint) can hold


def _without_nul(value: str) -> str:
    problem = problem_in(value)  # the check of every inbound path (core/inbound.py)
    if problem:
        raise ValueError(problem)
    return value


ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_without_nul)]


def check_cursor(after: str | None, decode: Callable[[str], object]) -> str | None:
    """``after`` if ``decode`` can read it, else a 400 that names the parameter.

    The selectors' own message speaks of "the page cursor"; the client knows it as ``after``.
    """
    if after:
        try:
            decode(after)
        except ValidationFailed as error:
            raise ValidationFailed(f"after: {error.message}") from None
    return after
