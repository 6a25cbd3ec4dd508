"""PostgreSQL: ten times the statistics of ``search_vector`` (target 1,000).

Search chooses its plan from the column's most common lexemes (``search_stats``); a
lexeme not listed counts as rarer than the smallest listed share. At the default target
(100: ~1,000 lexemes from 30,000 sampled rows) that share was ~1 %, so a word outside
the list could still match ~10,000 of 1 M messages; at 1,000 (up to ~10,000 lexemes from
300,000 rows) it was 0.28 % on the 1 M bench database (ANALYZE took 95 s on the busy
bench machine). The next ANALYZE (autovacuum's, or one run by hand) applies it.
"""

from django.db import migrations

FORWARD = ["ALTER TABLE lifecycle_message ALTER COLUMN search_vector SET STATISTICS 1000"]
BACKWARD = ["ALTER TABLE lifecycle_message ALTER COLUMN search_vector SET STATISTICS -1"]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0009_search_vector_column")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
