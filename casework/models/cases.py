"""The case (案件) and what hangs off it: parties, attachments, numbering, idempotency.

`Case.status` is a protected FSM field: the transition methods below are pure (they set
fields and nothing else); the actions layer (`actions.transitions`) calls them inside a transaction, writes the
event and schedules the side effects.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from casework import clock, ladder
from casework.choices import (
    DisputeType,
    Outcome,
    PartyRole,
    RiskLevel,
    Rung,
    Source,
    Status,
)
from casework.models.jurisdiction import in_subtrees

__all__ = ["Case", "Party", "Attachment", "CaseNumberCounter", "IdempotencyKey"]

S = Status
RESOLVED_AT = {
    Rung.VILLAGE: Outcome.RESOLVED_VILLAGE,
    Rung.TOWNSHIP: Outcome.RESOLVED_TOWNSHIP,
    Rung.CHANNEL: Outcome.RESOLVED_CHANNEL,
}


def fsm(name: str):
    """The django-fsm transition of the ladder's spec `name`: its sources, target(s) and permission."""
    spec = ladder.TRANSITIONS[name]
    target = RETURN_VALUE(*spec.target) if isinstance(spec.target, tuple) else spec.target
    return transition(field="status", source=list(spec.sources), target=target, permission=spec.permission)


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        return self.exclude(status=Status.CLOSED)

    def under(self, path: str) -> CaseQuerySet:
        return self.filter(in_subtrees([path], "region_path"))


class Case(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=5000)
    dispute_type = models.CharField(_("dispute type"), max_length=32, choices=DisputeType.choices)
    risk_level = models.CharField(
        _("risk level"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.NORMAL
    )
    source = models.CharField(
        _("source channel"), max_length=32, choices=Source.choices, default=Source.GRID_PATROL
    )
    region = models.ForeignKey(
        "casework.Region", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="cases"
    )
    # A copy of region.path, so that jurisdiction scoping is one indexed prefix scan on this table.
    region_path = models.CharField(_("region path"), max_length=64, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    people_involved = models.PositiveIntegerField(_("people involved"), null=True, blank=True)
    amount_involved = models.DecimalField(
        _("amount involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    status = FSMField(
        _("status"), max_length=32, choices=Status.choices, default=Status.REPORTED,
        protected=True, db_index=True,
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    # The rung where the current agreement was reached: it decides where a reopened case
    # returns to and which resolved_<rung> outcome closing it records.
    agreed_rung = models.CharField(_("rung of the agreement"), max_length=16, choices=Rung.choices, blank=True)

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned mediators"), blank=True,
        related_name="assigned_cases",
    )
    lead_body = models.ForeignKey(
        "mediation.Organization", verbose_name=_("lead body"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="led_cases",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged_cases",
    )

    # Bumped by every change; clients may send it back as If-Match to detect a stale view.
    version = models.PositiveIntegerField(_("version"), default=1)
    event_count = models.PositiveIntegerField(_("number of events"), default=0, editable=False)
    last_event_hash = models.CharField(_("hash of the last event"), max_length=64, blank=True, editable=False)

    created_at = models.DateTimeField(_("filed at"), default=clock.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_path", "status"], name="case_scope_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def rung(self) -> str:
        """The rung now working the case."""
        return ladder.rung_of(self.status, self.agreed_rung)

    def save(self, *args, stamp: bool = True, **kwargs) -> None:
        # Not auto_now: the demo history and --as-of runs move the services' clock. record_change
        # stamps the case itself (stamp=False), before its event commits to the case's fields.
        if stamp:
            self.updated_at = clock.now()
        super().save(*args, **kwargs)

    def _close(self, outcome: str) -> None:
        self.outcome = outcome
        self.closed_at = clock.now()

    # --- transitions (casework.ladder). Pure: fields only; the service does the rest. ---

    @fsm("resolve_on_spot")
    def resolve_on_spot(self) -> None:
        self._close(Outcome.RESOLVED_GRID)

    @fsm("accept")
    def accept(self) -> None:
        pass

    @fsm("decline")
    def decline(self) -> None:
        self._close(Outcome.DECLINED)

    @fsm("escalate")
    def escalate(self) -> None:
        pass

    @fsm("triage_to_mediation")
    def triage_to_mediation(self, *, lead_body) -> None:
        self.lead_body = lead_body

    @fsm("return_to_village")
    def return_to_village(self) -> None:
        pass

    @fsm("refer")
    def refer(self) -> None:
        pass

    @fsm("record_agreement")
    def record_agreement(self) -> None:
        self.agreed_rung = self.rung

    @fsm("record_referral_outcome")
    def record_referral_outcome(self, *, resolved: bool) -> None:
        self._close(Outcome.RESOLVED_CHANNEL if resolved else Outcome.UNRESOLVED)

    @fsm("reopen")
    def reopen(self) -> str:
        # A village agreement goes back to the village; any other goes to township mediation.
        target = S.VILLAGE_MEDIATION if self.agreed_rung == Rung.VILLAGE else S.TOWNSHIP_MEDIATION
        self.agreed_rung = ""
        return target

    @fsm("close")
    def close(self, *, fulfilled: bool = True) -> None:
        # An agreement the follow-up found unperformed settled nothing: not counted as resolved.
        self._close(RESOLVED_AT[self.agreed_rung] if fulfilled else Outcome.UNRESOLVED)

    @fsm("close_unresolved")
    def close_unresolved(self) -> None:
        self._close(Outcome.UNRESOLVED)

    @fsm("withdraw")
    def withdraw(self) -> None:
        self._close(Outcome.WITHDRAWN)

    @fsm("merge")
    def merge(self, *, into: Case) -> None:
        self.merged_into = into
        self._close(Outcome.MERGED)


class Party(models.Model):
    """当事人: a person (or organization) in the dispute."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=64)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True, db_index=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.case_id}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    # The upload's Idempotency-Key, when the client sent one: a tablet re-sending a queued photo
    # after a lost response gets the attachment it already made (blank: no key, no check).
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "uploaded_by", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="unique_attachment_idempotency_key"),
        ]

    @property
    def download_name(self) -> str:
        """The name it was uploaded under, with the ending of what its content is (a PDF named
        scan.jpg downloads as scan.pdf), so a download never opens as another type."""
        extension = self.file.name.rsplit(".", 1)[-1]
        stem = self.original_name.replace("/", "_").replace("\\", "_").strip() or str(self.pk)
        if "." in stem:
            stem = stem.rsplit(".", 1)[0] or str(self.pk)
        return f"{stem}.{extension}"


class CaseNumberCounter(models.Model):
    """The last sequence number used for a county on a day; incremented under a row lock."""

    county_code = models.CharField(_("county code"), max_length=12)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number used"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [
            models.UniqueConstraint(fields=["county_code", "day"], name="unique_counter_per_day")
        ]


class IdempotencyKey(models.Model):
    """A filing's Idempotency-Key: the same key from the same user yields the same case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    key = models.CharField(_("key"), max_length=64)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE)
    created_at = models.DateTimeField(_("created at"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")
        ]
