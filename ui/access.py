"""Which role works which page: the menu shows a page to exactly the roles its view lets in.

One table, read by the navigation (ui/templatetags/ui_tags.py) and by the views' `page_for`
decorator, so a page can never be in a role's menu and refuse it, or the other way round.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from casework import permissions as perms
from casework.choices import Role
from ui import selectors

EVERYONE = frozenset(Role.values)
SUPERVISORS = selectors.SUPERVISORS
VILLAGE_AND_CENTER = frozenset({Role.MEDIATOR, Role.COMMITTEE_HEAD, Role.CENTER_STAFF})

# url name → the roles whose job the page is (holding any one of them lets a user in)
PAGES: dict[str, frozenset[str]] = {
    "ui:my_cases": frozenset({Role.GRID_WORKER}),
    "ui:file_case": frozenset(perms.FILING_ROLES),
    "ui:inbox": VILLAGE_AND_CENTER,
    "ui:triage": frozenset({Role.CENTER_STAFF, Role.ADMIN}),
    # the supervisors' board, with its live refresh and charts
    "ui:board": frozenset({Role.CENTER_STAFF, Role.ADMIN, *SUPERVISORS}),
    "ui:overview": frozenset({Role.ADMIN, Role.COUNTY_SUPERVISOR}),
    "ui:search": EVERYONE,
    # those who file the monthly reports upward and those they are filed to
    "ui:monthly_reports": frozenset({Role.COMMITTEE_HEAD, Role.CENTER_STAFF, Role.ADMIN, *SUPERVISORS}),
    # the supervisors, the township centers and the village committees' heads
    "ui:stats": frozenset({*SUPERVISORS, Role.CENTER_STAFF, Role.COMMITTEE_HEAD, Role.ADMIN}),
    "ui:notifications": EVERYONE,
    # the ladder every role explains to parties or works on
    "ui:flow": EVERYONE,
    # the process definition as BPMN 2.0 XML and the API console: for those who integrate systems
    "flow-bpmn": frozenset({Role.ADMIN}),
    "api-docs": frozenset({Role.ADMIN}),
}


def may_open(user, page: str) -> bool:
    return user.is_authenticated and bool(selectors.role_set(user) & PAGES[page])


def ensure_may_open(user, page: str) -> None:
    """403 (the product's page, in the frame) for a signed-in user whose roles do not work `page`."""
    if not may_open(user, page):
        raise PermissionDenied


def page_for(page: str) -> Callable:
    """A view only the roles of PAGES[page] may open: sign-in first, then 403 for the others."""
    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            ensure_may_open(request.user, page)
            return view(request, *args, **kwargs)
        return login_required(guarded)
    return decorate
