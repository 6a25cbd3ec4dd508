"""Background work of the notifications app (Django tasks API)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django_tasks import task

from .models import Notification


@task()
def email_notifications(notification_ids: list[int]) -> int:
    """Send the email copy of notifications whose user has an email; mark them sent."""
    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed=False).select_related(
        "user"
    )
    for row in rows:
        if not row.user.email:
            continue
        # Email copies in the site's language (users have no stored language).
        with translation.override(settings.LANGUAGE_CODE):
            text = row.display_text
        send_mail(
            subject=f"[{settings.LIUYANBAN['SITE_NAME']}] {text[:60]}",
            message=f"{text}\n\n{row.url}",
            from_email=None,
            recipient_list=[row.user.email],
            fail_silently=True,
        )
        Notification.objects.filter(pk=row.pk).update(emailed=True)
        sent += 1
    return sent
