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
