"""The audit trail: one append-only CaseEvent per change, hash-chained per case.

Each event's hash covers its own content and the previous event's hash of the same case;
the case row keeps the head (`last_event_hash`, `event_count`). An edited row breaks its own
hash, a deleted or reordered row breaks the chain or the count. The chain is per case rather
than global so that writers on different cases never contend for one chain head; the case
row is locked by every service anyway.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock

__all__ = ["CaseEvent", "event_digest"]


def event_digest(*, case_id: int, seq: int, action: str, actor_id: int | None, source: str,
                 target: str, note: str, data: dict, created_at, prev_hash: str, state_digest: str = "",
                 state_parts: dict | None = None) -> str:
    content = {
        "case": case_id, "seq": seq, "action": action, "actor": actor_id,
        "source": source, "target": target, "note": note, "data": data,
        "at": created_at.isoformat(), "prev": prev_hash,
    }
    # Events written before the state digest existed have none: their hashes stay as they were.
    if state_digest:
        content["state"] = {"digest": state_digest, "parts": state_parts or {}}
    payload = json.dumps(
        content,
        sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class AppendOnlyError(Exception):
    pass


class CaseEvent(models.Model):
    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence number"))
    action = models.CharField(_("action"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        verbose_name=_("actor"),  # null: the system (deadline timers, routing rules)
    )
    source_status = models.CharField(_("status before"), max_length=32, blank=True)
    target_status = models.CharField(_("status after"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)
    prev_hash = models.CharField(_("hash of the previous event"), max_length=64, blank=True)
    # The state of the case's record this event produced (casework.record), under the hash: the
    # digest over the parts, and each part's digest (so a mismatch can be named).
    state_digest = models.CharField(_("state digest"), max_length=64, blank=True)
    state_parts = models.JSONField(_("state parts"), default=dict, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="unique_event_seq")]

    def __str__(self) -> str:
        from casework.ladder import EventAction  # the ladder reads the models: imported when shown

        label = EventAction(self.action).label if self.action in EventAction.values else self.action
        return f"{self.case_id}#{self.seq} {label}"

    def compute_hash(self) -> str:
        return event_digest(
            case_id=self.case_id, seq=self.seq, action=self.action, actor_id=self.actor_id,
            source=self.source_status, target=self.target_status, note=self.note,
            data=self.data, created_at=self.created_at, prev_hash=self.prev_hash,
            state_digest=self.state_digest, state_parts=self.state_parts,
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("case events are append-only")
