"""A docs page that needs no CDN: Swagger UI from our own static files."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

PAGE = """{% load static %}<!DOCTYPE html>
<html lang="zh-hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="{% static 'vendor/swagger-ui/swagger-ui.css' %}">
<title>{{ title }}</title></head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{{ settings_json|safe }}</script>
<div id="swagger-ui"></div>
<script src="{% static 'vendor/swagger-ui/swagger-ui-bundle.js' %}"></script>
<script src="{% static 'vendor/swagger-ui/swagger-ui-init.js' %}"></script>
</body></html>"""


class LocalSwagger(DocsBase):
    """Swagger UI vendored under static/vendor/swagger-ui (no internet needed)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
        }
        template = engines["django"].from_string(PAGE)
        html = template.render(
            {"title": api.title, "settings_json": json.dumps(settings)}, request=request
        )
        return HttpResponse(html)
