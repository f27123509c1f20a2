"""Mediation bodies and the records mediators keep (调解组织与调解记录)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock
from casework.choices import Channel, DisputeType, Satisfaction
from mediation.choices import OrganizationKind

__all__ = ["Organization", "Mediator", "Agreement", "Obligation", "Referral", "FollowUpVisit"]


class Organization(models.Model):
    """A body that works disputes: a village committee, a township center, a stationed
    department or a professional mediation organization."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    region = models.ForeignKey(
        "casework.Region", verbose_name=_("region"), on_delete=models.PROTECT,
        related_name="organizations",
    )
    specialty = models.CharField(
        _("specialty"), max_length=32, choices=DisputeType.choices, blank=True,
        help_text=_("For professional organizations: the dispute type they handle."),
    )

    class Meta:
        verbose_name = _("mediation organization")
        verbose_name_plural = _("mediation organizations")
        ordering = ["region__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Mediator(models.Model):
    """A person on an organization's roster."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
        related_name="mediators",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_head = models.BooleanField(_("head"), default=False)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class Agreement(models.Model):
    """调解协议书: what the parties agreed; obligations carry their due dates."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="agreements")
    terms = models.TextField(_("terms"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=clock.now)
    # A reopened case keeps its old agreement on record, superseded.
    superseded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["recorded_at", "id"]


class Obligation(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    description = models.CharField(_("description"), max_length=500)
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["due_date", "id"]


class Referral(models.Model):
    """A referral to a one-stop channel (分流) and the receiving body's reply."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="referrals")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    receiving_body = models.CharField(_("receiving body"), max_length=100)
    sent_at = models.DateTimeField(_("sent at"), default=clock.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    resolved = models.BooleanField(_("resolved"), null=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["sent_at", "id"]


class FollowUpVisit(models.Model):
    """回访: whether the agreement was fulfilled and how satisfied the parties are."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="follow_ups")
    fulfilled = models.BooleanField(_("fulfilled"))
    satisfaction = models.CharField(_("satisfaction"), max_length=32, choices=Satisfaction.choices)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    visited_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["visited_at", "id"]
