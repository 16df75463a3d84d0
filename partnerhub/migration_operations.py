"""Migration operations PartnerHub's apps share."""

from django.db.migrations.operations.base import Operation


class CreateTrigramSearchIndexes(Operation):
    """Trigram (pg_trgm) GIN indexes for a list's "Search" box.

    The search filters use `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE '%TERM%'`:
    no b-tree helps, so a rare term scanned every row (1.4 s over 500,000 activities). A GIN index
    on the same expression with gin_trgm_ops answers it from the index. PostgreSQL only: SQLite
    (the embedded first-run database) keeps scanning, which is fine at its sizes.

    `indexes` maps index name to column. The table is analyzed afterwards because the planner
    needs statistics on the new expressions to prefer the index over a sorted scan.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, indexes: dict[str, str]):
        self.model_name = model_name
        self.indexes = indexes

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name, "indexes": self.indexes}

    def state_forwards(self, app_label, state):
        pass  # no model state: the indexes exist only in PostgreSQL, not in the models' Meta

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in self.indexes.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )
        schema_editor.execute(f'ANALYZE "{table}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in self.indexes:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def describe(self):
        return f"Trigram search indexes on {self.model_name}: {', '.join(self.indexes)}"
