"""GET /cases/{id}/agreement/print/ — the agreement as an A4 人民调解协议书, within jurisdiction only."""
from __future__ import annotations

import pytest
from django.test import Client

from casework import clock
from casework.choices import Status
from tests.conftest import PHONE, VALID_ID, bring_to, days_from_today, user
from tests.mediation.support import OUTSIDE, at, fire

# The standard layout's parts, in order (《人民调解工作若干规定》 art. 35).
SECTIONS = ["人民调解协议书", "编号", "当事人", "纠纷主要事实、争议事项", "各方责任", "协议内容", "履行方式", "履行地点",
            "履行期限", "履行说明", "签名或按指印", "人民调解员（签名）", "人民调解委员会（印）"]


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def print_url(case_id: int) -> str:
    return f"/cases/{case_id}/agreement/print/"


def agreed_case():
    """A village agreement with every art. 35 content, recorded on 12 March 2026."""
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = {p.role: p.pk for p in case.parties.all()}
        client = signed_in("mediator1")
        response = client.post(f"/api/v1/cases/{case.pk}/transitions/record_agreement/", {
            "facts": "被申请人李四家卫生间漏水，渗至楼下申请人张三家厨房。",
            "points_in_dispute": "维修费用由谁承担。",
            "responsibilities": "被申请人负主要责任。",
            "terms": "被申请人赔偿申请人维修费800元。",
            "obligations": [{"description": "赔偿维修费800元", "due_date": "2026-03-31", "party": ids["respondent"],
                             "manner": "银行转账", "place": "枫源村村委会"}],
            "signatures": [{"party": ids["applicant"]}, {"party": ids["respondent"]}],
            "sealed": True,
        }, content_type="application/json")
        assert response.status_code == 200, response.content
    return case


def test_print_page_is_an_a4_agreement_with_every_art35_section_in_order(demo):
    # given an agreement with every content of art. 35
    case = agreed_case()
    # when the committee head opens its print page
    response = signed_in("head1").get(print_url(case.pk))
    # then it is the standard form, its sections in order, set for A4 in a serif CJK face
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.find(section, html.find("<body")) for section in SECTIONS]
    assert -1 not in positions, dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    assert "size: A4" in html and "Noto Serif CJK SC" in html
    # with this case's content: the committee, the number, the parties, the obligation's how/where/when
    for text in ["枫源村人民调解委员会", f"{case.number}-1", "申请人：张三", "被申请人：李四", "维修费用由谁承担。",
                 "被申请人负主要责任。", "赔偿维修费800元", "银行转账", "枫源村村委会", "2026年3月31日前",
                 "自本协议生效之日起三十日内共同向人民法院申请司法确认", "本协议一式3份", "2026年3月12日"]:
        assert text in html, text
    # and the parties' full ID number and phone, for the committee that works the case
    assert VALID_ID in html and PHONE in html


def test_print_page_masks_personal_data_for_supervisors(demo):
    # given an agreement, when the county supervisor prints it, then ID numbers and phones are masked
    case = agreed_case()
    html = signed_in("county1").get(print_url(case.pk)).content.decode()
    assert VALID_ID not in html and PHONE not in html
    assert "张三" in html


@pytest.mark.parametrize("who", OUTSIDE)
def test_print_page_is_404_outside_jurisdiction(demo, who):
    # given an agreement of 枫源村, when someone of another village or township opens it, then 404
    case = agreed_case()
    assert signed_in(who).get(print_url(case.pk)).status_code == 404


def test_print_page_of_a_case_without_agreement_or_that_does_not_exist_is_404(demo):
    case = bring_to(Status.VILLAGE_MEDIATION)
    client = signed_in("head1")
    assert client.get(print_url(case.pk)).status_code == 404
    assert client.get(print_url(999999)).status_code == 404
    assert client.get(print_url(case.pk) + "?agreement=x").status_code == 404


def test_print_page_asks_an_anonymous_visitor_to_sign_in(demo):
    case = agreed_case()
    response = Client().get(print_url(case.pk))
    assert response.status_code == 302


