"""Notifications (通知): who hears of what, the rows, and the push after commit.

Called by the services that write the causing event, inside their transaction, so the row
exists exactly when the event does (DESIGN.md §6: persisted before it is pushed). Who hears:

| kind | recipients |
|---|---|
| escalated | the township's center staff and township supervisors |
| high_risk, supervision_order | those, and the county supervisors |
| deadline_warning, deadline_breached | those of `escalated`, and whoever holds the stage's task |
| assigned | the assignee (never someone assigning to themselves) |

A role counts where it is held at the case's region or above, so every recipient can see the
case. A high-risk filing raises `high_risk` only, not also `escalated`: one alarm per event.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import bulk, clock
from casework.choices import NotificationKind, Role
from casework.errors import NotFound
from casework.models import Case, CaseEvent, RoleAssignment, User, enclosing_paths
from flows import realtime, selectors
from flows.models import Notification

TOWNSHIP = (Role.CENTER_STAFF, Role.TOWNSHIP_SUPERVISOR)
AUDIENCE: dict[str, tuple[str, ...]] = {
    NotificationKind.ESCALATED: TOWNSHIP,
    NotificationKind.HIGH_RISK: (*TOWNSHIP, Role.COUNTY_SUPERVISOR),
    NotificationKind.SUPERVISION_ORDER: (*TOWNSHIP, Role.COUNTY_SUPERVISOR),
    NotificationKind.DEADLINE_WARNING: TOWNSHIP,
    NotificationKind.DEADLINE_BREACHED: TOWNSHIP,
    NotificationKind.ASSIGNED: (),
}


def recipients(*, case: Case, kind: str, also: Iterable[User | int | None] = ()) -> list[int]:
    """The ids of the active users who hear of `kind` on `case`, in id order, each once."""
    ids = {u if isinstance(u, int) else u.pk for u in also if u is not None}
    roles = AUDIENCE[kind]
    if roles:
        ids.update(RoleAssignment.objects.filter(role__in=roles, region__path__in=enclosing_paths(case.region_path))
                   .values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk").values_list("pk", flat=True))


def case_summary(case: Case) -> dict:
    region = case.region
    return {
        "id": case.pk, "number": case.number, "title": case.title, "status": case.status,
        "risk_level": case.risk_level,
        "region": {"code": region.code, "name": region.name, "level": region.level, "path": region.path},
    }


def message(notification: Notification, summary: dict | None = None) -> dict:
    """The WebSocket message of API.md for one notification."""
    created = timezone.localtime(notification.created_at)
    return {
        "type": "notification", "id": notification.pk, "kind": notification.kind,
        "created_at": created.isoformat(), "case": summary or case_summary(notification.case),
    }


def notify(*, case: Case, kind: str, event: CaseEvent | None = None,
           also: Iterable[User | int | None] = (), exclude: User | None = None) -> list[Notification]:
    """Write one row per recipient now; push them to their open connections on commit.

    Must run inside the transaction that writes the causing event (the services' own).
    """
    ids = [pk for pk in recipients(case=case, kind=kind, also=also) if exclude is None or pk != exclude.pk]
    if not ids:
        return []
    at = event.created_at if event is not None else clock.now()  # the moment of what it tells
    rows = bulk.insert(Notification(recipient_id=pk, kind=kind, case=case, event=event, created_at=at) for pk in ids)
    push_on_commit(rows, {case.pk: case_summary(case)})
    return rows


def push_on_commit(rows: Iterable[Notification], summaries: Mapping[int, dict] | None = None) -> None:
    """After commit, push `rows` to their recipients' open connections: one batch, however many.

    For a writer of notification rows (notify() above, or one that writes them in bulk), inside
    its transaction. `summaries`: `case_summary` by case id, for the cases the caller has at
    hand; the others are read once per case.
    """
    summaries = dict(summaries or {})
    pushes = []
    for row in rows:
        if row.case_id not in summaries:
            summaries[row.case_id] = case_summary(row.case)
        pushes.append((row.recipient_id, {"type": "notification.push", "message": message(row, summaries[row.case_id])}))
    if pushes:
        transaction.on_commit(lambda: realtime.publish(pushes))


def notify_many(notices: Iterable[tuple[Case, str, CaseEvent, Iterable[User | int | None]]]) -> list[Notification]:
    """`notify` for many changes made by the system at once (the deadline sweep): each notice is
    (case, kind, event, also). The same recipients as `notify` gives each, in three statements
    whatever their number: the audiences of every region of the batch read at once, the active
    users among them, one INSERT; pushed on commit, as `notify` does. The cases' `region` is read.
    """
    notices = list(notices)
    roles = {role for _case, kind, _event, _also in notices for role in AUDIENCE[kind]}
    paths = {path for case, _kind, _event, _also in notices for path in enclosing_paths(case.region_path)}
    holders: dict[tuple[str, str], set[int]] = {}
    if roles:
        for user_id, role, path in (RoleAssignment.objects.filter(role__in=roles, region__path__in=paths)
                                    .values_list("user_id", "role", "region__path")):
            holders.setdefault((role, path), set()).add(user_id)
    wanted = []
    for case, kind, _event, also in notices:
        ids = {u if isinstance(u, int) else u.pk for u in also if u is not None}
        for path in enclosing_paths(case.region_path):
            for role in AUDIENCE[kind]:
                ids.update(holders.get((role, path), ()))
        wanted.append(ids)
    everyone = set().union(*wanted) if wanted else set()
    active = set(User.objects.filter(pk__in=everyone, is_active=True).values_list("pk", flat=True)) if everyone else set()
    rows = [Notification(recipient_id=pk, kind=kind, case=case, event=event, created_at=event.created_at)
            for (case, kind, event, _also), ids in zip(notices, wanted, strict=True) for pk in sorted(ids & active)]
    if not rows:
        return []
    rows = bulk.insert(rows)
    push_on_commit(rows, {case.pk: case_summary(case) for case, _kind, _event, _also in notices})
    return rows


# --- read state: only ever the actor's own rows, within their current jurisdiction ---

@transaction.atomic
def notification_mark_read(*, notification_id: int, actor: User) -> Notification:
    """已读: idempotent; someone else's notification does not exist for the actor."""
    notification = selectors.notification_list(viewer=actor).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        # Conditional, so two acks of the same row (two tabs) keep the first moment.
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=clock.now()):
            _announce_read(actor, [notification.pk])
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User, kind: str | None = None) -> int:
    """Mark every unread notification of the actor read (of one kind, if given); how many."""
    unread = selectors.notification_list(viewer=actor, unread=True)
    if kind:
        unread = unread.filter(kind=kind)
    ids = list(unread.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=clock.now())
    if ids:
        _announce_read(actor, ids)
    return len(ids)


def _announce_read(user: User, ids: list[int]) -> None:
    """Tell the user's other open connections (tabs, tablets) to take these off their counters."""
    push = (user.pk, {"type": "notification.read", "ids": ids})
    transaction.on_commit(lambda: realtime.publish([push]))
