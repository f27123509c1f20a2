"""Work queues: the mediator's inbox (claim, assign, unassign) and the center's triage page."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from actions import services
from casework import ladder
from casework.errors import NotFound, Refused
from casework.ladder import TRANSITIONS
from casework.models import Case, User
from flows import queues
from flows import selectors as flow_selectors
from flows.models import InboxEntry
from mediation.models import Organization
from ui import presenters, selectors
from ui.access import page_for
from ui.forms.transitions import DANGER, transition_form
from ui.views.cases import render_case
from ui.views.common import safe_next, visible_case

INBOX_TABS = (
    ("mine", gettext_lazy("Mine")),
    ("queue", gettext_lazy("Waiting to be claimed")),
    ("due_soon", gettext_lazy("Due soon")),
    ("overdue", gettext_lazy("Overdue")),
    ("all", gettext_lazy("All tasks")),
)
PAGE_SIZE = 25
TRIAGE_ACTIONS = ("triage_to_mediation", "return_to_village", "refer")


@dataclass
class InboxRow:
    task: InboxEntry
    case: Case
    queue: Organization | None
    countdown: presenters.Countdown | None
    actions: list[tuple[str, str]]
    may_claim: bool
    may_unassign: bool
    assignees: list[User]


def _rows(viewer: User, tasks, orgs: dict[int, Organization]) -> list[InboxRow]:
    manages = {pk: queues.may_manage(viewer, org) for pk, org in orgs.items()}
    members = selectors.queue_members([org.pk for pk, org in orgs.items() if manages[pk]])
    rows = []
    for task in tasks:
        case = task.case
        org = orgs.get(task.organization_id)
        manage = manages.get(task.organization_id, False)
        names = ladder.allowed_transitions(case, viewer)
        rows.append(InboxRow(
            task=task, case=case, queue=org,
            countdown=presenters.countdown(selectors.stage_clock(case), due_at=task.due_at),
            # The everyday steps one click away; those that end or undo work stay on the case page.
            actions=[(name, TRANSITIONS[name].label) for name in names if name not in DANGER],
            may_claim=task.owner_id is None,
            may_unassign=task.owner_id is not None and (task.owner_id == viewer.pk or manage),
            assignees=members.get(org.pk, []) if org is not None and manage else [],
        ))
    return rows


def inbox_page(request, *, view: str, status: int = 200):
    viewer = request.user
    tabs = dict(INBOX_TABS)
    if view not in tabs:
        view = "mine"
    orgs = {org.pk: org for org in queues.queue_organizations(viewer)}
    page = Paginator(selectors.inbox(viewer, view), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.inbox_counts(viewer, tuple(tabs))
    context = {
        "view": view,
        "tabs": [(key, label, counts[key]) for key, label in INBOX_TABS],
        "page": page,
        "rows": _rows(viewer, page.object_list, orgs),
        "queues": list(orgs.values()),
        "here": f"{reverse('ui:inbox')}?view={view}",
    }
    return render(request, "ui/inbox.html", context, status=status)


@page_for("ui:inbox")
def inbox(request):
    return inbox_page(request, view=request.GET.get("view", "mine"))


def _task_id(raw: str) -> int:
    if not str(raw).isdigit():
        raise Http404("No such task.")
    return int(raw)


@login_required
@require_POST
def task_action(request, task_id: str, action: str):
    """Claim a task, assign it to someone of the queue, or put it back; refusals as messages."""
    task_id = _task_id(task_id)
    viewer = request.user
    try:
        if action == "claim":
            services.task_claim(task_id=task_id, actor=viewer)
            done = _("You have claimed the task.")
        elif action == "assign":
            assignee = User.objects.filter(username=request.POST.get("assignee", ""), is_active=True).first()
            if assignee is None:
                flow_selectors.task_get(viewer=viewer, task_id=task_id)  # 404 comes before 400
                messages.error(request, _("Choose whom to assign the task to."))
                return _back(request, status=400)
            services.task_assign(task_id=task_id, actor=viewer, assignee=assignee)
            done = _("The task is assigned to %(name)s.") % {"name": assignee.label}
        elif action == "unassign":
            services.task_unassign(task_id=task_id, actor=viewer)
            done = _("The task is back in the queue.")
        else:
            raise Http404("No such action.")
    except NotFound:
        raise Http404("No such task.")
    except Refused as exc:
        messages.error(request, exc.detail)
        return _back(request, status=400 if exc.status == 400 else exc.status)
    messages.success(request, done)
    return redirect(safe_next(request, reverse("ui:inbox")))


def _back(request, *, status: int):
    """Show the page the action came from again, with the refusal, and the status it deserves."""
    case_id = request.POST.get("case")
    if case_id and case_id.isdigit():
        return render_case(request, visible_case(request, int(case_id)), status=status)
    return inbox_page(request, view=request.POST.get("view", "mine"), status=status)


@page_for("ui:triage")
def triage(request):
    """Cases in township triage for the viewer's township(s), each with the three ways on."""
    viewer = request.user
    here = reverse("ui:triage")
    rows = []
    for case in selectors.triage_cases(viewer):
        allowed = set(ladder.allowed_transitions(case, viewer))
        forms = [(name, TRANSITIONS[name].label,
                  transition_form(name, case=case, viewer=viewer, auto_id=f"id_c{case.pk}_%s"))
                 for name in TRIAGE_ACTIONS if name in allowed]
        rows.append({"case": case, "forms": forms, "countdown": presenters.countdown(selectors.stage_clock(case)),
                     "region": case.region})
    return render(request, "ui/triage.html", {"rows": rows, "here": here})
