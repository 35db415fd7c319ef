"""SPEC.md's metric definitions, computed naively from a list of events.

This is the yardstick the tests hold the server to: it reads no rollup and
shares no code with the server, only the definitions.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

MESSAGE_FIELDS = {
    "messageSent": "MESSAGE_SENT",
    "messageDelivered": "MESSAGE_DELIVERED",
    "messageBounced": "MESSAGE_BOUNCED",
    "opens": "MESSAGE_OPENED",
    "clicks": "MESSAGE_CLICKED",
    "unsubscribes": "UNSUBSCRIBED",
    "spamComplaints": "SPAM_COMPLAINT",
    "globalHoldouts": "HOLDOUT_GLOBAL",
    "journeyHoldouts": "HOLDOUT_JOURNEY",
    "addsToCart": "ADDED_TO_CART",
    "transactions": "TRANSACTION",
}
WEBHOOK_FIELDS = {"webhookSucceeded": "WEBHOOK_SUCCEEDED", "webhookFailed": "WEBHOOK_FAILED"}


def when(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurredAt"]).astimezone(UTC)


def local_day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def window(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    return local_day_start(start, tz), local_day_start(end + timedelta(days=1), tz)


def _in(events: list[dict[str, Any]], lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    return [e for e in events if lo <= when(e) < hi]


def _count(events: list[dict[str, Any]], kind: str) -> int:
    return sum(1 for e in events if e["type"] == kind)


def _distinct(events: list[dict[str, Any]], kind: str) -> int:
    return len({e["contactId"] for e in events if e["type"] == kind})


def _rate(a: int, b: int) -> float | None:
    return a / b if b else None


def _revenue(events: list[dict[str, Any]]) -> str:
    total = sum((Decimal(str(e["revenue"])) for e in events if e["type"] == "TRANSACTION"), Decimal(0))
    return str(total)


def _last(events: list[dict[str, Any]]) -> str | None:
    return max(when(e) for e in events).isoformat() if events else None


def journey(events: list[dict[str, Any]], journey_id: str, lo: datetime, hi: datetime) -> dict[str, Any]:
    mine = [e for e in events if e["journeyId"] == journey_id]
    inside = _in(mine, lo, hi)
    before_end = [e for e in mine if when(e) < hi]
    entered, completed, exited = (
        _count(inside, k) for k in ("JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED")
    )
    figures = {
        "enteredCount": entered,
        "uniqueContactCount": _distinct(inside, "JOURNEY_ENTERED"),
        "completedCount": completed,
        "exitedEarlyCount": exited,
        "convertedCount": _count(inside, "GOAL_CONVERTED"),
        "uniqueConvertedCount": _distinct(inside, "GOAL_CONVERTED"),
        "inProgressCount": max(
            0,
            _count(before_end, "JOURNEY_ENTERED")
            - _count(before_end, "JOURNEY_COMPLETED")
            - _count(before_end, "JOURNEY_EXITED"),
        ),
        "completionRate": _rate(completed, entered),
        "earlyExitRate": _rate(exited, entered),
        "conversionRate": _rate(_distinct(inside, "GOAL_CONVERTED"), _distinct(inside, "JOURNEY_ENTERED")),
        "uniqueOpens": _distinct(inside, "MESSAGE_OPENED"),
        "uniqueClicks": _distinct(inside, "MESSAGE_CLICKED"),
        "revenue": _revenue(inside),
        "lastEventAt": _last(inside),
    }
    figures.update(
        {name: _count(inside, kind) for name, kind in {**MESSAGE_FIELDS, **WEBHOOK_FIELDS}.items()}
    )
    return figures


def node(
    events: list[dict[str, Any]], node_id: str, node_type: str, lo: datetime, hi: datetime
) -> dict[str, Any]:
    inside = _in([e for e in events if e.get("nodeId") == node_id], lo, hi)
    is_message, is_webhook = node_type == "MESSAGE", node_type == "WEBHOOK"
    figures: dict[str, Any] = {
        "trafficCount": _count(inside, "NODE_ENTERED"),
        "uniqueContactCount": _distinct(inside, "NODE_ENTERED"),
        "conversions": _count(inside, "GOAL_CONVERTED"),
        "exits": _count(inside, "JOURNEY_EXITED"),
        "completions": _count(inside, "JOURNEY_COMPLETED"),
        "lastEventAt": _last(inside),
    }
    for name, kind in MESSAGE_FIELDS.items():
        figures[name] = _count(inside, kind) if is_message else None
    for name, kind in WEBHOOK_FIELDS.items():
        figures[name] = _count(inside, kind) if is_webhook else None
    opens, clicks = _distinct(inside, "MESSAGE_OPENED"), _distinct(inside, "MESSAGE_CLICKED")
    sent, delivered = _count(inside, "MESSAGE_SENT"), _count(inside, "MESSAGE_DELIVERED")
    figures.update(
        {
            "uniqueOpens": opens if is_message else None,
            "uniqueClicks": clicks if is_message else None,
            "revenue": _revenue(inside) if is_message else None,
            "deliveryRate": _rate(delivered, sent) if is_message else None,
            "openRate": _rate(opens, delivered) if is_message else None,
            "clickRate": _rate(clicks, delivered) if is_message else None,
            "clickToOpenRate": _rate(clicks, opens) if is_message else None,
        }
    )
    return figures


def path(
    events: list[dict[str, Any]], path_id: str, source_id: str, lo: datetime, hi: datetime
) -> dict[str, Any]:
    inside = _in([e for e in events if e.get("pathId") == path_id and e["type"] == "PATH_TRAVERSED"], lo, hi)
    source = _in([e for e in events if e.get("nodeId") == source_id], lo, hi)
    traffic, unique = len(inside), len({e["contactId"] for e in inside})
    return {
        "trafficCount": traffic,
        "uniqueContactCount": unique,
        "trafficRatio": _rate(traffic, _count(source, "NODE_ENTERED")),
        "uniqueContactRatio": _rate(unique, _distinct(source, "NODE_ENTERED")),
    }


def points(start: date, end: date, tz: str, granularity: str) -> list[tuple[datetime, datetime]]:
    """The time-series points SPEC.md describes, computed the plain way."""
    lo, hi = window(start, end, tz)
    if granularity == "HOUR":
        edges = []
        moment = lo
        while moment < hi:
            edges.append(moment)
            moment += timedelta(hours=1)
    else:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        if granularity == "DAY":
            firsts = days
        elif granularity == "WEEK":
            firsts = [d for d in days if d == start or d.isoweekday() == 1]
        else:
            firsts = [d for d in days if d == start or d.day == 1]
        edges = [local_day_start(d, tz) for d in firsts]
    edges.append(hi)
    return list(itertools.pairwise(edges))


# --- Contacts in journeys (SPEC.md "Contacts in journeys") ---------------------------------------

_ENDS = {"JOURNEY_COMPLETED": "COMPLETED", "JOURNEY_EXITED": "EXITED"}


def _order(event: dict[str, Any]) -> tuple[datetime, str]:
    """Events in a contact's run are ordered by occurredAt, ties by event id (code points = byte order)."""
    return when(event), event["id"]


