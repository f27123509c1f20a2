"""The mediation agreement (调解协议书) and what the parties ask a court to confirm (司法确认).

What an agreement carries follows art. 35 of 《人民调解工作若干规定》 and art. 28 of the People's
Mediation Law: the parties; the main facts, the points in dispute and each side's
responsibility; what was agreed, with how, where and when each obligation is performed; the
parties' signatures and the committee's seal. A written agreement takes effect when every
party has signed and the committee has sealed it (人民调解法 art. 29); an oral one, recorded by
the mediator, when it is reached (art. 30). The parties may jointly ask a court to confirm it
within 30 days of it taking effect (art. 33).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework import clock
from mediation.choices import AgreementForm, ConfirmationStatus

__all__ = ["Agreement", "AgreementParty", "Obligation", "JudicialConfirmationRequest", "CONFIRMATION_WINDOW_DAYS"]

# 人民调解法 art. 33: 自调解协议生效之日起三十日内共同向人民法院申请司法确认.
CONFIRMATION_WINDOW_DAYS = 30


class Agreement(models.Model):
    """调解协议书: what the parties agreed; obligations carry their due dates."""

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField(_("agreement number"), max_length=40, blank=True)  # 编号
    organization = models.ForeignKey(
        "mediation.Organization", verbose_name=_("mediation organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="agreements",
        help_text=_("The committee or body whose agreement this is, and whose seal it bears."),
    )
    # The name printed above the agreement and beside the seal, as it stood when the agreement
    # was reached: the organization's, or a receiving body's for an agreement reached in a
    # channel (e.g. 诉前调解 at a court's mediation centre).
    body_name = models.CharField(_("mediating body"), max_length=100, blank=True)
    # Who mediated this agreement (and signs it as 人民调解员): the mediators who sat at this
    # stage's sessions, or the stage's own mediators — not whoever mediated an earlier rung.
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("mediators"), blank=True,
                                       related_name="mediated_agreements")
    form = models.CharField(_("form of agreement"), max_length=16, choices=AgreementForm.choices, default=AgreementForm.WRITTEN)
    parties = models.ManyToManyField(
        "casework.Party", verbose_name=_("parties"), through="AgreementParty", related_name="agreements",
    )
    facts = models.TextField(_("main facts"), max_length=5000, blank=True)  # 纠纷主要事实
    points_in_dispute = models.TextField(_("points in dispute"), max_length=5000, blank=True)  # 争议事项
    responsibilities = models.TextField(_("responsibilities"), max_length=5000, blank=True)  # 各方责任
    terms = models.TextField(_("terms"), max_length=5000)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)  # 达成日期
    sealed = models.BooleanField(_("sealed by the committee"), default=False)  # 人民调解委员会印章
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    # Null while a written agreement still lacks a signature or the seal: not yet in force.
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)
    # A reopened case keeps its old agreement on record, superseded.
    superseded = models.BooleanField(_("superseded"), default=False)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.number or f"{self.case_id}#{self.pk}"

    @property
    def is_oral(self) -> bool:
        return self.form == AgreementForm.ORAL

    def missing_contents(self, obligations: list[Obligation] | None = None) -> list[Promise]:
        """What art. 35 asks of a written agreement that this one still lacks: while anything is
        missing it is a draft (草稿), which cannot be signed or sealed. An oral agreement is the
        mediator's record of what was said, and is complete as recorded (人民调解法 art. 28)."""
        if self.is_oral:
            return []
        obligations = list(self.obligations.all()) if obligations is None else obligations
        missing = []
        if not self.facts.strip():
            missing.append(_("the main facts of the dispute"))
        if not self.responsibilities.strip():
            missing.append(_("each side's responsibility"))
        if not obligations:
            missing.append(_("what each side owes"))
        elif any(o.party_id is None for o in obligations):
            missing.append(_("the party who owes each obligation"))
        return missing

    @property
    def is_draft(self) -> bool:
        return bool(self.missing_contents())

    @property
    def in_force(self) -> bool:
        return self.effective_on is not None

    @property
    def confirmation_last_day(self) -> dt.date | None:
        """The last day the parties may ask a court to confirm it; None while it is not in force."""
        if self.effective_on is None:
            return None
        return self.effective_on + dt.timedelta(days=CONFIRMATION_WINDOW_DAYS)


class AgreementParty(models.Model):
    """A party to an agreement, and whether and when they signed it (签名、盖章或者按指印)."""

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
                                  related_name="signatories")
    party = models.ForeignKey("casework.Party", verbose_name=_("party"), on_delete=models.CASCADE,
                              related_name="agreement_signatures")
    signed = models.BooleanField(_("signed"), default=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party to the agreement")
        verbose_name_plural = _("parties to the agreement")
        ordering = ["party_id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="unique_agreement_party")]

    def __str__(self) -> str:
        return f"{self.agreement} {self.party}"


class Obligation(models.Model):
    """One side's obligation under the agreement, with how, where and by when it is performed."""

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="obligations")
    party = models.ForeignKey(
        "casework.Party", verbose_name=_("obliged party"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="obligations",
    )
    description = models.CharField(_("description"), max_length=500)
    manner = models.CharField(_("manner of performance"), max_length=200, blank=True)  # 履行方式
    place = models.CharField(_("place of performance"), max_length=200, blank=True)  # 履行地点
    due_date = models.DateField(_("due date"))  # 履行期限

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description


class JudicialConfirmationRequest(models.Model):
    """司法确认: the parties' joint request to a court to confirm the agreement, and its ruling."""

    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT,
                                  related_name="confirmation_requests")
    requested_on = models.DateField(_("requested on"))
    court = models.CharField(_("court"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=ConfirmationStatus.choices,
                              default=ConfirmationStatus.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision = models.TextField(_("ruling"), max_length=2000, blank=True)  # 裁定书文号、理由
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)
    decision_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ruling recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("judicial confirmation request")
        verbose_name_plural = _("judicial confirmation requests")
        ordering = ["requested_on", "id"]

    def __str__(self) -> str:
        return f"{self.agreement} → {self.court}"
