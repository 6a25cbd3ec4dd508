"""Public and staff pages. Views call selectors and actions only."""

from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("directory/", views.directory, name="directory"),
    path("directory/<str:code>/", views.organization_detail, name="organization"),
    path("login/", views.login_view, name="login"),
]
