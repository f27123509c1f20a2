"""The hash-chained audit trail: appending an event to a case's chain, verifying the chains and
the record they commit to, and anchoring the chain heads outside the database.

Only `actions.changes.record_change` appends: it is the one way a case changes.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as global_apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from casework import clock
from casework.ladder import EventAction
from casework.models import Case, CaseEvent, User
from casework.models.events import event_digest
from casework.record import CASE, State, current_states


def append_event(*, case: Case, actor: User | None, action: str, source: str = "", target: str = "",
                 note: str = "", data: dict | None = None, state: State | None = None) -> CaseEvent:
    """Append one event to the case's chain and move the chain head on the (locked) case row.

    `state` is the state of the case's record the change produced (`casework.record`), read after
    the change's writes; it goes under the event's hash. The caller saves the case
    (`event_count`, `last_event_hash`) in the same transaction. An action that is not an
    `EventAction` (so has no label on the timeline) is refused.
    """
    event = chain_event(case=case, actor=actor, action=action, source=source, target=target, note=note,
                        data=data, state=state)
    event.save(force_insert=True)
    return event


def chain_event(*, case: Case, actor: User | None, action: str, source: str = "", target: str = "",
                note: str = "", data: dict | None = None, state: State | None = None) -> CaseEvent:
    """The next event of the case's chain, hashed but not saved, with the chain head moved on the
    (locked) case in memory: `append_event` without the INSERT, for a caller that writes the
    events of many cases in one (the deadline sweep). Several events of one case are chained in
    the order they are made."""
    action = EventAction(action).value
    # Normalized to plain JSON now, so the hash computed here equals the one computed later
    # from the stored row.
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    event = CaseEvent(
        case=case, seq=case.event_count + 1, action=action, actor=actor,
        source_status=source, target_status=target or case.status, note=note, data=data,
        created_at=clock.now(), prev_hash=case.last_event_hash,
        state_digest=state.digest if state else "", state_parts=state.parts if state else {},
    )
    event.hash = event.compute_hash()
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


def verify_state(case: Case, last: CaseEvent | None, state: State) -> AuditProblem | None:
    """A problem when the case's record as it is now differs from the state its last event committed to."""
    if last is None:
        return None
    if not last.state_digest:
        return AuditProblem(case.pk, case.number, last.seq, last.pk,
                            "the last event commits to no state of the record (written before state digests?)")
    if state.digest == last.state_digest:
        return None
    parts = ", ".join(_part_name(label) for label in state.differences(last.state_parts))
    return AuditProblem(case.pk, case.number, last.seq, last.pk,
                        f"current record edited outside the services: {parts or 'the record'}")


def _part_name(label: str) -> str:
    return "case fields (casework.case)" if label == CASE else label


def verify_audit(*, batch_size: int = 500, progress=None):
    """Yield the first problem of each case whose chain is broken or whose current record differs
    from the state its last event committed to, walking every case by id."""
    last_id = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not cases:
            return
        by_case: dict[int, list[CaseEvent]] = {c.pk: [] for c in cases}
        # Every field, seq included, is under the hash: moving an event breaks its hash or the chain.
        for event in CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        states = current_states(by_case)
        for case in cases:
            events = by_case[case.pk]
            problem = verify_case_chain(case, events) or verify_state(case, events[-1] if events else None,
                                                                        states[case.pk])
            if problem:
                yield problem
        last_id = cases[-1].pk
        if progress:
            progress(len(cases))


def commit_present_states(*, apps=global_apps, batch_size: int = 500) -> int:
    """Make each case whose last event commits to no state commit to its record as it is now.

    For the events written before state digests existed (migration casework 0007): the present
    state is trusted once. The last event gets the state and its hash is recomputed, and the
    case's chain head with it; no other event refers to the last one's hash. Returns how many
    cases it committed.
    """
    case_model, event_model = apps.get_model("casework", "Case"), apps.get_model("casework", "CaseEvent")
    done, last_id = 0, 0
    while True:
        heads = list(case_model._base_manager.filter(pk__gt=last_id, event_count__gt=0).order_by("pk")
                     .values_list("pk", "event_count")[:batch_size])
        if not heads:
            return done
        last_id = heads[-1][0]
        seq_of = dict(heads)
        lasts = [e for e in event_model._base_manager.filter(case_id__in=seq_of, state_digest="")
                 if e.seq == seq_of[e.case_id]]
        states = current_states([e.case_id for e in lasts], apps=apps)
        for event in lasts:
            state = states[event.case_id]
            digest = event_digest(
                case_id=event.case_id, seq=event.seq, action=event.action, actor_id=event.actor_id,
                source=event.source_status, target=event.target_status, note=event.note, data=event.data,
                created_at=event.created_at, prev_hash=event.prev_hash, state_digest=state.digest,
                state_parts=state.parts,
            )
            event_model._base_manager.filter(pk=event.pk).update(
                state_digest=state.digest, state_parts=state.parts, hash=digest)
            case_model._base_manager.filter(pk=event.case_id).update(last_event_hash=digest)
            done += 1


