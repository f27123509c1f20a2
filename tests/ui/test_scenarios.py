"""The eight ways a dispute goes, each driven through the web forms only.

Every step reads the page, fills the form it renders (CSRF token, seen_version and all) and
sends it; then the case's status and outcome, and the workflow's open task, are checked.
"""
import datetime as dt

from mediation.models import Organization
from tests.ui.conftest import Browser, open_task_matches, stage_task, user
from tests.ui.helpers import file_via_ui

DUE = dt.date.today().isoformat()  # due today: the follow-up may close it at once


def agree(browser: Browser, case, terms: str = "李四赔偿维修费800元"):
    """A complete agreement (art. 35), signed by both parties and sealed: in force."""
    respondent = case.parties.get(role="respondent")
    return browser.act(case, "record_agreement", **{
        "facts": "李四家卫生间漏水，渗至楼下张三家厨房。",
        "responsibilities": "李四负全部责任。",
        "terms": terms,
        "record_agreement-obligations-0-description": "李四向张三支付维修费800元",
        "record_agreement-obligations-0-due_date": DUE,
        "record_agreement-obligations-0-party": str(respondent.pk),
        "signed_and_sealed": "on",
    })


def test_settled_on_the_spot(demo):
    # given a grid worker who filed a dispute through the form
    grid = Browser("grid1")
    _, case = file_via_ui(grid)
    assert case.status == "reported" and open_task_matches(case)

    # when they settle it on the spot
    page = grid.act(case, "resolve_on_spot", note="现场协调，楼上住户当场同意维修")

    # then it is closed as resolved in the grid, and the process has no open task
    case.refresh_from_db()
    assert page.status == 200 and "已完成：就地化解" in page.messages[0]
    assert (case.status, case.outcome) == ("closed", "resolved_grid")
    assert open_task_matches(case)
    assert "现场协调，楼上住户当场同意维修" in page


def test_settled_in_the_village(demo):
    # given a filed dispute
    _, case = file_via_ui(Browser("grid1"))
    head, mediator = Browser("head1"), Browser("mediator1")

    # when the committee head accepts it for mediator1
    head.act(case, "accept", mediators=[user("mediator1").pk])
    case.refresh_from_db()
    assert case.status == "village_mediation" and open_task_matches(case)
    assert list(case.mediators.values_list("username", flat=True)) == ["mediator1"]

    # and mediator1 records an agreement
    page = agree(mediator, case)
    case.refresh_from_db()
    assert case.status == "agreed" and open_task_matches(case)
    assert "李四赔偿维修费800元" in page
    assert f'href="/cases/{case.pk}/agreement/print/"' in page.html

    # and closes it after the follow-up visit
    page = mediator.act(case, "close", fulfilled="yes", satisfaction="satisfied")

    # then it is closed as resolved in the village, the process ended
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "resolved_village")
    assert open_task_matches(case)
    assert "满意" in page


def test_declined_with_a_channel(demo):
    # given a filed dispute
    _, case = file_via_ui(Browser("grid1"))

    # when the committee head declines it, telling the parties to go to court
    page = Browser("head1").act(case, "decline", reason="属于合同纠纷，已起诉", advised_channel="court")

    # then it is closed as declined, with the channel on the timeline
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "declined")
    assert open_task_matches(case)
    assert case.events.get(action="decline").data["advised_channel"] == "court"
    assert "诉讼/诉前调解" in page


def test_escalated_by_the_village_and_settled_at_the_township(demo):
    # given a dispute the village accepted
    _, case = file_via_ui(Browser("grid1"))
    head, center = Browser("head1"), Browser("center1")
    head.act(case, "accept", mediators=[user("mediator1").pk])

    # when the village escalates it
    head.act(case, "escalate", reason="涉及多户，村级调解难度大")
    case.refresh_from_db()
    assert case.status == "township_triage" and open_task_matches(case)

    # and the center triages it, from its triage page, to the township's judicial office
    triage = center.get("/triage/")
    assert case.title in triage
    office = Organization.objects.get(name="枫桥司法所")
    page = center.submit(triage.form(f"/cases/{case.pk}/act/triage_to_mediation/"), lead_body=office.pk)
    assert page.url == "/triage/"
    case.refresh_from_db()
    assert case.status == "township_mediation" and case.lead_body == office and open_task_matches(case)

    # and records the agreement and closes it after the follow-up visit
    agree(center, case, terms="分期赔偿")
    case.refresh_from_db()
    assert case.status == "agreed" and open_task_matches(case)
    center.act(case, "close", fulfilled="yes", satisfaction="basically_satisfied")

    # then it is closed as resolved at the township
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "resolved_township")
    assert open_task_matches(case)


def test_referred_to_arbitration_and_closed_on_its_reply(demo):
    # given an escalated labour dispute
    _, case = file_via_ui(Browser("grid1"), title="拖欠工资纠纷", dispute_type="labor")
    Browser("head1").act(case, "escalate", reason="劳动争议，需仲裁")
    center = Browser("center1")

    # when the center refers it to arbitration from the triage page
    triage = center.get("/triage/")
    page = center.submit(triage.form(f"/cases/{case.pk}/act/refer/"),
                         channel="arbitration", receiving_body="诸暨市劳动人事争议仲裁委员会")
    case.refresh_from_db()
    assert page.url == "/triage/"
    assert case.status == "referred" and open_task_matches(case)

    # and records the arbitration commission's reply
    page = center.act(case, "record_referral_outcome", resolved="yes", reply="仲裁调解书已送达，工资已支付")

    # then it is closed as resolved through the channel
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "resolved_channel")
    assert open_task_matches(case)
    assert "诸暨市劳动人事争议仲裁委员会" in page and "仲裁调解书已送达，工资已支付" in page


def test_high_risk_goes_straight_to_the_township(demo):
    # when a grid worker files a high-risk dispute
    page, case = file_via_ui(Browser("grid1"), title="宅基地纠纷，扬言动刀", risk_level="high")

    # then it skipped the village: the township center's task is open
    assert case.status == "township_triage"
    assert open_task_matches(case)
    assert stage_task(case).flow_task.name == "township_triage"
    assert "直接上报乡镇" in page  # the filing page says where it went

    # and it waits on the center's triage page and shows on the supervisor's board as high risk
    assert case.title in Browser("center1").get("/triage/")
    board = Browser("super1").get("/board/")
    assert board.status == 200 and case.number in board


def test_agreement_reneged_and_reopened(demo):
    # given a village agreement
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    head.act(case, "accept", mediators=[user("mediator1").pk])
    agree(Browser("mediator1"), case)
    case.refresh_from_db()
    assert case.status == "agreed"

    # when a party reneges and the committee reopens it
    page = head.act(case, "reopen", reason="李四反悔，拒绝支付")

    # then mediation resumes in the village, the old agreement kept as superseded
    case.refresh_from_db()
    assert case.status == "village_mediation" and case.outcome == ""
    assert open_task_matches(case)
    assert case.agreements.get().superseded
    assert "已作废" in page
    assert f'href="/cases/{case.pk}/agreement/print/"' not in page.html


def test_withdrawn(demo):
    # given a dispute in village mediation
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    head.act(case, "accept", mediators=[user("mediator1").pk])

    # when the applicant asks to withdraw and the head records it
    head.act(case, "withdraw", note="申请人自行和解，申请撤回")

    # then it is closed as withdrawn
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "withdrawn")
    assert open_task_matches(case)
