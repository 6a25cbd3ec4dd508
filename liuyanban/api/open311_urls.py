"""URLs of Open311 GeoReport v2 (filled in by open311.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
