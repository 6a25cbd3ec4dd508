"""URL map: the web (public and staff), the admin, the REST API and Open311."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    # Choosing the display language changes no data, so it needs no CSRF token; the
    # language form on every page therefore leaves anonymous pages cookie-free (cacheable).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("liuyanban.accounts.urls")),
    path("api/v1/", include("liuyanban.api.urls")),
    path("open311/v2/", include("liuyanban.api.open311_urls")),
    path("", include("liuyanban.web.urls")),
]
# Anchor views for bench/http_bench.py only; off unless LIUYANBAN_BENCH_VIEWS=1.
if settings.LIUYANBAN.get("BENCH_VIEWS"):
    urlpatterns.insert(0, path("_bench/", include("liuyanban.core.bench_views")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
