from __future__ import annotations

from typing import Any

from rapport.core.models import AuditEntry


def record(*, actor: Any, verb: str, obj: Any, **changes: Any) -> None:
    """Add an audit entry; call inside the action's transaction so both land or neither."""
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        changes=changes,
    )
