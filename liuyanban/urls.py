"""URL map: the web (public and staff), the admin, the REST API and Open311."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    # Browsers ask for /favicon.ico whatever the page links; answer instead of logging a 404.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static_url("img/favicon.ico"), permanent=True),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("liuyanban.accounts.urls")),
    path("api/v1/", include("liuyanban.api.urls")),
    path("open311/v2/", include("liuyanban.api.open311_urls")),
    path("", include("liuyanban.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
