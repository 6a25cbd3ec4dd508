"""URL map: the web (public and staff), the admin, the REST API and Open311."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language


class FaviconRedirect(RedirectView):
    """To the hashed favicon, looked up per request: at import time the static manifest may
    not exist yet (``check --deploy`` and ``migrate`` run before ``collectstatic``)."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static_url("img/favicon.ico")


urlpatterns: list[URLPattern | URLResolver] = [
    # Browsers ask for /favicon.ico whatever the page links; answer instead of logging a 404.
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    # Choosing the display language changes no data, so it needs no CSRF token; the
    # language form on every page therefore leaves anonymous pages cookie-free (cacheable).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("liuyanban.accounts.urls")),
    path("api/v1/", include("liuyanban.api.urls")),
    path("open311/v2/", include("liuyanban.api.open311_urls")),
    path("", include("liuyanban.web.urls")),
]
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413, not a bare 400.
handler400 = "liuyanban.core.views.bad_request"

# Anchor views for bench/http_bench.py only; off unless LIUYANBAN_BENCH_VIEWS=1.
if settings.LIUYANBAN.get("BENCH_VIEWS"):
    urlpatterns.insert(0, path("_bench/", include("liuyanban.web.views.bench")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
