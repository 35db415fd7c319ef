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


class Scope(enum.StrEnum):
    """What a credential may do: `read` queries, `write` journey mutations, `ingest` events."""

    READ = "read"
    WRITE = "write"
    INGEST = "ingest"
