"""Who may do what in a campaign. A role held at an organisation covers its subtree."""

from __future__ import annotations

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, has_role_over, is_platform_admin
from liuyanban.organizations.models import Organization

from .models import Campaign

HOST_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)


def can_host(user: AnyUser, org: Organization | None) -> bool:
    """Staff who may create and run campaigns for ``org``: its clerks, leaders and admins."""
    return is_platform_admin(user) or has_role_over(user, org, *HOST_ROLES)


def can_manage(user: AnyUser, campaign: Campaign) -> bool:
    """The host's staff: edit the campaign, adopt suggestions, turn them into messages."""
    return can_host(user, campaign.host)


def can_moderate(user: AnyUser, campaign: Campaign) -> bool:
    """Moderators over the host organisation publish or reject suggestions."""
    return is_platform_admin(user) or has_role_over(user, campaign.host, Role.MODERATOR)


def can_review(user: AnyUser, campaign: Campaign) -> bool:
    """The review queue (all statuses, exports, topic groups) is for hosts and moderators."""
    return can_manage(user, campaign) or can_moderate(user, campaign)
