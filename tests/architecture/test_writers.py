"""One writer per domain: conversations, messages, deliveries and customers change only in
their own app's actions, and only actions publish events (``core/events.py``).

The source is read, not run: every write call on a domain model outside the ``actions``
module (or ``actions/`` package) of the model's app, and every ``publish(`` outside an
actions module, is reported as file:line. What a
read of the source can see: ``Model.objects.create/update/...`` and querysets built from
``Model.objects`` ending in ``.update(``/``.delete(``; ``.save()``/``.delete()`` on a
variable named after a domain model (``conversation.save()``); ``rows.insert(``. A write
through a differently named variable escapes it: name variables after what they hold.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "rapport"
DOMAIN_APPS = {"conversations", "customers", "outbox"}
MANAGER_WRITES = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
INSTANCE_WRITES = {"save", "delete"}

# The writers that are not actions, each for a reason. Keep it short: a new entry needs one.
ALLOWED = {
    # The bulk loader of the demo data writes tens of thousands of rows directly, on
    # purpose (docs/architecture.md, Decisions); it runs on an empty database only.
    "rapport/demo/loader.py": "demo loader",
    "rapport/demo/social.py": "demo loader (the Facebook Page and Instagram inboxes)",
    # The tab counts are derived data, moved by the actions (move_count, counts.bump) and
    # rebuilt from scratch by `rapport recount`.
    "rapport/conversations/counts.py": "derived tab counts",
    # The webhook endpoint stores a provider's raw request (inboxes.RawWebhook, no domain
    # model) with core.rows' compiled INSERT, the accept path's one statement.
    "rapport/inboxes/inbound.py": "raw webhook store",
}


def domain_models() -> dict[str, str]:
    """Model name → the app whose actions may write it."""
    return {
        model.__name__: config.label
        for config in apps.get_app_configs()
        if config.label in DOMAIN_APPS
        for model in config.get_models()
    }


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def is_actions_module(path: Path) -> bool:
    return path.name == "actions.py" or path.parent.name == "actions"


def manager_root(node: ast.expr) -> str | None:
    """``Message`` for ``Message.objects.filter(...).exclude(...)``; None otherwise."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node.value, ast.Name) and node.attr == "objects":
            return node.value.id
        else:
            node = node.value
    return None


def receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def writes_in(tree: ast.AST, models: set[str]) -> list[tuple[int, str, str | None]]:
    """(line, what, the written model or None for a publish) of each write in ``tree``."""
    by_variable = {snake(name): name for name in models}
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "publish":
            found.append((node.lineno, "publish(", None))
        if not isinstance(func, ast.Attribute):
            continue
        receiver = receiver_name(func.value)
        root = manager_root(func.value)
        if func.attr == "publish":
            found.append((node.lineno, f"{receiver}.publish(", None))
        elif func.attr == "insert" and receiver == "rows":
            found.append((node.lineno, "rows.insert(", inserted_model(node, models)))
        elif func.attr in MANAGER_WRITES and root in models:
            found.append((node.lineno, f"{root}.objects….{func.attr}(", root))
        elif func.attr in INSTANCE_WRITES and receiver in by_variable:
            found.append((node.lineno, f"{receiver}.{func.attr}(", by_variable[receiver]))
    return found


def inserted_model(call: ast.Call, models: set[str]) -> str:
    """``Message`` for ``rows.insert(Message(...))``; "any" when the source does not say."""
    first = call.args[0] if call.args else None
    called = first.func if isinstance(first, ast.Call) else None
    if isinstance(called, ast.Name) and called.id in models:
        return called.id
    return "any"


def allowed_here(path: Path, model: str | None, models: dict[str, str]) -> bool:
    """Events from any actions module; a model's writes from its own app's actions."""
    if not is_actions_module(path):
        return False
    if model is None or model == "any":
        return True
    return f"rapport/{models[model]}/" in path.as_posix()


def test_allowed_writers_exist():
    """An entry for a file that moved or went away must go (or follow the file)."""
    assert [path for path in ALLOWED if not (ROOT / path).exists()] == []


def test_domain_writes_and_events_only_in_actions():
    models = domain_models()
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "migrations" in path.parts or relative in ALLOWED:
            continue
        for line, what, model in writes_in(ast.parse(path.read_text(), str(path)), set(models)):
            if not allowed_here(path.relative_to(ROOT), model, models):
                problems.append(f"{relative}:{line}: {what}")

    assert problems == [], "write or publish outside the actions:\n" + "\n".join(problems)


def test_the_check_sees_each_kind_of_write():
    """The detector itself: each form it promises to catch is caught."""
    source = """
Message.objects.create(text="x")
Delivery.objects.filter(pk=1).exclude(state="sent").update(state="failed")
conversation.save(update_fields=["status"])
customer.delete()
rows.insert(Customer(name="x"))
publish(event)
events.publish(event)
Message.objects.filter(pk=1).first()
form.save()
"""
    found = writes_in(ast.parse(source), {"Message", "Delivery", "Conversation", "Customer"})

    assert [line for line, _, _ in found] == [2, 3, 4, 5, 6, 7, 8]


def test_a_model_is_written_by_its_own_apps_actions():
    models = {"Customer": "customers", "Message": "conversations"}

    assert allowed_here(Path("rapport/customers/actions.py"), "Customer", models)
    assert not allowed_here(Path("rapport/inboxes/adapters/chat/actions.py"), "Customer", models)
    assert allowed_here(Path("rapport/conversations/actions/replies.py"), "Message", models)
    assert not allowed_here(Path("rapport/inboxes/adapters/email/bounces.py"), None, models)
