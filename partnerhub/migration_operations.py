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


def clamp_out_of_range_dates(
    app_label: str, fields: dict[str, list[str]], *, month_fields: dict[str, list[str]] | None = None, derive: dict | None = None
):
    """A RunPython that reports and fixes stored dates outside partnerhub.input_bounds' range (issue 14),
    before the migration that adds the check constraints.

    `fields`: per model, its person-entered date fields, earlier ones first (start before end): a date
    after the range becomes its last day, one before it its first day. Clamping keeps every "end on or
    after start" rule of the rows true (later dates are clamped first at the bottom, earlier first at
    the top). `month_fields` are clamped to first days of months. `derive`: per model, a function
    (model, pks) recomputing derived columns of the changed rows. Each fixed row is printed with its old value."""
    from datetime import date

    from django.db import migrations
    from django.db.models import Q

    from .input_bounds import MAX_DATE, MIN_DATE

    month_fields = month_fields or {}
    derive = derive or {}

    def forwards(apps, schema_editor):
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            changed: set[int] = set()
            months = set(month_fields.get(model_name, []))
            top = [(name, date(MAX_DATE.year, MAX_DATE.month, 1) if name in months else MAX_DATE) for name in names]
            bottom = [(name, MIN_DATE) for name in reversed(names)]
            for name, bound in top + bottom:
                condition = Q(**{f"{name}__gt": bound}) if bound > MIN_DATE else Q(**{f"{name}__lt": bound})
                rows = list(model.objects.filter(condition).values_list("pk", name))
                for pk, value in rows:
                    print(f"\n  {app_label}.{model_name} #{pk}: {name} {value} is out of range; set to {bound}", end="")
                if rows:
                    model.objects.filter(pk__in=[pk for pk, _ in rows]).update(**{name: bound})
                    changed.update(pk for pk, _ in rows)
            if changed and model_name in derive:
                derive[model_name](model, sorted(changed))

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
