"""WhatsApp message templates: the approved texts that may be sent outside the 24-hour
window. Fetched from ``GET /{waba-id}/message_templates?status=APPROVED`` (on a Refresh
in the reply box), kept in the inbox's config, and filled in by the agent.

A template is stored in the shape the reply box needs: its key (name and language), its
header, body and footer texts and their variables — ``{{1}}`` (positional) or
``{{first_name}}`` (named). Templates whose header is a file, or whose buttons take a
variable, need more than text and are listed as not offered here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.whatsapp import graph

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
FIELDS = "name,language,status,category,components,parameter_format"
MAX_PAGES = 10
MAX_VALUE = 1024  # characters in one variable


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    category: str
    header: str
    body: str
    footer: str
    named: bool
    unusable: str  # why it is not offered here; "" when it is

    @property
    def key(self) -> str:
        return f"{self.name}:{self.language}"

    def variables(self, part: str) -> list[str]:
        """The variables of ``part`` ("header" or "body"), each once, in order."""
        text = self.header if part == "header" else self.body
        return list(dict.fromkeys(VARIABLE.findall(text)))

    def fields(self) -> list[tuple[str, str]]:
        """The form's inputs: (input name, label) for each variable."""
        return [
            (f"tv_{part}_{name}", f"{part.title()} {{{{{name}}}}}")
            for part in ("header", "body")
            for name in self.variables(part)
        ]

    def stored(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "header": self.header,
            "body": self.body,
            "footer": self.footer,
            "named": self.named,
            "unusable": self.unusable,
        }


def from_stored(item: dict[str, Any]) -> Template:
    return Template(
        **{k: item.get(k, False if k == "named" else "") for k in Template.__annotations__}
    )


def stored_templates(config: dict[str, Any]) -> list[Template]:
    items = config.get("templates")
    return [from_stored(t) for t in items if isinstance(t, dict)] if isinstance(items, list) else []


def from_meta(item: dict[str, Any]) -> Template:
    """One template of Meta's list, in the shape above."""
    parts = {"HEADER": "", "BODY": "", "FOOTER": ""}
    unusable = ""
    for component in item.get("components") or []:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER" and str(component.get("format", "TEXT")).upper() != "TEXT":
            unusable = f"it needs a header file ({str(component.get('format')).lower()})"
        elif kind in parts:
            parts[kind] = str(component.get("text") or "")
        elif kind == "BUTTONS" and any(
            isinstance(b, dict) and VARIABLE.search(str(b.get("url") or ""))
            for b in component.get("buttons") or []
        ):
            unusable = "a button of it takes a variable"
    return Template(
        name=str(item.get("name", "")),
        language=str(item.get("language", "")),
        category=str(item.get("category", "")).title(),
        header=parts["HEADER"],
        body=parts["BODY"],
        footer=parts["FOOTER"],
        named=str(item.get("parameter_format", "")).upper() == "NAMED",
        unusable=unusable,
    )


def fetch(waba_id: str, token: str) -> list[Template]:
    """Every approved template of the WhatsApp Business Account (following Meta's pages)."""
    address: str | None = graph.url(waba_id, "message_templates")
    params: dict[str, str] | None = {"status": "APPROVED", "fields": FIELDS, "limit": "100"}
    found: list[Template] = []
    for _ in range(MAX_PAGES):
        if not address:
            break
        page = graph.call("GET", address, token, params=params)
        data = page.get("data")
        found += [
            from_meta(t)
            for t in (data if isinstance(data, list) else [])
            if isinstance(t, dict) and str(t.get("status", "APPROVED")).upper() == "APPROVED"
        ]
        paging = page.get("paging")
        address = paging.get("next") if isinstance(paging, dict) else None
        params = None  # the next page's URL carries them
    return sorted(found, key=lambda t: (t.name, t.language))


def filled(template: Template, values: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The text the customer will read and the ``template`` object Meta takes, from the
    agent's values (input name → value); ``ValidationFailed`` names a missing one."""
    if template.unusable:
        raise ValidationFailed(
            f"the template {template.name} cannot be sent here: {template.unusable}"
        )
    components = []
    texts = {}
    for part in ("header", "body"):
        parameters = []
        text = template.header if part == "header" else template.body
        for name in template.variables(part):
            value = " ".join(str(values.get(f"tv_{part}_{name}", "")).split())[:MAX_VALUE]
            if not value:
                raise ValidationFailed(f"fill in {{{{{name}}}}} of the template's {part}")
            parameter = {"type": "text", "text": value}
            if template.named:
                parameter["parameter_name"] = name
            parameters.append(parameter)
            text = _put(text, name, value)
        texts[part] = text
        if parameters:
            components.append({"type": part, "parameters": parameters})
    shown = "\n\n".join(t for t in (texts["header"], texts["body"], template.footer) if t)
    sent = {
        "name": template.name,
        "language": {"code": template.language},
        "components": components,
    }
    return shown, sent


def _put(text: str, name: str, value: str) -> str:
    """``text`` with the variable ``name`` replaced by ``value`` (taken as it is)."""
    return re.sub(r"\{\{\s*" + re.escape(name) + r"\s*\}\}", lambda _match: value, text)


def as_config(found: list[Template]) -> dict[str, Any]:
    """What the inbox keeps of a fetch: the templates and when they were read."""
    from django.utils import timezone

    return {
        "templates": [t.stored() for t in found],
        "templates_fetched_at": timezone.now().isoformat(),
    }
