"""Writes about people: register, log in, reset and change passwords, edit the profile,
onboard staff (accounts and posts, each change with an ``AuditEntry``).

Code-sending steps never say whether a contact has an account: when it has one
(registration) or has none (password reset), the contact gets a notice instead of
a code, and the page looks the same. Only the person who holds the contact learns
the answer. Steps that check a code may say more, since the code proves the holder.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import authenticate, login, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liuyanban.core.clientip import client_ip
from liuyanban.core.errors import Conflict, InvalidInput
from liuyanban.organizations.loading.sync import SyncCounts, chunks, fetch_by_code
from liuyanban.organizations.models import Organization

from . import throttle
from .models import AuditAction, AuditEntry, Membership, User, VerificationPurpose
from .nicknames import validate_nickname
from .staff_sheet import StaffPost, find_users
from .verification import BIND, Contact, consume_code, issue_code, parse_contact

# --- Reading helpers used by the actions ----------------------------------------


def user_with_contact(contact: Contact) -> User | None:
    """The account holding ``contact`` as its phone or email, if any."""
    if contact.kind == "phone":
        return User.objects.filter(phone=contact.value).first()
    return User.objects.filter(email__iexact=contact.value).first()


def login_identifier(raw: str) -> str:
    """A typed login name in the form stored: phone normalised, email lower case."""
    raw = raw.strip()
    try:
        return parse_contact(raw).value
    except InvalidInput:
        return raw


def _validate_password(password: str, user: User, field: str = "password1") -> None:
    """Run Django's password validators, reporting under ``field``."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(fields={field: list(exc.messages)}) from exc


def _new_username() -> str:
    """A random login name ("u" + 10 characters); people log in with their contact."""
    alphabet = string.ascii_lowercase + string.digits
    while True:
        name = "u" + "".join(secrets.choice(alphabet) for _i in range(10))
        if not User.objects.filter(username=name).exists():
            return name


def _set_contact(user: User, contact: Contact) -> None:
    """Put a verified contact on ``user`` (unsaved)."""
    if contact.kind == "phone":
        user.phone, user.phone_verified = contact.value, True
    else:
        user.email, user.email_verified = contact.value, True


def _taken_error(contact: Contact) -> Conflict:
    return Conflict(_("该%(kind)s已被其他账号使用，请直接登录或找回密码") % {"kind": contact.label})


# --- Registration ---------------------------------------------------------------


def request_registration_code(*, contact: Contact, ip: str) -> None:
    """Send a registration code; a contact that already has an account gets a notice."""
    notice = None
    if user_with_contact(contact) is not None:
        notice = _(
            "【%(site)s】有人尝试用此%(kind)s注册新账号，但它已绑定一个账号。"
            "如是您本人，请直接登录，忘记密码可通过验证码重置。"
        ) % {"site": settings.LIUYANBAN["SITE_NAME"], "kind": contact.label}
    issue_code(contact=contact, purpose=VerificationPurpose.REGISTER, ip=ip, notice=notice)


def register_user(
    *, contact: Contact, code: str, nickname: str, password: str, real_name: str = ""
) -> User:
    """Create a citizen account with a verified contact, after checking the code."""
    user = User(
        username=_new_username(),
        nickname=validate_nickname(nickname),
        real_name=real_name.strip(),
    )
    _set_contact(user, contact)
    _validate_password(password, user)
    # The code first: only its holder may learn that the contact is taken. And
    # outside the transaction, so that a wrong guess stays counted.
    consume_code(contact=contact, purpose=VerificationPurpose.REGISTER, code=code)
    if user_with_contact(contact) is not None:
        raise _taken_error(contact)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the contact was taken between the check and the save
        raise _taken_error(contact) from exc
    return user


# --- Logging in -----------------------------------------------------------------


