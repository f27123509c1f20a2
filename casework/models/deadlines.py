"""Deadlines as data: rules, the holiday calendar, and each case's running clocks."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import DayCount, DeadlineKind, DeadlineState, DisputeType

__all__ = ["DeadlineRule", "Holiday", "CaseDeadline", "ticking"]


def ticking() -> models.Q:
    """Clocks whose `due_at` can pass: running, breached, or paused with an end — then `due_at` is
    the latest moment it can be due, so once that has passed the pause has run out too."""
    return (models.Q(state__in=[DeadlineState.RUNNING, DeadlineState.BREACHED])
            | models.Q(state=DeadlineState.PAUSED, pause_ends_at__isnull=False))


def is_ticking(clock: CaseDeadline) -> bool:
    """`ticking()` said of one clock in memory (a row just written, not read back)."""
    return (clock.state in (DeadlineState.RUNNING, DeadlineState.BREACHED)
            or (clock.state == DeadlineState.PAUSED and clock.pause_ends_at is not None))


class DeadlineRule(models.Model):
    """How long a stage may take.

    A rule with no region and no dispute type is the default; a rule for a region applies to
    its whole subtree, and the most specific rule wins (deepest region, then a dispute type).
    """

    kind = models.CharField(_("stage"), max_length=32, choices=DeadlineKind.choices)
    region = models.ForeignKey(
        "casework.Region", verbose_name=_("region"), null=True, blank=True,
        on_delete=models.CASCADE, help_text=_("Empty: applies everywhere."),
    )
    dispute_type = models.CharField(
        _("dispute type"), max_length=32, choices=DisputeType.choices, blank=True,
        help_text=_("Empty: applies to every dispute type."),
    )
    days = models.PositiveIntegerField(_("days"))
    day_count = models.CharField(
        _("counted in"), max_length=16, choices=DayCount.choices, default=DayCount.CALENDAR
    )
    extension_days = models.PositiveIntegerField(
        _("extension (days)"), default=0, help_text=_("0: the deadline cannot be extended.")
    )

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "region", "dispute_type"], name="unique_deadline_rule"),
            # NULL regions are distinct in a plain unique index: one default per kind and type.
            models.UniqueConstraint(
                fields=["kind", "dispute_type"], condition=models.Q(region__isnull=True),
                name="unique_default_deadline_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days} {self.get_day_count_display()}"


class Holiday(models.Model):
    """A day off that would be a working day, or a working weekend day (调休), by date."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=64)
    is_working_day = models.BooleanField(
        _("is a working day"), default=False,
        help_text=_("Tick for a weekend day worked in exchange for a holiday (调休)."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CaseDeadline(models.Model):
    """One clock on one case: started when a stage began, stopped when it ended."""

    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("stage"), max_length=32, choices=DeadlineKind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=DeadlineState.choices, default=DeadlineState.RUNNING,
        db_index=True,
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    warn_at = models.DateTimeField(_("warning at"), db_index=True)
    day_count = models.CharField(_("day count"), max_length=16, choices=DayCount.choices)
    days = models.PositiveIntegerField(_("days"))
    extension_days = models.PositiveIntegerField(_("extension days"), default=0)
    extended = models.BooleanField(_("extended"), default=False)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    # A pause by a person runs out on its own at this moment (DEADLINE_PAUSE_MAX_DAYS). While
    # such a pause lasts, `due_at` and `warn_at` are the moments the clock reaches if the pause
    # runs its full length — the latest it can be due; resuming earlier brings them back by the
    # pause not used. Empty: not paused, or paused by the system until something happens.
    pause_ends_at = models.DateTimeField(_("pause ends at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case deadline")
        verbose_name_plural = _("case deadlines")
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="deadline_due"),
            # The deadline sweep's two reads (flows.deadlines.due): the open clocks not yet warned
            # (breached), in order of the moment — a few rows each, however many clocks have ended.
            models.Index(fields=["warn_at", "id"], name="deadline_warning_sweep",
                         condition=models.Q(ended_at__isnull=True, warned_at__isnull=True)),
            models.Index(fields=["due_at", "id"], name="deadline_breach_sweep",
                         condition=models.Q(ended_at__isnull=True, breached_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} → {self.due_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.state in (DeadlineState.RUNNING, DeadlineState.PAUSED)

    def lapsed(self, at: dt.datetime) -> bool:
        """Paused, but the pause has run its maximum length by `at`: the clock runs again."""
        return self.state == DeadlineState.PAUSED and self.pause_ends_at is not None and self.pause_ends_at <= at

    def state_at(self, at: dt.datetime) -> str:
        """The state as people should read it at `at`: a lapsed pause is running."""
        return DeadlineState.RUNNING if self.lapsed(at) else self.state

    def overdue_at(self, at: dt.datetime) -> bool:
        """Past its due moment and not standing still (a lapsed pause stands still no more)."""
        return self.state_at(at) in (DeadlineState.RUNNING, DeadlineState.BREACHED) and self.due_at < at
