"""What mediators record as a case is worked: sessions, terminations, referrals, follow-up visits."""
from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock
from casework.choices import Channel, Satisfaction, Status
from mediation.choices import VisitManner

__all__ = ["MediationSession", "Termination", "Referral", "FollowUpVisit"]


class MediationSession(models.Model):
    """调解笔录: one sitting — when and where, who mediated and attended, what was said, what next."""

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place of mediation"), max_length=200)
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("mediators"),
                                       related_name="mediation_sessions")
    # [{"name": "张三", "role": "申请人"}, …]: parties, relatives, village cadres, witnesses.
    attendees = models.JSONField(_("attendees"), default=list, blank=True, encoder=DjangoJSONEncoder)
    statements = models.TextField(_("statements"), max_length=20000)  # 调解过程、当事人陈述
    result = models.TextField(_("result and next step"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("mediation session record")
        verbose_name_plural = _("mediation session records")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d %H:%M}"


class Termination(models.Model):
    """终止调解: mediation failed, and the parties were told which other routes they have.

    人民调解法 art. 26: 调解不成的，应当终止调解，并…告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利.
    """

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="terminations")
    stage = models.CharField(_("stage"), max_length=32, choices=Status.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    # Channel codes (casework.choices.Channel) the parties were told of.
    advised_channels = models.JSONField(_("routes advised"), default=list, blank=True)
    advice = models.TextField(_("advice given"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    class Meta:
        verbose_name = _("termination of mediation")
        verbose_name_plural = _("terminations of mediation")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"

    @property
    def advised_channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(code, code)) for code in self.advised_channels]


class Referral(models.Model):
    """A referral to a one-stop channel (分流), its receipt by the receiving body, and its reply."""

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    receiving_body = models.CharField(_("receiving body"), max_length=100)
    sent_at = models.DateTimeField(_("sent at"), default=clock.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)  # 接收单位签收
    receipt_note = models.CharField(_("receipt note"), max_length=200, blank=True)  # 签收人、受理登记号
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("receipt recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    resolved = models.BooleanField(_("resolved"), null=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.receiving_body}"


class FollowUpVisit(models.Model):
    """回访: whether the agreement was fulfilled and how satisfied the parties are.

    One is written by the `close` transition; more are recorded as they happen
    (actions.records.follow_up_record). `manner` is blank where it was not asked (the visits
    recorded at closing before it was).
    """

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField(_("visited at"), default=clock.now)
    manner = models.CharField(_("manner"), max_length=16, choices=VisitManner.choices, blank=True, default="")
    fulfilled = models.BooleanField(_("fulfilled"))
    satisfaction = models.CharField(_("satisfaction"), max_length=32, choices=Satisfaction.choices)
    notes = models.TextField(_("notes"), max_length=5000, blank=True, default="")
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["visited_at", "id"]