def log_in(*, request: HttpRequest, identifier: str, password: str) -> User:
    """Log in by phone, email or username, unless too many recent attempts failed."""
    ident = login_identifier(identifier)
    ip = client_ip(request)
    # The attempt is claimed (and counted) before the password is checked: concurrent
    # guesses cannot all slip in while the first ones are being evaluated.
    subject = throttle.start_login(identifier=ident, ip=ip)
    user = authenticate(request, username=ident, password=password)
    if not isinstance(user, User):
        raise InvalidInput(_("账号或密码不正确"))
    throttle.login_succeeded(subject=subject, ip=ip)
    login(request, user)
    return user


# --- Passwords ------------------------------------------------------------------


def request_reset_code(*, contact: Contact, ip: str) -> None:
    """Send a password-reset code; a contact without an account gets a notice."""
    notice = None
    if user_with_contact(contact) is None:
        notice = _(
            "【%(site)s】有人尝试用此%(kind)s找回密码，但它没有绑定任何账号。"
            "如需使用留言板，请先注册。"
        ) % {"site": settings.LIUYANBAN["SITE_NAME"], "kind": contact.label}
    issue_code(contact=contact, purpose=VerificationPurpose.RESET, ip=ip, notice=notice)


def reset_password(*, contact: Contact, code: str, new_password: str) -> User:
    """Set a new password for the account holding ``contact``, after checking the code."""
    user = user_with_contact(contact)
    # Validate for a blank user when there is none, so the errors do not tell.
    _validate_password(new_password, user or User())
    consume_code(contact=contact, purpose=VerificationPurpose.RESET, code=code)
    if user is None:  # unreachable in practice: nobody knows a notice's code
        raise InvalidInput(fields={"code": [_("验证码已过期或不存在，请重新获取")]})
    with transaction.atomic():
        user.set_password(new_password)
        _set_contact(user, contact)  # receiving the code proves the contact
        user.save()
    throttle.clear_account(user)
    return user


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> None:
    """Change the password of a logged-in person who knows the current one."""
    if not user.check_password(old_password):
        raise InvalidInput(fields={"old_password": [_("当前密码不正确")]})
    _validate_password(new_password, user, field="new_password1")
    user.set_password(new_password)
    user.save(update_fields=["password"])


# --- Profile --------------------------------------------------------------------


@transaction.atomic
def update_profile(*, user: User, nickname: str, real_name: str) -> User:
    """Change the public nickname and the private real name."""
    user.nickname = validate_nickname(nickname)
    user.real_name = real_name.strip()
    user.save(update_fields=["nickname", "real_name"])
    return user


def request_contact_code(*, user: User, contact: Contact, ip: str) -> None:
    """Send a code to bind ``contact`` to ``user``; a contact of another account gets a notice."""
    owner = user_with_contact(contact)
    if owner == user and _is_verified(user, contact):
        raise InvalidInput(fields={"contact": [_("该%(kind)s已验证") % {"kind": contact.label}]})
    notice = None
    if owner is not None and owner != user:
        notice = _(
            "【%(site)s】有人尝试将此%(kind)s绑定到另一个账号，但它已绑定您的账号，未作更改。"
        ) % {"site": settings.LIUYANBAN["SITE_NAME"], "kind": contact.label}
    issue_code(contact=contact, purpose=BIND, ip=ip, notice=notice)


def bind_contact(*, user: User, contact: Contact, code: str) -> User:
    """Set ``contact`` as the user's verified phone or email, after checking the code."""
    consume_code(contact=contact, purpose=BIND, code=code)
    owner = user_with_contact(contact)
    if owner is not None and owner != user:
        raise _taken_error(contact)
    _set_contact(user, contact)
    try:
        with transaction.atomic():
            user.save(update_fields=["phone", "phone_verified", "email", "email_verified"])
    except IntegrityError as exc:
        raise _taken_error(contact) from exc
    return user


def _is_verified(user: User, contact: Contact) -> bool:
    """Whether ``contact`` is the user's own, already verified contact."""
    if contact.kind == "phone":
        return user.phone == contact.value and user.phone_verified
    return user.email.lower() == contact.value and user.email_verified


