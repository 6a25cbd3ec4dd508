"""URL routes of the web's public pages (owned by one area; see web/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
