"""WSGI entry point (served by granian in production, runserver in development)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
application = get_wsgi_application()
