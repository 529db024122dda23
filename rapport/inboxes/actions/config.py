"""Which settings each kind of inbox takes, checked: each channel knows its own shape.

The settings pages, the API, the demo loader and the CLI all store what ``clean_config``
returns, so no caller can save settings that a channel would later refuse to load.
Secrets are write-only on the settings pages: an empty secret keeps the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rapport.core.errors import ValidationFailed
from rapport.inboxes import channels


def clean_config(
    kind: str, values: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The settings of an inbox of ``kind``, checked; ``previous`` supplies kept secrets."""
    return channels.get(kind).clean_config(values, previous or {})


def check_address(address: str) -> None:
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{address[:100]!r} is not an e-mail address") from None
