"""What the reports app keeps: who exported what (导出留痕), and the monthly reports (月报).

A monthly report is a snapshot: once stored it is never updated, whatever happens to the cases
it counts afterwards; its `digest` is the SHA-256 of its canonical JSON (`figures` with region
and month), so an edit made outside the application shows.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    LEDGER = "ledger", _("Mediation case ledger")  # 人民调解案件登记台账
    REFERRAL_LEDGER = "referral_ledger", _("Referral ledger")  # 分流转办台账
    MONTHLY_REPORT = "monthly_report", _("Monthly screening report")  # 矛盾纠纷排查化解月报


class ExportRecord(models.Model):
    """One export or download of data out of the product: who, what, when. Never edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8)
    region = models.ForeignKey("casework.Region", verbose_name=_("region"), null=True, on_delete=models.PROTECT,
                               related_name="+")
    # The request as asked (range, month…): never personal data.
    params = models.JSONField(_("parameters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"), null=True)
    masked = models.BooleanField(_("personal data masked"), default=True)
    created_at = models.DateTimeField(_("exported at"), db_index=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at", "-id"]


class MonthlyReport(models.Model):
    """矛盾纠纷排查化解月报: one region's figures for one month, generated once and kept as they were."""

    region = models.ForeignKey("casework.Region", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="monthly_reports")
    month = models.CharField(_("month"), max_length=7)  # "YYYY-MM"
    zero_report = models.BooleanField(_("zero report"), default=False)  # 零报告
    figures = models.JSONField(_("figures"))
    digest = models.CharField(_("digest"), max_length=64)
    # The figures are those of the audit trail as it stood at the end of the month (`as_of`).
    as_of = models.DateTimeField(_("as of"))
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "region__path"]
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="one_report_per_region_month")]

    def __str__(self) -> str:
        return f"{self.region} {self.month}"