def enrollments(events: list[dict[str, Any]], journey_id: str) -> list[dict[str, Any]]:
    """Every run of every contact through the journey, newest enteredAt first (then contactId, entry id)."""
    by_contact: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e["journeyId"] == journey_id:
            by_contact.setdefault(e["contactId"], []).append(e)
    runs = []
    for contact, mine in by_contact.items():
        mine.sort(key=_order)
        for i, entry in enumerate(mine):
            if entry["type"] != "JOURNEY_ENTERED":
                continue
            end = next((j for j in range(i + 1, len(mine)) if mine[j]["type"] in _ENDS), None)
            inside = mine[i : (end + 1 if end is not None else len(mine))]
            nodes = [e["nodeId"] for e in inside if e["type"] == "NODE_ENTERED"]
            runs.append(
                {
                    "contactId": contact,
                    "status": _ENDS[mine[end]["type"]] if end is not None else "ACTIVE",
                    "enteredAt": when(entry),
                    "endedAt": when(mine[end]) if end is not None else None,
                    "currentNode": nodes[-1] if nodes else None,
                    "converted": any(e["type"] == "GOAL_CONVERTED" for e in inside),
                    "lastEventAt": max(when(e) for e in inside),
                    "_entry": entry["id"],
                }
            )
    runs.sort(key=lambda r: (r["enteredAt"], r["contactId"], r["_entry"]), reverse=True)
    return runs


def waiting(events: list[dict[str, Any]], journey_id: str) -> dict[str | None, int]:
    """ACTIVE runs per current node (None: no node yet)."""
    found: dict[str | None, int] = {}
    for run in enrollments(events, journey_id):
        if run["status"] == "ACTIVE":
            found[run["currentNode"]] = found.get(run["currentNode"], 0) + 1
    return found


ACTIVITIES = {
    "ENTERED": "NODE_ENTERED",
    "SENT": "MESSAGE_SENT",
    "DELIVERED": "MESSAGE_DELIVERED",
    "OPENED": "MESSAGE_OPENED",
    "CLICKED": "MESSAGE_CLICKED",
    "CONVERTED": "GOAL_CONVERTED",
    "EXITED": "JOURNEY_EXITED",
    "COMPLETED": "JOURNEY_COMPLETED",
}


def node_contacts(
    events: list[dict[str, Any]], node_id: str, activity: str, lo: datetime, hi: datetime
) -> list[dict[str, Any]]:
    """The distinct contacts with an `activity` event at the node in [lo, hi), by contactId."""
    found: dict[str, dict[str, Any]] = {}
    for e in _in(events, lo, hi):
        if e.get("nodeId") == node_id and e["type"] == ACTIVITIES[activity]:
            seen = found.setdefault(e["contactId"], {"firstAt": when(e), "lastAt": when(e), "count": 0})
            seen["firstAt"], seen["lastAt"] = min(seen["firstAt"], when(e)), max(seen["lastAt"], when(e))
            seen["count"] += 1
    return [{"contactId": c, **found[c]} for c in sorted(found)]
