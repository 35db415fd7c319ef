"""Enumerations stored in the database (and exposed by the GraphQL schema)."""

from __future__ import annotations

import enum


class JourneyStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    PAUSED = "PAUSED"
    ARCHIVED = "ARCHIVED"


class NodeType(enum.StrEnum):
    TRIGGER = "TRIGGER"
    MESSAGE = "MESSAGE"
    WAIT = "WAIT"
    WAIT_FOR_EVENT = "WAIT_FOR_EVENT"
    CONDITION = "CONDITION"
    SPLIT = "SPLIT"
    GOAL_CHECK = "GOAL_CHECK"
    WEBHOOK = "WEBHOOK"
    UPDATE_CONTACT = "UPDATE_CONTACT"
    EXIT = "EXIT"


class Channel(enum.StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    WEB_PUSH = "WEB_PUSH"
    IN_APP = "IN_APP"
    WHATSAPP = "WHATSAPP"


class EventType(enum.StrEnum):
    """What the journey engine reports. Each type has a counter column of the same name, lower-cased, in the rollups."""

    JOURNEY_ENTERED = "JOURNEY_ENTERED"
    JOURNEY_COMPLETED = "JOURNEY_COMPLETED"
    JOURNEY_EXITED = "JOURNEY_EXITED"
    GOAL_CONVERTED = "GOAL_CONVERTED"
    NODE_ENTERED = "NODE_ENTERED"
    PATH_TRAVERSED = "PATH_TRAVERSED"
    MESSAGE_SENT = "MESSAGE_SENT"
    MESSAGE_DELIVERED = "MESSAGE_DELIVERED"
    MESSAGE_BOUNCED = "MESSAGE_BOUNCED"
    MESSAGE_OPENED = "MESSAGE_OPENED"
    MESSAGE_CLICKED = "MESSAGE_CLICKED"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    SPAM_COMPLAINT = "SPAM_COMPLAINT"
    HOLDOUT_GLOBAL = "HOLDOUT_GLOBAL"
    HOLDOUT_JOURNEY = "HOLDOUT_JOURNEY"
    ADDED_TO_CART = "ADDED_TO_CART"
    TRANSACTION = "TRANSACTION"
    WEBHOOK_SUCCEEDED = "WEBHOOK_SUCCEEDED"
    WEBHOOK_FAILED = "WEBHOOK_FAILED"

    @property
    def column(self) -> str:
        """Its counter column in the rollup tables."""
        return self.value.lower()


# The rollups' counter columns, in EventType order.
COUNTERS = [t.column for t in EventType]
# Each event type's place among COUNTERS (and in a counts row's values).
EVENT_POSITION: dict[EventType, int] = {t: i for i, t in enumerate(EventType)}

# Event types whose distinct contacts are kept per bucket (exact unique counts), with their small-int code.
UNIQUE_KINDS: dict[EventType, int] = {
    EventType.JOURNEY_ENTERED: 1,
    EventType.GOAL_CONVERTED: 2,
    EventType.NODE_ENTERED: 3,
    EventType.PATH_TRAVERSED: 4,
    EventType.MESSAGE_OPENED: 5,
    EventType.MESSAGE_CLICKED: 6,
}
# The same types as an SQL list, `('JOURNEY_ENTERED', ...)`: events of these types carry their contact's ordinal.
UNIQUE_TYPES = "(" + ", ".join(f"'{t.value}'" for t in UNIQUE_KINDS) + ")"
