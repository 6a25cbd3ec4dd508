"""In-app notifications; email copies are sent after commit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .texts import render, render_html


class Notification(models.Model):
    """One notice to one user about a message (or anything else)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(
        "lifecycle.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    verb = models.CharField(max_length=30)
    # The text in the site's default language when written (email copies, admin search,
    # and the only text of rows written before keys existed).
    text = models.CharField(max_length=300)
    # The message key (Chinese source text) and its parameters: rendered at read time
    # in the reader's language (``texts.render``). Empty key: show ``text``.
    text_key = models.CharField(max_length=300, blank=True, default="")
    params = models.JSONField(blank=True, default=list)
    url = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def display_text(self) -> str:
        """The text in the active language (the reader's); old rows show what was stored."""
        if not self.text_key:
            return self.text
        return render(self.text_key, self.params)[:300]

    @property
    def display_html(self) -> SafeString:
        """``display_text`` for pages: escaped, with the user content (titles, reasons) marked."""
        if not self.text_key:
            # Written before keys existed: shown as it was stored.
            return format_html("<span data-user-content>{}</span>", self.text)
        return render_html(self.text_key, self.params)
