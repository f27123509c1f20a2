"""Validation rules of the case record that every entry point applies: personal identifiers, dates,
parties, obligations, and uploaded files. The services apply them; the API and the UI call the
same functions to show the error on the field it belongs to."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import clock
from casework.choices import PartyRole

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_digits(value: str) -> str:
    """Full-width digits and letters typed through a Chinese input method become ASCII."""
    return unicodedata.normalize("NFKC", value).strip()


def normalize_id_number(value: str) -> str:
    return normalize_digits(value).upper()


def validate_id_number(value: str) -> None:
    """An 18-character resident identity number (居民身份证号码) with a valid birth date and check digit."""
    if not _ID_SHAPE.match(value):
        raise ValidationError(_("A resident ID number has 17 digits followed by a digit or X."), code="id_format")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in this ID number does not exist."), code="id_birth_date")
    if birth.year < 1900 or birth > timezone.localdate(clock.now()):
        raise ValidationError(_("The birth date in this ID number does not exist."), code="id_birth_date")
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("The check digit of this ID number is wrong."), code="id_check_digit")


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number starting with 1."), code="phone_format")


# A date-time a little ahead of the server's clock is a tablet's clock, not the future.
CLOCK_SKEW = dt.timedelta(minutes=10)
EARLIEST_YEAR = 1900


def validate_occurred_at(value: dt.datetime) -> None:
    """When a dispute occurred: not before 1900, not in the future (beyond a tablet's clock skew)."""
    if value.year < EARLIEST_YEAR:
        raise ValidationError(_("Enter a date after 1900."), code="too_early")
    if value > clock.now() + CLOCK_SKEW:
        raise ValidationError(_("A dispute cannot have occurred in the future."), code="future")


def validate_party_roles(roles: Iterable[str]) -> None:
    """A case has at least one party, and one of them is the applicant (申请人)."""
    roles = list(roles)
    if not roles:
        raise ValidationError(_("At least one party is required."), code="no_party")
    if PartyRole.APPLICANT not in roles:
        raise ValidationError(_("At least one party must be the applicant."), code="no_applicant")


def validate_obligation_due_date(value: dt.date) -> None:
    """An obligation may already be due (an oral agreement recorded late), but not by years, and none
    runs for decades: both would be typing mistakes."""
    today = timezone.localdate(clock.now())
    if not today - dt.timedelta(days=366) <= value <= today + dt.timedelta(days=30 * 366):
        raise ValidationError(_("Enter a date within a year before and thirty years after today."), code="window")


def mask_id_number(value: str) -> str:
    return f"{value[:6]}********{value[-4:]}" if len(value) == 18 else ("*" * len(value))


def mask_phone(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}" if len(value) == 11 else ("*" * len(value))


def mask_name(value: str) -> str:
    """A party's name as those who do not handle the case see it: the surname (first character) and,
    from three characters on, the last one kept (张三 → 张*, 张三明 → 张*明, 欧阳娜娜 → 欧**娜)."""
    value = value.strip()
    if len(value) <= 1:
        return "*" * len(value)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# A mainland mobile number, or an 18-character resident ID number, standing alone in free text.
PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def mask_numbers(text: str) -> str:
    """`text` with every phone and ID number written in it masked as lists mask them."""
    text = ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


# Attachments are recognized by their first bytes, never by name or declared type.
_SIGNATURES: tuple[tuple[str, str, callable], ...] = (
    ("image/jpeg", "jpg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ("image/png", "png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/webp", "webp", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    ("image/heic", "heic", lambda h: h[4:8] == b"ftyp" and h[8:12] in (b"heic", b"heix", b"mif1", b"heim")),
    ("application/pdf", "pdf", lambda h: h.startswith(b"%PDF-")),
)


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of an accepted file from its first bytes, or None."""
    for mime, ext, matches in _SIGNATURES:
        if matches(head):
            return mime, ext
    return None


def validate_attachment(upload) -> tuple[str, str]:
    """(MIME type, extension) of an uploaded attachment, recognized from its content, within the
    size limit; raises ValidationError otherwise. The API and the case page's form both use it."""
    if not upload.size:
        raise ValidationError(_("The submitted file is empty."))
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_content_type(head)
    if sniffed is None:
        raise ValidationError(_("Only photos (JPEG, PNG, WebP, HEIC) and PDF files are accepted."))
    return sniffed