def test_oral_agreement_prints_as_a_record_without_party_signature_lines(demo, api):
    # given an oral agreement
    case = bring_to(Status.VILLAGE_MEDIATION)
    fire(api, "mediator1", case.pk, "record_agreement", terms="双方口头约定互不追究", form="oral",
         obligations=[{"description": "互相赔礼道歉", "due_date": days_from_today(30).isoformat()}])
    # when it is printed, then it says it is an oral agreement recorded by the mediator
    html = signed_in("head1").get(print_url(case.pk)).content.decode()
    assert "口头调解协议记录" in html and "由人民调解员记录" in html
    assert "签名或按指印" not in html and "记录人（签名）" in html


def test_a_superseded_agreement_can_still_be_printed_by_its_id(demo, api):
    # given an agreement superseded when a party reneged, and a new one
    case = agreed_case()
    first = case.agreements.get()
    fire(api, "head1", case.pk, "reopen", reason="被申请人反悔")
    fire(api, "mediator1", case.pk, "record_agreement", terms="新协议：分两期赔偿",
         obligations=[{"description": "第一期400元", "due_date": days_from_today(30).isoformat()}])
    client = signed_in("head1")
    # then the page shows the agreement in force by default, and the old one when asked for
    assert "新协议：分两期赔偿" in client.get(print_url(case.pk)).content.decode()
    old = client.get(f"{print_url(case.pk)}?agreement={first.pk}").content.decode()
    assert "被申请人赔偿申请人维修费800元" in old


def test_a_draft_prints_as_a_draft_and_invents_nothing(demo, api):
    # given an agreement recorded with API.md's terms and obligations only: no facts, no responsibilities
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        fire(api, "mediator1", case.pk, "record_agreement", terms="被申请人赔偿申请人维修费800元。",
             obligations=[{"description": "赔偿维修费800元", "due_date": "2026-03-31"}])
    # when it is printed
    html = signed_in("head1").get(print_url(case.pk)).content.decode()
    # then it says it is a draft that cannot be signed, lists what it lacks, and invents no sentence
    assert "草稿，尚不能签署" in html and "各方责任" in html and "纠纷主要事实" in html
    assert "无异议" not in html and "（经调解" not in html
    assert case.description not in html  # the case's description is not the agreement's facts
    # and it states no day on which it took effect
    assert "生效，申请期限至" not in html


def test_an_unsigned_agreement_prints_as_not_yet_in_force(demo, api):
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = {p.role: p.pk for p in case.parties.all()}
        fire(api, "mediator1", case.pk, "record_agreement", terms="赔偿800元。", facts="漏水。", responsibilities="李四负责。",
             obligations=[{"description": "赔偿800元", "due_date": "2026-03-31", "party": ids["respondent"]}])
    html = signed_in("head1").get(print_url(case.pk)).content.decode()
    assert "尚未生效" in html and "草稿" not in html
    assert "生效，申请期限至" not in html


def test_a_township_agreement_prints_the_body_and_the_mediators_who_mediated_it(demo, api):
    # given a case accepted by the village (mediator1), escalated, and mediated at the township by a
    # professional organization whose session the center's staff sat
    from actions import services
    from mediation.models import Organization
    from tests.conftest import agreement_in_force

    case = bring_to(Status.VILLAGE_MEDIATION)
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解不成")
    lead = Organization.objects.filter(kind="professional").first()
    services.case_triage_to_mediation(case_id=case.pk, actor=user("center1"), lead_body=lead)
    services.session_record(case_id=case.pk, actor=user("center1"), held_at=clock.now(), place="镇综治中心",
                            statements="双方陈述。", result="达成一致。")
    services.case_record_agreement(case_id=case.pk, actor=user("center1"), **agreement_in_force(case, "分期赔偿"))
    # when it is printed
    html = signed_in("center1").get(print_url(case.pk)).content.decode()
    # then the seal and heading are the lead body's, and the mediator is the one who sat, not the village's
    assert f"{lead.name}（印）" in html
    assert user("center1").label in html
    assert "村人民调解委员会（印）" not in html
    assert user("mediator1").label not in html
