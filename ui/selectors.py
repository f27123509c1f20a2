"""Reads the web pages need beyond casework.selectors and flows.selectors.

Every function that a request triggers takes the viewer and starts from a scoped selector
(`casework.selectors.case_list`, `flows.selectors.open_tasks`), so jurisdiction is decided in
one place. Candidates to move into casework/flows once the UI settles.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case as Switch
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils.text import Truncator

from casework import clock, ladder
from casework import permissions as perms
from casework.choices import OPEN_STATUSES, DeadlineKind, Outcome, RegionLevel, RiskLevel, Role, Rung, Status
from casework.models import Case, CaseDeadline, CaseEvent, Region, User, path_at
from casework.selectors import case_list, case_scope, overdue_filter
from flows import engine
from flows.models import DisputeProcess
from flows.selectors import inbox as flows_inbox
from flows.selectors import view_filter
from mediation.models import Agreement, Mediator
from search import selectors as search_selectors
from search.documents import mask_numbers

SUPERVISORS = frozenset({Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_SUPERVISOR})
ESCALATED_STATUSES = ladder.statuses_at(Rung.TOWNSHIP, Rung.CHANNEL)  # what has left the village
BOARD_ROWS = 50


def role_set(viewer: User) -> frozenset[str]:
    return frozenset(ra.role for ra in perms.roles_of(viewer))


def home_url_name(viewer: User) -> str | None:
    """The page a user lands on after signing in: the screen their most senior role works."""
    roles = role_set(viewer)
    if Role.ADMIN in roles:
        return "ui:overview"
    if roles & SUPERVISORS:
        return "ui:board"
    if Role.CENTER_STAFF in roles:
        return "ui:triage"
    if roles & perms.VILLAGE_COMMITTEE:
        return "ui:inbox"
    if Role.GRID_WORKER in roles:
        return "ui:my_cases"
    return None


def _role_paths(viewer: User, roles: frozenset[str] | set[str]) -> list[str]:
    return [ra.region.path for ra in perms.roles_of(viewer) if ra.role in roles]


def filing_grids(viewer: User) -> QuerySet[Region]:
    """The grids the viewer may file a case in (a grid worker's own grid; intake staff's subtree)."""
    paths = _role_paths(viewer, perms.FILING_ROLES)
    return (Region.objects.filter(level=RegionLevel.GRID).filter(case_scope(paths, "path"))
            .select_related("parent__parent").order_by("path"))


def _risk_first() -> Switch:
    return Switch(When(risk_level=RiskLevel.HIGH, then=Value(0)), When(risk_level=RiskLevel.ELEVATED, then=Value(1)),
                 default=Value(2), output_field=IntegerField())


def grid_cases(viewer: User) -> QuerySet[Case]:
    """A grid worker's cases: those of their grid(s), open ones first, newest first."""
    return case_list(viewer=viewer).annotate(
        closed_last=Switch(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("closed_last", "-created_at", "-id")


def triage_cases(viewer: User) -> QuerySet[Case]:
    """Cases waiting for the township center's triage, in the townships the viewer staffs."""
    paths = _role_paths(viewer, {Role.CENTER_STAFF, Role.ADMIN})
    return (case_list(viewer=viewer).filter(status=Status.TOWNSHIP_TRIAGE).filter(case_scope(paths, "region_path"))
            .select_related("region__parent__parent").annotate(risk_rank=_risk_first())
            .order_by("risk_rank", "created_at", "id"))


def queue_members(org_ids: list[int]) -> dict[int, list[User]]:
    """Who works each queue (its roster), for the assign menus."""
    members: dict[int, list[User]] = {org_id: [] for org_id in org_ids}
    for row in Mediator.objects.filter(organization_id__in=org_ids).select_related("user").order_by("user__username"):
        if row.user.is_active:
            members[row.organization_id].append(row.user)
    return members


def stage_task(case: Case):
    """The open stage task of the case's process (None once it has ended), with its owner."""
    process = DisputeProcess.objects.filter(case=case).only("pk").first()
    return engine.open_stage_task(process.pk) if process else None


def stage_clock(case: Case) -> CaseDeadline | None:
    """The current stage's clock from the prefetched open clocks (not the detached countdowns)."""
    clocks = [c for c in getattr(case, "open_clocks", []) if c.kind != DeadlineKind.JUDICIAL_CONFIRMATION]
    return clocks[0] if clocks else None


def confirmation_clock(case: Case) -> CaseDeadline | None:
    """The judicial-confirmation countdown shown to the parties after an agreement."""
    return next((c for c in getattr(case, "open_clocks", []) if c.kind == DeadlineKind.JUDICIAL_CONFIRMATION), None)


def inbox(viewer: User, view: str):
    """flows.selectors.inbox with what a row shows: the case's mediators (for the allowed
    actions) and its open clocks (for the countdown and a paused clock's reason)."""
    return flows_inbox(viewer=viewer, view=view).prefetch_related(
        "case__mediators",
        Prefetch("case__deadlines", queryset=CaseDeadline.objects.filter(ended_at__isnull=True).order_by("due_at"),
                 to_attr="open_clocks"),
    )


def inbox_counts(viewer: User, views: tuple[str, ...]) -> dict[str, int]:
    """How many tasks each view holds, in one statement over the projection's index."""
    tasks = flows_inbox(viewer=viewer, view="all").order_by().select_related(None)
    return tasks.aggregate(**{view: Count("pk", filter=view_filter(viewer, view)) for view in views})


def merge_candidates(viewer: User, case: Case, limit: int = 20) -> QuerySet[Case]:
    """Open cases of the same township the viewer sees, for the merge form's suggestions."""
    return (case_list(viewer=viewer).filter(status__in=OPEN_STATUSES)
            .filter(case_scope([path_at(case.region_path, RegionLevel.TOWNSHIP)], "region_path")).exclude(pk=case.pk)
            .prefetch_related(None).order_by("-created_at")[:limit])


def _plain(qs: QuerySet[Case]) -> QuerySet[Case]:
    """A scoped case queryset without the list prefetches, for counting and aggregating."""
    return qs.prefetch_related(None).select_related(None).order_by()


@dataclass
class Board:
    escalated: list[Case]
    escalated_count: int
    overdue: list[Case]
    overdue_count: int
    high_risk: list[Case]
    high_risk_count: int
    by_status: list[tuple[str, str, int]]
    open_count: int
    total: int


BOARD_LISTS = ("escalated", "overdue", "high_risk")


def _board_lists(viewer: User) -> dict[str, QuerySet[Case]]:
    """The board's lists, by name: open cases escalated (or already beyond the village), overdue, high risk."""
    open_cases = case_list(viewer=viewer).select_related("region__parent").filter(status__in=OPEN_STATUSES)
    escalated_event = CaseEvent.objects.filter(case=OuterRef("pk"), action="escalate")
    return {
        "escalated": open_cases.filter(Q(status__in=ESCALATED_STATUSES) | Q(Exists(escalated_event))).annotate(
            risk_rank=_risk_first()).order_by("risk_rank", "-updated_at"),
        "overdue": open_cases.filter(overdue_filter(clock.now())).annotate(risk_rank=_risk_first())
        .order_by("risk_rank", "created_at"),
        "high_risk": open_cases.filter(risk_level=RiskLevel.HIGH).order_by("-created_at"),
    }


def board(viewer: User, *, rows: bool = True) -> Board:
    """What supervisors watch: escalations, overdue and high-risk cases, counts by status.

    Without `rows`, the figures only (the live board's refresh): the lists come back empty.
    """
    lists = _board_lists(viewer)
    counts = dict(_plain(case_list(viewer=viewer)).values_list("status").annotate(n=Count("id")))
    by_status = [(value, label, counts.get(value, 0)) for value, label in Status.choices]

    def head(name: str) -> list[Case]:
        return list(lists[name][:BOARD_ROWS]) if rows else []

    return Board(
        escalated=head("escalated"), escalated_count=_plain(lists["escalated"]).count(),
        overdue=head("overdue"), overdue_count=_plain(lists["overdue"]).count(),
        high_risk=head("high_risk"), high_risk_count=_plain(lists["high_risk"]).count(),
        by_status=by_status, open_count=sum(n for s, n in counts.items() if s != Status.CLOSED),
        total=sum(counts.values()),
    )


def board_cases(viewer: User, ids: list[int]) -> list[tuple[Case, list[str]]]:
    """Cases a live notification named, as the board's rows show them, each with the lists it
    belongs in now (none, once it has left them all); cases the viewer may not see are left out."""
    lists = _board_lists(viewer)
    member_of = {name: set(_plain(qs).filter(pk__in=ids).values_list("pk", flat=True)) for name, qs in lists.items()}
    cases = case_list(viewer=viewer).select_related("region__parent").filter(pk__in=ids).order_by("pk")
    return [(case, [name for name in BOARD_LISTS if case.pk in member_of[name]]) for case in cases]


@dataclass
class RegionSummary:
    region: Region
    total: int
    open: int
    overdue: int
    high_risk: int
    closed: int
    by_outcome: dict[str, int]

    @property
    def resolved(self) -> int:
        return sum(n for outcome, n in self.by_outcome.items() if outcome.startswith("resolved_"))

    def share(self, outcome: str) -> int:
        """Percentage of the closed cases with this outcome."""
        return round(100 * self.by_outcome.get(outcome, 0) / self.closed) if self.closed else 0

    @property
    def share_grid(self) -> int:
        return self.share(Outcome.RESOLVED_GRID)

    @property
    def share_village(self) -> int:
        return self.share(Outcome.RESOLVED_VILLAGE)

    @property
    def share_township(self) -> int:
        return self.share(Outcome.RESOLVED_TOWNSHIP)

    @property
    def share_channel(self) -> int:
        return self.share(Outcome.RESOLVED_CHANNEL)


def county_overview(viewer: User) -> list[RegionSummary]:
    """Per township of the viewer's scope: open, overdue, high-risk, and where disputes were settled."""
    scoped = _plain(case_list(viewer=viewer))
    now = clock.now()
    paths = perms.scope_paths(viewer)
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP).filter(case_scope(paths, "path")).order_by("path")
    rows = []
    for township in townships:
        cases = scoped.filter(case_scope([township.path], "region_path"))
        totals = cases.aggregate(
            total=Count("id"), open=Count("id", filter=~Q(status=Status.CLOSED)),
            high=Count("id", filter=~Q(status=Status.CLOSED) & Q(risk_level=RiskLevel.HIGH)),
        )
        by_outcome = dict(cases.filter(status=Status.CLOSED).values_list("outcome").annotate(n=Count("id")))
        rows.append(RegionSummary(
            region=township, total=totals["total"], open=totals["open"],
            overdue=cases.filter(status__in=OPEN_STATUSES).filter(overdue_filter(now)).count(),
            high_risk=totals["high"], closed=sum(by_outcome.values()), by_outcome=by_outcome,
        ))
    return rows


# --- search: what the engine found, read back from the database ---------------------------------


def cases_by_id(viewer: User, ids: list[int], *, agreements: bool = False) -> dict[int, Case]:
    """The cases of a search's hits the viewer may see, in one query (two with their agreements).

    Pages show what the database holds, not the index's copy: a hit the index still holds for a
    case that is gone, or that the viewer may not see, is simply not shown.
    """
    if not ids:
        return {}
    cases = Case.objects.filter(case_scope(perms.scope_paths(viewer), "region_path"), pk__in=ids).select_related("region")
    if agreements:  # mediation.selectors.current_agreement, for every case at once
        cases = cases.prefetch_related(Prefetch(
            "agreements", queryset=Agreement.objects.filter(superseded=False).order_by("-recorded_at", "-id"),
            to_attr="current_agreements"))
    return cases.in_bulk()


SIMILAR_SIZE = 5
AGREEMENT_SUMMARY = 80  # characters of the agreed terms a similar case shows


@dataclass
class SimilarCase:
    case: Case
    rung: str  # where it was settled, in words ("" when it was not settled)
    agreement: str  # the agreed terms, shortened, numbers masked


def similar_past_cases(viewer: User, case: Case, *, size: int = SIMILAR_SIZE) -> list[SimilarCase]:
    """类案参考: the closed cases of the viewer's jurisdiction most like `case`, most similar first.

    Raises SearchUnavailable when the search engine does not answer.
    """
    page = search_selectors.similar_cases(viewer=viewer, case_id=case.pk, size=size)
    cases = cases_by_id(viewer, [hit.id for hit in page.hits], agreements=True)
    rows = []
    for hit in page.hits:
        found = cases.get(hit.id)
        if found is None:
            continue
        rung = search_selectors.settled_rung(found)
        agreement = found.current_agreements[0] if found.current_agreements else None
        rows.append(SimilarCase(
            case=found, rung=str(Rung(rung).label) if rung else "",
            agreement=Truncator(mask_numbers(agreement.terms)).chars(AGREEMENT_SUMMARY) if agreement else "",
        ))
    return rows


@dataclass
class DuplicateCase:
    case: Case
    reason: str  # search.selectors.Duplicate.reason: same_person | same_name_similar


def case_duplicates(viewer: User, case: Case) -> list[DuplicateCase]:
    """The open cases of the village that likely report the same dispute as `case` (并单 candidates):
    a party with the same ID number or phone, or of the same name with a similar story. Read from
    the database (search.selectors.likely_duplicates), so they are listed while search is down."""
    if not case.is_open:
        return []
    return [DuplicateCase(d.case, d.reason) for d in search_selectors.likely_duplicates(viewer=viewer, case_id=case.pk)]
