"""Accessibility (无障碍, issue 12): axe-core in a real browser finds no serious or critical violation
on the pages each role lives in — filing (grid1), inbox and a case with its records (mediator1),
search with results (mediator1), statistics (super1), the parties' code page of a closed case with
its rating form (anonymous) and the printable receipt (head1) — at both tablet sizes, portrait
800×1280 and landscape 1280×800.

axe-core is vendored (tests/ui/vendor/axe-core, see its README) and injected as an init script
(Chromium's Page.addScriptToEvaluateOnNewDocument), which the page's Content-Security-Policy does
not govern: the pages are checked under their real CSP, without `bypass_csp`. Lesser findings
(moderate, minor) are printed for people to look at. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from casework.models import PartyCode
from tests.conftest import bring_to, file_case, user
from tests.search.engines import index_now
from tests.ui.browser import BROWSER, keep_screenshot, orm, sign_in

pytestmark = BROWSER

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"portrait": {"width": 800, "height": 1280}, "landscape": {"width": 1280, "height": 800}}
BLOCKING = {"serious", "critical"}
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one main, page heading…).
RUN_AXE = """
async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
      values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
  window.__axePasses = result.passes.length;
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1).join("; "))}));
}
"""


@pytest.fixture
def server(search_index, live_site) -> str:
    """The whole application on a free port; demo topology, cases committed and indexed."""
    return live_site.url


def _cases() -> dict:
    """A reported case, a case in village mediation with a session on record, and a closed one."""
    from actions import services
    from casework.clock import now

    reported = file_case()
    mediated = bring_to("village_mediation")
    services.session_record(case_id=mediated.pk, actor=user("mediator1"), held_at=now() - dt.timedelta(hours=2),
                            place="枫源村调解室", statements="双方陈述了漏水的经过和维修费用的分歧。",
                            result="约定下次带维修报价再谈。",
                            attendees=[{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}])
    closed = bring_to("closed")
    index_now()
    return {"reported": reported.pk, "mediated": mediated.pk, "closed": closed.pk,
            "code": PartyCode.objects.in_force().get(case=closed).display}




def _check(page, url: str, name: str) -> list[str]:
    """Open url, keep a screenshot, run axe; the blocking violations as lines (the rest printed)."""
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    keep_screenshot(page, f"a11y-{name}.png")
    found = page.evaluate(RUN_AXE)
    print(f"[{name}] axe {page.evaluate('axe.version')}: {page.evaluate('window.__axePasses')} rules passed, "
          f"{len(found)} violated")
    for v in found:
        if v["impact"] not in BLOCKING:
            print(f"[{name}] {v['impact']}: {v['id']} — {v['help']}: {json.dumps(v['nodes'], ensure_ascii=False)}")
    return [f"[{name}] {v['impact']}: {v['id']} — {v['help']}: {json.dumps(v['nodes'], ensure_ascii=False)}"
            for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(server, chromium, size):
    # given cases of 枫源村: reported, in mediation with a session on record, and closed with its code
    cases = orm(_cases)
    viewport = VIEWPORTS[size]

    # when each role opens the pages of its day, and axe checks each one
    grid = sign_in(chromium, server, "grid1", viewport=viewport, init_scripts=[AXE])
    mediator = sign_in(chromium, server, "mediator1", viewport=viewport, init_scripts=[AXE])
    supervisor = sign_in(chromium, server, "super1", viewport=viewport, init_scripts=[AXE])
    head = sign_in(chromium, server, "head1", viewport=viewport, init_scripts=[AXE])
    party = sign_in(chromium, server, None, viewport=viewport, init_scripts=[AXE])
    problems = [
        *_check(grid, f"{server}/cases/new/", f"filing-{size}"),
        *_check(mediator, f"{server}/inbox/", f"inbox-{size}"),
        *_check(mediator, f"{server}/cases/{cases['mediated']}/", f"case-{size}"),
        *_check(mediator, f"{server}/search/?q=漏水", f"search-{size}"),
        *_check(supervisor, f"{server}/stats/", f"stats-{size}"),
        *_check(party, f"{server}/p/{cases['code']}/", f"code-{size}"),
        *_check(head, f"{server}/cases/{cases['closed']}/receipt/", f"receipt-{size}"),
    ]

    # then none is serious or critical
    assert problems == [], "\n".join(problems)


# Every other page of the product, opened by a role whose job it is (ui/access.py): the
# screenshots of the whole product at both sizes, and the same axe check.
TOUR = [
    ("grid1", "/my-cases/", "my-cases"),
    ("grid1", "/notifications/", "notifications"),
    ("mediator1", "/flow/", "flow"),
    ("center1", "/triage/", "triage"),
    ("super1", "/board/", "board"),
    ("super1", "/reports/monthly/", "monthly-reports"),
    ("county1", "/overview/", "overview"),
    (None, "/login/", "login"),
]


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_axe_finds_no_serious_or_critical_violation_on_the_other_pages(server, chromium, size):
    # given cases of 枫源村 in several stages
    orm(_cases)
    viewport = VIEWPORTS[size]

    # when each page is opened by a role whose job it is, and axe checks it
    pages: dict[str | None, object] = {}
    problems = []
    for username, path, name in TOUR:
        if username not in pages:
            pages[username] = sign_in(chromium, server, username, viewport=viewport, init_scripts=[AXE])
        problems += _check(pages[username], server + path, f"{name}-{size}")

    # then none is serious or critical
    assert problems == [], "\n".join(problems)
