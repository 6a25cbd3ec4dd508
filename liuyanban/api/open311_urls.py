"""URLs of Open311 GeoReport v2: every resource in .json and .xml."""

from django.urls import URLPattern, URLResolver, re_path

from . import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.services, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition),
    re_path(r"^requests" + FMT, open311.requests_, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.request_detail),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail),
    re_path(r"^servicerequestupdates" + FMT, open311.updates, name="open311-updates"),
]
