"""Account pages: register, verify, log in and out, reset password, profile."""

from django.urls import path

app_name = "accounts"
urlpatterns: list = []  # type: ignore[type-arg]
