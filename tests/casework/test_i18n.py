"""User-facing text is Chinese by default and English on request (Django's i18n)."""
from tests.conftest import bring_to, snapshot


def test_refusals_speak_chinese_by_default_and_english_when_asked(demo, api):
    # given a closed case that cannot be escalated
    case = bring_to("closed")
    client = api("head1")
    before = snapshot(case.pk)

    # when the committee head tries, first with no language preference, then asking for English
    chinese = client.post(f"/api/v1/cases/{case.pk}/transitions/escalate/", {"reason": "x"}, format="json")
    english = client.post(f"/api/v1/cases/{case.pk}/transitions/escalate/", {"reason": "x"}, format="json",
                          HTTP_ACCEPT_LANGUAGE="en")

    # then the same refusal reads in each language, with the transition named in it
    assert chinese.status_code == english.status_code == 409
    assert chinese.data["detail"] == "处于“已办结”状态的案件不能执行“上报”操作。"
    assert english.data["detail"] == "A case in status “Closed” cannot escalate."
    # and neither refusal changed the case
    assert snapshot(case.pk) == before


def test_field_errors_are_translated(demo, api):
    # given a filing with a wrong ID check digit
    body = {"title": "t", "description": "d", "dispute_type": "other",
            "parties": [{"role": "applicant", "name": "张三", "id_number": "110105194912310021"}]}

    # when it is sent
    response = api("grid1").post("/api/v1/cases/", body, format="json")

    # then the field error is in Chinese
    assert response.status_code == 400
    assert response.data["parties"][0]["id_number"] == ["该身份证号码的校验码有误。"]
