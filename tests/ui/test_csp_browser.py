"""The Content-Security-Policy in a real browser (Debian's chromium through Playwright): every
page people use works under it — the board with its WebSocket, the case page with its forms,
the printable agreement, the flow chart, the API docs (Swagger UI) and the admin — and the
browser reports no violation."""
from __future__ import annotations

import pytest

from casework.models import PartyCode
from tests.conftest import bring_to
from tests.ui.browser import BROWSER, orm, sign_in

pytestmark = BROWSER

# Each document's violations, as the browser reports them to the page.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def server(live_site):
    return live_site


def visit(page, url: str, *, ready: str) -> list[str]:
    """Open url, wait for `ready` to show, and return what the browser refused on it."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    refused = page.evaluate("window.__csp || []")
    return refused + [text for text in console if "Content Security Policy" in text]


def test_the_pages_work_under_the_content_security_policy(server, chromium):
    case = orm(lambda: bring_to("agreed"))
    context_pages = {}

    def signed_in(username: str):
        if username not in context_pages:
            page = sign_in(chromium, server.url, username)
            page.context.add_init_script(RECORD_VIOLATIONS)
            context_pages[username] = page
        return context_pages[username]

    # the supervisors' board, live: its script ran and its WebSocket is open
    board = signed_in("super1")
    assert visit(board, server.url + "/board/", ready="[data-live-status=live]") == []
    # the statistics page, its ECharts charts drawn
    assert visit(board, server.url + "/stats/", ready="[data-chart=ranking][data-chart-ready]") == []
    # the case page, its forms and the printable agreement
    mediator = signed_in("mediator1")
    assert visit(mediator, f"{server.url}/cases/{case.pk}/", ready="form[data-confirm], form") == []
    assert visit(mediator, f"{server.url}/cases/{case.pk}/agreement/print/", ready=".sheet") == []
    # the receipt's inline SVG QR code, and the parties' page it points to
    head = signed_in("head1")
    assert visit(head, f"{server.url}/cases/{case.pk}/", ready=".receipt svg") == []
    code = orm(lambda: PartyCode.objects.in_force().get(case=case).display)
    assert visit(board, f"{server.url}/p/{code}/", ready=".public-progress dl") == []
    # the flow chart, bare and in the product's frame, and the API docs (Swagger UI renders the
    # schema; an administrator's page)
    assert visit(mediator, server.url + "/flows/chart/", ready="svg") == []
    assert visit(mediator, server.url + "/flow/", ready=".flow-chart img") == []
    admin = signed_in("admin")
    assert visit(admin, server.url + "/api/docs/", ready=".swagger-ui .info .title") == []
    # the admin
    assert visit(admin, server.url + "/admin/", ready="#content") == []
    assert visit(admin, server.url + "/admin/casework/case/", ready="#changelist") == []
