"""The parties' code (解纷码): what the parties are handed at filing to follow their case without signing in.

A code is a bearer credential for reading a case's progress (never its content), so it is random
(`secrets`), long enough not to be guessed (50 bits, behind a rate-limited page) and written in an
alphabet that survives being read aloud or copied by hand: Crockford's base32, without I, L, O, U.
It is stored without its dashes, upper-case; `normalize` maps what a person types onto that form.
A case has at most one code in force; revoking one (optionally issuing another) is a case event.
"""
from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock

__all__ = ["ALPHABET", "CODE_LENGTH", "PartyCode", "format_code", "new_code", "normalize"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: 5 bits a character
CODE_LENGTH = 10  # 50 bits
GROUPS = (4, 4, 2)  # shown as K7QD-9M3X-TP
# How a person may misread a character (Crockford's decoding rules).
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(text: str) -> str:
    """What a person typed, as stored: case-insensitive, dashes and spaces optional, O read as 0, I and L as 1."""
    return "".join(text.split()).replace("-", "").upper().translate(_READ_AS)


def format_code(code: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(part for part in parts if part)


class PartyCodeQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(revoked_at__isnull=True)


class PartyCode(models.Model):
    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="party_codes")
    code = models.CharField(_("party code"), max_length=CODE_LENGTH, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=clock.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = PartyCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("party code")
        verbose_name_plural = _("party codes")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(revoked_at__isnull=True),
                                    name="one_party_code_in_force"),
        ]

    def __str__(self) -> str:
        return format_code(self.code)

    @property
    def display(self) -> str:
        return format_code(self.code)
