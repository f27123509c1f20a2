"""The hash-chained audit trail: appending an event to a case's chain, and verifying the chains.

Only `actions.changes.record_change` appends: it is the one way a case changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from casework import clock
from casework.ladder import EventAction
from casework.models import Case, CaseEvent, User


def append_event(*, case: Case, actor: User | None, action: str, source: str = "", target: str = "",
                 note: str = "", data: dict | None = None) -> CaseEvent:
    """Append one event to the case's chain and move the chain head on the (locked) case row.

    The caller saves the case (`event_count`, `last_event_hash`) in the same transaction. An
    action that is not an `EventAction` (so has no label on the timeline) is refused.
    """
    action = EventAction(action).value
    # Normalized to plain JSON now, so the hash computed here equals the one computed later
    # from the stored row.
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    event = CaseEvent(
        case=case, seq=case.event_count + 1, action=action, actor=actor,
        source_status=source, target_status=target or case.status, note=note, data=data,
        created_at=clock.now(), prev_hash=case.last_event_hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    case.event_count = event.seq
    case.last_event_hash = event.hash
    return event


@dataclass(frozen=True)
class AuditProblem:
    case_id: int
    case_number: str
    seq: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event id {self.event_id}" if self.event_id else "no row"
        return f"case {self.case_number} (id {self.case_id}), seq {self.seq}, {where}: {self.problem}"


def verify_case_chain(case: Case, events: list[CaseEvent]) -> AuditProblem | None:
    """The first problem in one case's chain, or None when it is intact."""
    prev_hash, expected_seq = "", 1
    for event in events:
        if event.seq != expected_seq:
            return AuditProblem(case.pk, case.number, expected_seq, None, "missing (deleted?)")
        if event.prev_hash != prev_hash:
            return AuditProblem(case.pk, case.number, event.seq, event.pk, "chain broken (reordered or replaced)")
        if event.compute_hash() != event.hash:
            return AuditProblem(case.pk, case.number, event.seq, event.pk, "content altered")
        prev_hash, expected_seq = event.hash, expected_seq + 1
    if len(events) > case.event_count:
        extra = events[case.event_count]
        return AuditProblem(case.pk, case.number, extra.seq, extra.pk, "beyond the case's chain head (forged?)")
    if case.event_count != expected_seq - 1:
        return AuditProblem(case.pk, case.number, expected_seq, None, f"missing: the case records {case.event_count} events")
    if case.last_event_hash != prev_hash:
        return AuditProblem(case.pk, case.number, expected_seq - 1, None, "last event does not match the case's chain head")
    return None


def verify_audit(*, batch_size: int = 500, progress=None):
    """Yield the first problem of each case whose chain is broken, walking every case by id."""
    last_id = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not cases:
            return
        by_case: dict[int, list[CaseEvent]] = {c.pk: [] for c in cases}
        # Every field, seq included, is under the hash: moving an event breaks its hash or the chain.
        for event in CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        for case in cases:
            problem = verify_case_chain(case, by_case[case.pk])
            if problem:
                yield problem
        last_id = cases[-1].pk
        if progress:
            progress(len(cases))