# --- anchors: the chain heads published outside the database --------------------------------------

ANCHOR_FILE = "chain-heads.jsonl"


def anchor_path(path: str | os.PathLike | None = None) -> Path:
    """The anchor file: `path` (a file, or a folder holding chain-heads.jsonl), else AUDIT_ANCHOR_DIR's."""
    target = Path(path) if path else Path(settings.AUDIT_ANCHOR_DIR)
    return target / ANCHOR_FILE if target.is_dir() or not target.suffix else target


def chain_heads() -> dict[str, list]:
    """Every case's chain head as the database holds it: case id → [event count, last event hash]."""
    rows = Case.objects.filter(event_count__gt=0).order_by("pk").values_list("pk", "event_count", "last_event_hash")
    return {str(pk): [count, head] for pk, count, head in rows.iterator(chunk_size=2000)}


def heads_root(heads: dict[str, list]) -> str:
    """One digest over all chain heads (sorted by case id): what a printed or mailed anchor carries."""
    lines = "".join(f"{pk} {count} {head}\n" for pk, (count, head) in sorted(heads.items(), key=lambda i: int(i[0])))
    return hashlib.sha256(lines.encode()).hexdigest()


def read_anchors(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def anchored_heads(anchors: list[dict]) -> dict[str, tuple[list, str]]:
    """The last anchored head of each case, with the date of the anchor that published it."""
    heads: dict[str, tuple[list, str]] = {}
    for anchor in anchors:
        for pk, head in anchor["heads"].items():
            heads[pk] = (head, anchor["date"])
    return heads


def write_anchor(path: str | os.PathLike | None = None, *, only_if_due: bool = False) -> dict | None:
    """Append today's anchor (one JSON line) to the anchor file: the date, the number of cases and
    of events, the root over every chain head, and the heads that moved since the previous anchor
    (every head in the first one). With `only_if_due`, nothing when today's anchor is written.

    The file is locked while it is read and appended, so concurrent workers write one line each at most.
    """
    target = anchor_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate(clock.now()).isoformat()
    with target.open("a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        anchors = [json.loads(line) for line in file if line.strip()]
        if only_if_due and anchors and anchors[-1]["date"] >= today:
            return None
        heads = chain_heads()
        previous = {pk: head for pk, (head, _date) in anchored_heads(anchors).items()}
        anchor = {
            "date": today, "at": clock.now().isoformat(), "cases": len(heads),
            "events": sum(count for count, _head in heads.values()), "root": heads_root(heads),
            "heads": {pk: head for pk, head in heads.items() if previous.get(pk) != head},
        }
        file.write(json.dumps(anchor, ensure_ascii=False, separators=(",", ":")) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def check_anchor(path: str | os.PathLike | None = None, *, batch_size: int = 2000) -> Iterator[AuditProblem | str]:
    """Yield a problem for each case whose chain no longer holds the head an anchor published.

    A chain rewritten consistently (every event re-hashed, the case's head moved with it) passes
    `verify_audit`'s chain check, but the event at the anchored seq no longer has the anchored hash.
    """
    target = anchor_path(path)
    anchors = read_anchors(target)
    if not anchors:
        raise FileNotFoundError(f"no anchor in {target}")
    published = anchored_heads(anchors)
    if heads_root({pk: head for pk, (head, _date) in published.items()}) != anchors[-1]["root"]:
        yield f"anchor file {target}: its heads do not add up to its last root (edited?)"
    keys = sorted(published, key=int)
    for start in range(0, len(keys), batch_size):
        chunk = keys[start:start + batch_size]
        wanted = {int(pk): published[pk][0][0] for pk in chunk}
        numbers = dict(Case.objects.filter(pk__in=wanted).values_list("pk", "number"))
        found = {(case_id, seq): (pk, digest) for case_id, seq, pk, digest in
                 CaseEvent.objects.filter(case_id__in=wanted, seq__in=set(wanted.values()))
                 .values_list("case_id", "seq", "id", "hash")}
        for pk in chunk:
            (count, head), date = published[pk]
            case_id = int(pk)
            if case_id not in numbers:
                yield AuditProblem(case_id, "?", count, None, f"case missing: anchored on {date}")
                continue
            event = found.get((case_id, count))
            if event is None:
                yield AuditProblem(case_id, numbers[case_id], count, None, f"anchored event missing (anchored on {date})")
            elif event[1] != head:
                yield AuditProblem(case_id, numbers[case_id], count, event[0],
                                   f"chain differs from the head anchored on {date} (rewritten?)")


def publish_anchor() -> int:
    """Background job: write today's anchor to AUDIT_ANCHOR_DIR once a day."""
    return 1 if write_anchor(only_if_due=True) else 0
