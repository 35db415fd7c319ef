"""Custom scalars. Date, DateTime and Decimal are strawberry's own (ISO 8601 text,
decimals as strings); JSON is strawberry's arbitrary-JSON scalar."""

from __future__ import annotations

from strawberry.scalars import JSON

__all__ = ["JSON"]
