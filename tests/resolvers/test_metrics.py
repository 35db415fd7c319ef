"""The metric list (resolvers/metrics.py) is the one declaration: the schema, the reference the
figures are checked against, the docs and the choice of statements all agree with it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journeygraph.execution.executable import schema
from journeygraph.resolvers.metrics import BY_LEVEL, METRICS, UNIQUE_FIELDS
from tests import reference
from tests.operations import create_journey

ROOT = Path(__file__).resolve().parents[2]
TYPES = {"journey": "JourneyPerformance", "node": "NodePerformance", "path": "PathPerformance"}
LO, HI = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
# SPEC.md's metrics made of distinct contacts (the unique counts and the rates over them), by level
ON_DISTINCT_CONTACTS = {
    "journey": {
        "uniqueContactCount",
        "uniqueConvertedCount",
        "conversionRate",
        "uniqueOpens",
        "uniqueClicks",
    },
    "node": {"uniqueContactCount", "uniqueOpens", "uniqueClicks", "openRate", "clickRate", "clickToOpenRate"},
    "path": {"uniqueContactCount", "uniqueContactRatio"},
}


def test_each_performance_type_has_exactly_the_metrics_of_its_level():
    for level, name in TYPES.items():
        fields = schema._schema.type_map[name].fields  # type: ignore[attr-defined]
        assert list(fields) == [m.graphql_name for m in BY_LEVEL[level]], level


def test_the_reference_defines_every_metric_and_nothing_else():
    # a metric added to the list without its definition in tests/reference.py fails here
    defined = {
        "journey": reference.journey([], "j", LO, HI),
        "node": reference.node([], "n", "MESSAGE", LO, HI),
        "path": reference.path([], "p", "n", LO, HI),
    }
    for level, figures in defined.items():
        assert set(figures) == {m.graphql_name for m in BY_LEVEL[level]}, level


def test_docs_define_every_metric():
    text = (ROOT / "docs" / "metrics.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    assert {m.graphql_name for m in METRICS} <= documented


def test_null_where_not_applicable_follows_the_node_types():
    fields = schema._schema.type_map["NodePerformance"].fields  # type: ignore[attr-defined]
    for metric in BY_LEVEL["node"]:
        nullable = not str(fields[metric.graphql_name].type).endswith("!")
        assert nullable == (metric.node_types is not None or metric.nullable), metric.name


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: f"{m.level}.{m.name}")
async def test_distinct_contacts_are_read_exactly_when_a_selected_metric_needs_them(api, metric):
    # whichever single metric is selected, the statements read contact sets only if it needs them:
    # a distinct metric left out of UNIQUE_FIELDS would read 0 instead of failing
    journey = await create_journey(api)
    window = 'startDate: "2026-01-01", endDate: "2026-01-31"'
    field = metric.graphql_name
    query = {
        "journey": f"query($id: ID!) {{ journey(id: $id) {{ performance({window}) {{ {field} }} }} }}",
        "node": f"query($id: ID!) {{ journey(id: $id) {{ nodes {{ performance({window}) {{ {field} }} }} }} }}",
        "path": f"query($id: ID!) {{ journey(id: $id) {{ paths {{ performance({window}) {{ {field} }} }} }} }}",
    }[metric.level]

    await api.count(query, {"id": journey["id"]})

    reads_sets = any("contact_sets" in s for s in api.counter.statements)
    assert reads_sets == (field in UNIQUE_FIELDS)
    assert reads_sets == (field in ON_DISTINCT_CONTACTS[metric.level])
