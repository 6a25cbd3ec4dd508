"""URL routes of the web's campaigns pages (owned by one area; see web/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
