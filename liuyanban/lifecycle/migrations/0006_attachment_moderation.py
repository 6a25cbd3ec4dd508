"""Images get their own moderation state; images of already-published messages stay public."""

from django.db import migrations, models

# Messages that had been published (the public saw their images before this change).
WAS_PUBLISHED = ["published", "accepted", "assigned", "in_handling", "reviewing", "replied", "closed"]


def carry_over(apps, schema_editor):
    Attachment = apps.get_model("lifecycle", "Attachment")
    published = Attachment.objects.filter(message__status__in=WAS_PUBLISHED)
    published.filter(is_public=True).update(state="published", moderated_at=models.F("created_at"))
    published.filter(is_public=False).update(state="withheld", moderated_at=models.F("created_at"))


def carry_back(apps, schema_editor):
    Attachment = apps.get_model("lifecycle", "Attachment")
    Attachment.objects.exclude(state="withheld").update(is_public=True)
    Attachment.objects.filter(state="withheld").update(is_public=False)


class Migration(migrations.Migration):

    dependencies = [
        ("lifecycle", "0005_message_region_from_board"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="height",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="attachment",
            name="moderated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="attachment",
            name="state",
            field=models.CharField(
                choices=[("pending", "待审核"), ("published", "已公开"), ("withheld", "不公开")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="width",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(carry_over, carry_back),
        migrations.RemoveField(
            model_name="attachment",
            name="is_public",
        ),
        migrations.AddIndex(
            model_name="attachment",
            index=models.Index(fields=["state", "message"], name="attachment_state_idx"),
        ),
    ]
