"""Messages written without a region take the region of their board's body.

The rollups are keyed by region, so when any row changes the analytics cursor goes
back to zero: the background fold then moves each message's contribution to its
region (idempotently, message by message), as it does after any lost signal.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Message = apps.get_model("lifecycle", "Message")
    Board = apps.get_model("organizations", "Board")
    Cursor = apps.get_model("analytics", "Cursor")
    region_of_board = Board.objects.filter(pk=OuterRef("board_id")).values(
        "organization__region_id"
    )[:1]
    changed = Message.objects.filter(region__isnull=True).update(
        region_id=Subquery(region_of_board)
    )
    if changed:
        Cursor.objects.filter(name="rollups").update(last_event_id=0)


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0004_public_list_indexes"),
        ("organizations", "0001_initial"),
        ("analytics", "0001_rollups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
