"""Account pages: register, verify, log in and out, reset password, profile."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/verify/", views.register_verify, name="register_verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/verify/", views.password_reset_verify, name="password_reset_verify"),
    path("password/change/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/contact/", views.contact_add, name="contact_add"),
    path("profile/contact/verify/", views.contact_verify, name="contact_verify"),
]
