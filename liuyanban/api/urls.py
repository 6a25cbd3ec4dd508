"""URLs of the api app: the REST API and Open311 GeoReport v2."""

from django.urls import URLPattern, URLResolver, path

from .rest import api

urlpatterns: list[URLPattern | URLResolver] = [path("", api.urls)]
