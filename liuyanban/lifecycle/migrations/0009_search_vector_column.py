"""PostgreSQL: the segmented text's tsvector as a stored generated column, GIN-indexed.

With only an expression index, ``ORDER BY id DESC LIMIT 20`` made PostgreSQL walk the
primary key and compute ``to_tsvector()`` for every row it passed (seconds for a rare
word at 1 M). A stored column is computed once per write, gives the planner real
statistics of each word, and is cheap to test row by row when a common word makes the
walk the better plan. SQLite keeps its FTS5 table (migration 0003).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE lifecycle_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS msg_search_vector ON lifecycle_message USING gin (search_vector)",
    "DROP INDEX IF EXISTS msg_search_gin",
    "ANALYZE lifecycle_message",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS msg_search_gin ON lifecycle_message "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "ALTER TABLE lifecycle_message DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0008_public_answered_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
