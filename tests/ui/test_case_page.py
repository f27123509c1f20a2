"""The case page: what it shows, to whom, and how refusals read."""
from actions import services
from tests.conftest import PHONE, VALID_ID, snapshot
from tests.ui.conftest import Browser, user
from tests.ui.helpers import file_via_ui


def test_the_case_page_shows_parties_timeline_and_countdown(demo):
    # given a filed dispute
    _, case = file_via_ui(Browser("grid1"))

    # when the committee head opens it
    page = Browser("head1").get(f"/cases/{case.pk}/")

    # then parties (in full, for those who work it), the timeline and the deadline are there
    assert page.status == 200
    assert "张三" in page and VALID_ID in page and PHONE in page
    assert "王网格" in page and "登记" in page  # who filed, and the filing event
    assert "剩余" in page  # acceptance countdown
    assert "受理" in page  # the accept form is offered


def test_supervisors_see_personal_data_masked(demo):
    _, case = file_via_ui(Browser("grid1"))
    page = Browser("super1").get(f"/cases/{case.pk}/")
    assert page.status == 200
    assert VALID_ID not in page and PHONE not in page
    assert "110105********002X" in page and "138****5678" in page
    assert not any(f.action.startswith(f"/cases/{case.pk}/act/") for f in page.forms)


def test_a_stale_form_shows_the_conflict_and_keeps_the_input(demo):
    # given the head with the escalate form open on the case page
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")
    stale = head.get(f"/cases/{case.pk}/")
    # and someone else changing the case meanwhile
    services.case_pause_clock(case_id=case.pk, actor=user("mediator1"), reason="当事人外出务工，暂时联系不上")
    before = snapshot(case.pk)

    # when the head sends the escalate form of the stale page
    page = head.act(case, "escalate", page=stale, reason="村级调解难度大")

    # then a clear Chinese conflict message is shown, nothing changed, and the input is kept
    assert page.status == 409
    assert any("已被他人修改" in m for m in page.messages), page.messages
    assert snapshot(case.pk) == before
    assert "村级调解难度大" in page.html

    # and sending it again from the page now shown goes through
    again = head.act(case, "escalate", page=page)
    case.refresh_from_db()
    assert again.status == 200 and case.status == "township_triage"


def test_a_wrong_role_gets_a_403_message_not_an_error_page(demo):
    # given a case in village mediation and the reporting grid worker looking at an old page
    _, case = file_via_ui(Browser("grid1"))
    grid = Browser("grid1")
    stale = grid.get(f"/cases/{case.pk}/")  # offers resolve_on_spot while the case is reported
    services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
    before = snapshot(case.pk)

    # when they send the withdraw form from the old page (now the committee's, not theirs)
    page = grid.act(case, "withdraw", page=stale, note="申请人撤回")

    # then the refusal is a message on the page with 403, and nothing changed
    assert page.status == 403
    assert any("无权" in m for m in page.messages), page.messages
    assert snapshot(case.pk) == before


def test_pause_and_resume_the_deadline(demo):
    # given a filed dispute
    _, case = file_via_ui(Browser("grid1"))
    head = Browser("head1")

    # when the head pauses its clock with a reason
    page = head.submit(head.get(f"/cases/{case.pk}/").form(f"/cases/{case.pk}/deadline/pause/"),
                       reason="当事人外出务工，暂时联系不上")

    # then the page shows the clock paused with the reason
    assert "已暂停" in page and "当事人外出务工，暂时联系不上" in page

    # when they resume it
    page = head.submit(page.form(f"/cases/{case.pk}/deadline/resume/"))

    # then it runs again, and both are on the timeline
    assert "剩余" in page
    assert list(case.events.filter(action__in=["pause_clock", "resume_clock"]).values_list("action", flat=True)) == [
        "pause_clock", "resume_clock"]


def test_invalid_agreement_input_is_shown_on_the_form(demo):
    # given a case in village mediation
    _, case = file_via_ui(Browser("grid1"))
    services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
    before = snapshot(case.pk)

    # when the mediator sends an agreement without an obligation's due date
    page = Browser("mediator1").act(case, "record_agreement", terms="赔偿800元",
                                    **{"record_agreement-obligations-0-description": "付款"})

    # then the form comes back open with the error, and nothing changed
    assert page.status == 400
    assert "此字段为必填项。" in page or "这个字段是必填项。" in page
    assert snapshot(case.pk) == before
