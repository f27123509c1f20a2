"""`/api/v1/auth/token/`: signing in for a token, the lockout after repeated failures, and a
token's life — it expires, its owner revokes it, a password change or a deactivation ends it."""
from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import frozen_clock, user

PASSWORD = "fengqiao-demo"
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@contextlib.contextmanager
def frozen_sign_in_clock(moment: dt.datetime):
    """`frozen_clock`, and django-axes' clock with it (it binds `now` at import)."""
    with frozen_clock(moment) as stopped, mock.patch("axes.attempts.now", lambda: stopped), \
            mock.patch("axes.handlers.proxy.now", lambda: stopped):
        yield stopped


def sign_in(username: str, password: str = PASSWORD, *, ip: str = "10.0.0.7"):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password},
                            format="json", REMOTE_ADDR=ip)


def me(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/")


# --- lockout ---

def test_fifty_wrong_passwords_then_the_right_one_is_still_refused_with_429_and_retry_after(demo):
    # given someone guessing grid1's password from one address
    for _ in range(50):
        assert sign_in("grid1", "guess").status_code in (400, 429)

    # when the right password comes next
    reply = sign_in("grid1")

    # then it is refused too, in JSON, saying in Chinese to wait or ask an administrator
    assert reply.status_code == 429
    assert "token" not in reply.json()
    assert reply.json()["code"] == "locked_out"
    assert "锁定" in reply.json()["detail"] and "管理员" in reply.json()["detail"]
    assert int(reply["Retry-After"]) > 0


def test_the_lockout_holds_one_username_at_one_address_only(demo):
    # given grid1 locked out at 10.0.0.7 (the township office's shared address)
    for _ in range(10):
        sign_in("grid1", "guess")
    assert sign_in("grid1").status_code == 429

    # then a colleague at the same office signs in, and so does grid1 from elsewhere
    assert sign_in("grid2").status_code == 200
    assert sign_in("grid1", ip="10.9.9.9").status_code == 200


def test_a_few_typos_then_the_right_password_sign_in(demo):
    for _ in range(3):
        assert sign_in("grid1", "typo").status_code == 400
    assert sign_in("grid1").status_code == 200


def test_the_lockout_ends_after_the_cool_off_or_when_an_administrator_resets_it(demo):
    with frozen_sign_in_clock(NOON):
        for _ in range(10):
            sign_in("grid1", "guess")
        assert sign_in("grid1").status_code == 429
    with frozen_sign_in_clock(NOON + dt.timedelta(minutes=14)):
        assert sign_in("grid1").status_code == 429
    with frozen_sign_in_clock(NOON + dt.timedelta(minutes=30)):
        assert sign_in("grid1").status_code == 200

    for _ in range(10):
        sign_in("head1", "guess")
    assert sign_in("head1").status_code == 429
    call_command("axes_reset_username", "head1")
    assert sign_in("head1").status_code == 200


# --- tokens ---

def test_signing_in_still_answers_just_the_token(demo):
    reply = sign_in("grid1")
    assert reply.status_code == 200
    assert set(reply.json()) == {"token"}
    assert me(reply.json()["token"]).status_code == 200


def test_a_token_expires_after_the_ttl_and_signing_in_again_gives_a_new_one(demo, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    # given a token issued at noon
    with frozen_clock(NOON):
        key = sign_in("grid1").json()["token"]

    # then it works 29 days later, and not 31 days later
    with frozen_clock(NOON + dt.timedelta(days=29)):
        assert me(key).status_code == 200
    with frozen_clock(NOON + dt.timedelta(days=31)):
        refused = me(key)
        assert refused.status_code == 401
        assert "过期" in refused.json()["detail"]
        # and signing in again gives a new token that works
        fresh = sign_in("grid1").json()["token"]
        assert fresh != key
        assert me(fresh).status_code == 200


def test_the_owner_revokes_the_token_they_present(demo):
    # given grid1 signed in
    key = sign_in("grid1").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    # when they revoke it
    assert client.delete("/api/v1/auth/token/").status_code == 204

    # then it no longer works, and signing in again gives another
    assert me(key).status_code == 401
    assert sign_in("grid1").json()["token"] != key


def test_revoking_needs_a_token(demo):
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_an_old_token_is_refused_after_a_password_change(demo):
    key = sign_in("grid1").json()["token"]
    grid1 = user("grid1")
    grid1.set_password("a-new-long-password")
    grid1.save()
    assert me(key).status_code == 401
    assert me(sign_in("grid1", "a-new-long-password").json()["token"]).status_code == 200


def test_saving_a_user_without_touching_the_password_keeps_the_token(demo):
    key = sign_in("grid1").json()["token"]
    grid1 = user("grid1")
    grid1.first_name = "伟"
    grid1.save()
    assert me(key).status_code == 200


@pytest.mark.parametrize("how", ["save", "update_fields"])
def test_an_old_token_is_refused_after_deactivation_even_once_reactivated(demo, how):
    key = sign_in("grid1").json()["token"]
    grid1 = user("grid1")
    grid1.is_active = False
    grid1.save(**({"update_fields": ["is_active"]} if how == "update_fields" else {}))
    assert me(key).status_code == 401

    grid1.is_active = True
    grid1.save()
    assert me(key).status_code == 401


def test_an_administrator_unlocks_an_account_in_the_admin(demo):
    from axes.models import AccessAttempt
    from django.test import Client

    # given grid1 locked out
    for _ in range(10):
        sign_in("grid1", "guess")
    assert sign_in("grid1").status_code == 429

    # when the administrator finds the attempts in the admin and deletes them
    admin = Client()
    admin.force_login(user("admin"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "grid1" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="grid1")
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302

    # then grid1 signs in again
    assert sign_in("grid1").status_code == 200
