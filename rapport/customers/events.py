"""The events the customers app publishes."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class CustomerMerged(Event):
    """Two customers became one: ``absorbed_id`` no longer exists, its rows are ``kept_id``'s."""

    name = "customer.merged"
    kept_id: int
    absorbed_id: int
