"""Issue an API token for a (service) account; the secret is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liuyanban.accounts.models import User
from liuyanban.api.models import ApiToken


class Command(BaseCommand):
    help = "Create a named API token for USERNAME and print its secret (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        token, secret = ApiToken.issue(user=user, name=options["name"])
        self.stdout.write(f"token #{token.pk} {token.name} for {user.username}:")
        self.stdout.write(secret)
