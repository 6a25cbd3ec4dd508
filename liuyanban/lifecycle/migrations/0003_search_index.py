"""Full-text index over ``Message.search_text`` (jieba-segmented public text).

SQLite: an FTS5 table (unicode61 over the space-separated words) with the message
table as external content, kept in sync by triggers, so every writer — the
actions, ``QuerySet.update``, bulk imports — updates the index in the same
transaction. PostgreSQL: a GIN expression index over
``to_tsvector('simple', search_text)``; the expression itself needs no syncing.
See docs/search.md.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE message_fts USING fts5(
        search_text, content='lifecycle_message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER message_fts_ai AFTER INSERT ON lifecycle_message BEGIN
        INSERT INTO message_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER message_fts_ad AFTER DELETE ON lifecycle_message BEGIN
        INSERT INTO message_fts(message_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER message_fts_au AFTER UPDATE OF search_text ON lifecycle_message BEGIN
        INSERT INTO message_fts(message_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO message_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS message_fts_au",
    "DROP TRIGGER IF EXISTS message_fts_ad",
    "DROP TRIGGER IF EXISTS message_fts_ai",
    "DROP TABLE IF EXISTS message_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS msg_search_gin ON lifecycle_message "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS msg_search_gin"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0002_event_append_only_and_defaults")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
