"""URL routes of the directory pages."""

from django.urls import URLPattern, path

from liuyanban.web.views import directory

urlpatterns: list[URLPattern] = [
    path("", directory.home, name="home"),
    path("directory/", directory.directory, name="directory"),
    path("directory/<str:code>/", directory.organization_detail, name="organization"),
]