# --- Staff onboarding -------------------------------------------------------------


def _username(post: StaffPost, taken: set[str]) -> str:
    """The login name of a new account: its phone or email, made unique if needed."""
    base = post.person[:140]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def onboard_staff(
    *, actor: User | None, posts: Sequence[StaffPost], via: str
) -> tuple[SyncCounts, SyncCounts]:
    """Accounts for the posts' people and their posts; (account counts, post counts).

    A person is found by phone or email; a new account has an unusable password until
    its holder sets one, and an existing account only gets a missing real name filled
    (never overwritten). Each change is recorded as an ``AuditEntry`` by ``actor`` (None:
    the command line) ``via`` the named channel. Runs in the caller's transaction; the
    bodies named by ``org_code`` must exist.
    """
    by_phone, by_email = find_users(posts)
    users: dict[str, User] = {}
    new: list[User] = []
    filled: list[User] = []
    taken = set(
        User.objects.filter(username__in=[s.person[:140] for s in posts]).values_list(
            "username", flat=True
        )
    )
    for post in posts:
        if post.person in users:
            continue
        user = by_phone.get(post.phone) or by_email.get(post.email)
        if user is None:
            user = User(
                username=_username(post, taken),
                phone=post.phone,
                email=post.email,
                real_name=post.name,
            )
            user.set_unusable_password()
            new.append(user)
        elif post.name and not user.real_name:
            user.real_name = post.name  # fill a gap, never overwrite what the person set
            filled.append(user)
        users[post.person] = user
    User.objects.bulk_create(new, batch_size=500)
    User.objects.bulk_update(filled, ["real_name"], batch_size=500)
    entries = [
        AuditEntry(actor=actor, user=u, action=AuditAction.ACCOUNT_CREATED, via=via) for u in new
    ]
    entries += [
        AuditEntry(actor=actor, user=u, action=AuditAction.NAME_FILLED, via=via) for u in filled
    ]
    accounts = SyncCounts(len(new), len(filled), len(users) - len(new) - len(filled))
    posts_counts = _grant_posts(actor, posts, users, via, entries)
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return accounts, posts_counts


def _grant_posts(
    actor: User | None,
    posts: Sequence[StaffPost],
    users: dict[str, User],
    via: str,
    entries: list[AuditEntry],
) -> SyncCounts:
    """Memberships created or retitled (their audit entries added to ``entries``)."""
    org_ids = {c: o.pk for c, o in fetch_by_code(Organization, {s.org_code for s in posts}).items()}
    existing: dict[tuple[int, int, str], Membership] = {}
    user_ids = sorted({u.pk for u in users.values()})
    for part in chunks(user_ids):
        for m in Membership.objects.filter(user_id__in=part):
            existing[(m.user_id, m.organization_id, m.role)] = m
    new: list[Membership] = []
    changed: list[Membership] = []
    counts = SyncCounts()
    for post in posts:
        key = (users[post.person].pk, org_ids[post.org_code], post.role)
        membership = existing.get(key)
        if membership is None:
            membership = Membership(
                user_id=key[0], organization_id=key[1], role=key[2], title=post.title
            )
            new.append(membership)
            action = AuditAction.POST_GRANTED
        elif membership.title != post.title:
            membership.title = post.title
            changed.append(membership)
            action = AuditAction.POST_RETITLED
        else:
            counts.unchanged += 1
            continue
        entries.append(
            AuditEntry(
                actor=actor,
                user_id=key[0],
                action=action,
                organization_id=key[1],
                role=key[2],
                title=post.title,
                via=via,
            )
        )
    Membership.objects.bulk_create(new, batch_size=500)
    Membership.objects.bulk_update(changed, ["title"], batch_size=500)
    counts.created, counts.updated = len(new), len(changed)
    return counts
