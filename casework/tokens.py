"""API tokens: how long one lasts, and how it ends.

A token is DRF's authtoken `Token` (one per user, sent as `Authorization: Token <key>` or the
WebSocket's `?token=`). It lasts API_TOKEN_TTL_DAYS from its issue, however much it is used: a
lost tablet's token stops at a date known in advance, and checking it writes nothing (a
sliding expiry would write on every request, which the embedded SQLite serialises). Its owner
revokes it; a password change or a deactivation revokes every token of the user, whoever made
the change and however (admin, `changepassword`, the shell): hence the model signals below.

`credentials_revoked` is sent on commit with `user_id` and `token` (the digest of the revoked
key, or None when all the user's credentials went): the layers above close what is open.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal
from rest_framework.authtoken.models import Token

from casework import clock
from casework.models import User

credentials_revoked = Signal()


def token_digest(key: str) -> str:
    """What identifies a key outside the database (channel-layer messages), without being it."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def token_expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)


def token_is_expired(token: Token) -> bool:
    return clock.now() >= token_expires_at(token)


def token_user(key: str) -> User | None:
    """The active owner of an unexpired token with this key; None otherwise."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active or token_is_expired(token):
        return None
    return token.user


def credentials_hold(*, user: User, digest: str | None) -> bool:
    """Whether what authenticated `user` earlier still holds: the user still active with the same
    password, and the token (by digest, None for a session) still issued and unexpired."""
    if not User.objects.filter(pk=user.pk, is_active=True, password=user.password).exists():
        return False
    if digest is None:
        return True
    token = Token.objects.filter(user_id=user.pk).first()
    return token is not None and token_digest(token.key) == digest and not token_is_expired(token)


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token: the current one, or a new one when it has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_is_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


@transaction.atomic
def token_revoke(*, token: Token) -> None:
    """Revoke one token (its owner signing a device out); connections it opened close."""
    user_id, digest = token.user_id, token_digest(token.key)
    Token.objects.filter(pk=token.pk).delete()
    transaction.on_commit(lambda: credentials_revoked.send(sender=Token, user_id=user_id, token=digest))


def tokens_revoke_all(*, user_id: int) -> None:
    """Revoke every token of the user; every connection of theirs closes."""
    Token.objects.filter(user_id=user_id).delete()
    transaction.on_commit(lambda: credentials_revoked.send(sender=Token, user_id=user_id, token=None))


# --- a password change or a deactivation ends the user's tokens, whatever path saved it ---

CREDENTIAL_FIELDS = {"password", "is_active"}


def _note_credential_change(sender, instance: User, raw: bool = False, update_fields=None, **kwargs) -> None:
    instance._credentials_changed = False
    if raw or instance.pk is None or (update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields)):
        return  # a new user, a fixture, or a save that cannot touch them (last_login at each sign-in)
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is not None and (before["password"] != instance.password
                               or (before["is_active"] and not instance.is_active)):
        instance._credentials_changed = True


def _revoke_on_credential_change(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if not raw and getattr(instance, "_credentials_changed", False):
        instance._credentials_changed = False
        tokens_revoke_all(user_id=instance.pk)


def connect_signals() -> None:
    pre_save.connect(_note_credential_change, sender=User, dispatch_uid="casework.tokens.note")
    post_save.connect(_revoke_on_credential_change, sender=User, dispatch_uid="casework.tokens.revoke")
