"""Migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.models import Base


async def test_migrated_database_matches_the_models(app):
    # given the session database, upgraded from empty by the fixtures

    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    # when autogenerate compares it with the models
    async with app.state.engine.connect() as connection:
        found = await connection.run_sync(differences)

    # then it finds nothing to do
    assert found == []


async def test_every_primary_key_and_index_leads_with_the_workspace():
    for table in Base.metadata.sorted_tables:
        key_column = "id" if table.name == "workspaces" else "workspace_id"
        assert table.primary_key.columns.keys()[0] == key_column, table.name
        for index in table.indexes:
            assert index.columns.keys()[0] == "workspace_id", index.name
        for constraint in table.constraints:
            columns = getattr(constraint, "columns", None)
            if columns is not None and constraint.__class__.__name__ == "UniqueConstraint":
                assert columns.keys()[0] == "workspace_id", constraint.name
