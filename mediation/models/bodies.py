"""The bodies that work disputes and the people on their rosters (调解组织与调解员)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import DisputeType
from mediation.choices import OrganizationKind

__all__ = ["Organization", "Mediator"]


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
