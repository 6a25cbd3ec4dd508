"""Factories for the plain data of tests: people, staff roles, the directory, the taxonomy,
API tokens and webhook endpoints.

Use a factory for a row that is *data* (a user, an organisation, a board, a membership …):
say only the fields the test is about, the factory fills the rest with valid, unique values.
Anything with a lifecycle (a message in a status, a campaign or suggestion, a reply) is made
through the real actions instead: ``world.message_in(status)`` and ``liuyanban.testing.campaigns``.
No factory here writes a status or an event.
"""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from liuyanban.accounts.models import Membership, Role, User
from liuyanban.api.models import ApiToken, WebhookEndpoint
from liuyanban.organizations.models import Board, BoardKind, Level, Organization, OrgKind, Region
from liuyanban.taxonomy.models import Domain, Kind


class UserFactory(DjangoModelFactory[User]):
    """A citizen. The password is ``pw-<username>`` unless ``password=`` is given; it is
    hashed through ``set_password``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    nickname = factory.LazyAttribute(lambda o: o.username.title())

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted if extracted is not None else f"pw-{obj.username}")
        if create:
            obj.save(update_fields=["password"])


class RegionFactory(DjangoModelFactory[Region]):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"97{n:04d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Level.COUNTY


class OrganizationFactory(DjangoModelFactory[Organization]):
    """A department (its ``path`` follows its parent, as ``Organization.save`` computes it)."""

    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"test-org-{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    kind = OrgKind.DEPARTMENT
    level = Level.COUNTY
    parent = None
    region = None


class BoardFactory(DjangoModelFactory[Board]):
    """A department's board (``kind=BoardKind.LEADER`` with ``leader_title`` for a leader's)."""

    class Meta:
        model = Board

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"test-board-{n}")
    name = factory.LazyAttribute(lambda o: o.organization.name)
    kind = BoardKind.BODY


class MembershipFactory(DjangoModelFactory[Membership]):
    """A staff role: ``MembershipFactory(user=…, organization=…, role=Role.CLERK)``."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER


class StaffFactory(UserFactory):
    """A user with one role: ``StaffFactory(membership__organization=org,
    membership__role=Role.CLERK)``."""

    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="user")


class DomainFactory(DjangoModelFactory[Domain]):
    class Meta:
        model = Domain

    code = factory.Sequence(lambda n: f"test-domain-{n}")
    name = factory.Sequence(lambda n: f"测试领域{n}")


class KindFactory(DjangoModelFactory[Kind]):
    class Meta:
        model = Kind

    code = factory.Sequence(lambda n: f"kind{n}")
    name = factory.Sequence(lambda n: f"类型{n}")


class ApiTokenFactory(DjangoModelFactory[ApiToken]):
    """A token issued through ``ApiToken.issue``; ``ApiTokenFactory.issue(...)`` also returns
    the one-time secret, as the model's own ``issue`` does."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token-{n}")

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, **kwargs: Any) -> ApiToken:
        token, secret = model_class.issue(user=kwargs["user"], name=kwargs["name"])
        token._issued_secret = secret  # type: ignore[attr-defined]
        return token

    @classmethod
    def issue(cls, **kwargs: Any) -> tuple[ApiToken, str]:
        """``token, secret = ApiTokenFactory.issue(user=world.olga)``."""
        token = cls.create(**kwargs)
        return token, str(token._issued_secret)  # type: ignore[attr-defined]


class WebhookEndpointFactory(DjangoModelFactory[WebhookEndpoint]):
    """An organisation's endpoint subscribed to every event (``event_kinds=[…]`` to narrow)."""

    class Meta:
        model = WebhookEndpoint

    organization = factory.SubFactory(OrganizationFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.org/liuyanban")
    secret = factory.Sequence(lambda n: f"secret-{n}")
    event_kinds = factory.LazyFunction(list)
