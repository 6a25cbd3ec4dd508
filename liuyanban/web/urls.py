"""The web interface: one route module per area, all under the "web" namespace.

Views call selectors and actions only; no domain logic lives here.
"""

from django.urls import URLPattern, URLResolver

from .routes import campaigns, directory, hot, public, staff, stats

app_name = "web"
urlpatterns: list[URLPattern | URLResolver] = [
    *directory.urlpatterns,
    *public.urlpatterns,
    *staff.urlpatterns,
    *stats.urlpatterns,
    *campaigns.urlpatterns,
    *hot.urlpatterns,
]
