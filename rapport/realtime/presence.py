"""Who is online: agents (online/away/offline) and chat visitors, kept in the shared cache.

Each agent has one status key, refreshed by their sockets' heartbeats and expiring on its
own, so a crashed process or a lost network leaves no agent "online" for longer than
``TTL``. A connection counter lets the last closing tab, not the first, mark them offline.
Routing reads ``online_agents(inbox_id)``.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

from rapport.accounts.models import Role, User
from rapport.core.cache import CACHE_AWAY

ONLINE = "online"
AWAY = "away"
OFFLINE = "offline"
STATUSES = (ONLINE, AWAY)
TTL = 75  # seconds; clients send a heartbeat every 25


def _status_key(user_id: int) -> str:
    return f"presence:agent:{user_id}"


def _count_key(key: str) -> str:
    return f"{key}:n"


def _incr(key: str, delta: int) -> int:
    cache.add(key, 0, timeout=TTL)
    try:
        return int(cache.incr(key, delta))
    except ValueError:  # expired between add and incr
        cache.set(key, max(delta, 0), timeout=TTL)
        return max(delta, 0)


def status_of(user_id: int) -> str:
    return statuses([user_id])[user_id]


def statuses(user_ids: list[int]) -> dict[int, str]:
    """Each agent's status. With Redis away nobody is known online: the widget then offers
    e-mail and pages still render, instead of answering 500."""
    try:
        found = cache.get_many([_status_key(uid) for uid in user_ids])
    except CACHE_AWAY:
        found = {}
    return {uid: str(found.get(_status_key(uid), OFFLINE)) for uid in user_ids}


def agent_connected(user_id: int) -> str:
    """Count a new socket; the agent is online (or keeps ``away``). Returns the status."""
    key = _status_key(user_id)
    _incr(_count_key(key), +1)
    status = str(cache.get(key, ONLINE))
    cache.set(key, status, timeout=TTL)
    return status


def agent_disconnected(user_id: int) -> str:
    """Count a closed socket; the last one makes the agent offline. Returns the status."""
    key = _status_key(user_id)
    if _incr(_count_key(key), -1) > 0:
        return status_of(user_id)
    cache.delete_many([key, _count_key(key)])
    return OFFLINE


def set_status(user_id: int, status: str) -> str:
    """The agent chose online or away (or their tab went idle)."""
    status = status if status in STATUSES else ONLINE
    cache.set(_status_key(user_id), status, timeout=TTL)
    return status


def heartbeat(user_id: int) -> None:
    key = _status_key(user_id)
    cache.set(key, cache.get(key, ONLINE), timeout=TTL)
    cache.touch(_count_key(key), timeout=TTL)


def _candidates(inbox_id: int) -> list[int]:
    """Staff who can answer in the inbox: its members and everyone who sees all inboxes."""
    rows = User.objects.filter(is_active=True).exclude(role=Role.LIGHT)
    rows = rows.filter(Q(inboxes__pk=inbox_id) | Q(role__in=[Role.ADMIN, Role.SUPERVISOR]))
    return list(rows.values_list("pk", flat=True).distinct())


def online_agents(inbox_id: int) -> list[int]:
    """Ids of agents who can answer in the inbox and are online right now (not away)."""
    candidates = _candidates(inbox_id)
    return [uid for uid, status in statuses(candidates).items() if status == ONLINE]


def _visitor_key(group: str) -> str:
    return f"presence:{group}"


def visitor_connected(group: str) -> None:
    _incr(_visitor_key(group), +1)


def visitor_disconnected(group: str) -> None:
    if _incr(_visitor_key(group), -1) <= 0:
        cache.delete(_visitor_key(group))


def visitor_heartbeat(group: str) -> None:
    cache.touch(_visitor_key(group), timeout=TTL)


def visitor_online(group: str) -> bool:
    """Whether a widget of this visitor identity has a socket open right now."""
    return int(cache.get(_visitor_key(group), 0)) > 0
