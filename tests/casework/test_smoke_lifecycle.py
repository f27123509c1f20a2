"""A first walk through the API: file, accept, agree, close — and what each step leaves behind."""
from tests.conftest import days_from_today, filing_body, in_force


def test_village_path_files_accepts_agrees_and_closes_with_one_event_per_step(demo, api):
    # given a grid worker filing a neighbourhood dispute
    grid, head, mediator = api("grid1"), api("head1"), api("mediator1")
    filed = grid.post("/api/v1/cases/", filing_body(), format="json")
    assert filed.status_code == 201, filed.data
    case_id = filed.data["id"]
    assert filed.data["number"].startswith("330681-")
    assert filed.data["status"] == "reported"

    # when the village accepts, agrees and closes after the follow-up visit
    assert head.post(f"/api/v1/cases/{case_id}/transitions/accept/", {"mediators": ["mediator1"]}, format="json").status_code == 200
    agreed = mediator.post(f"/api/v1/cases/{case_id}/transitions/record_agreement/", in_force(case_id, {
        "terms": "楼上住户承担维修费800元", "obligations": [{"description": "支付维修费", "due_date": days_from_today(0).isoformat()}],
    }), format="json")
    assert agreed.status_code == 200, agreed.data
    closed = mediator.post(f"/api/v1/cases/{case_id}/transitions/close/", {"fulfilled": True, "satisfaction": "satisfied"}, format="json")

    # then it is closed as settled in the village, with one event per step
    assert closed.status_code == 200, closed.data
    assert closed.data["outcome"] == "resolved_village"
    assert [e["action"] for e in closed.data["events"]] == ["file", "accept", "record_agreement", "close"]
