"""`GET /api/v1/stats/summary/` on one case with a long trail, built through the services: each
figure is read from the right event — the latest for the status, the last agreement for the rung
that resolved it — whatever the number of events."""
from __future__ import annotations

import datetime as dt

from actions import services
from casework.choices import Outcome, Status
from casework.models import Case, CaseEvent, Region, User
from tests.conftest import agreement_in_force, file_case, frozen_clock
from tests.reports.test_summary import NOW, brute_force, figures, summary


def test_a_case_agreed_twice_ends_at_the_rung_of_its_last_agreement_and_its_latest_event_gives_its_status(demo):
    # given a case agreed in the village, reopened, escalated and agreed again at the township,
    # with its clock paused and resumed on the way so that it has more than ten events
    head, center, mediator = User.objects.get(username="head1"), User.objects.get(username="center1"), \
        User.objects.get(username="mediator1")
    # (moments with microseconds: the days to resolution are exact to them)
    moments = iter(NOW - dt.timedelta(days=30) + dt.timedelta(hours=i, microseconds=123457 * i) for i in range(40))
    with frozen_clock(next(moments)):
        case = file_case("grid1")
    steps = [
        lambda: services.case_accept(case_id=case.pk, actor=head, mediators=[mediator]),
        lambda: services.case_record_agreement(case_id=case.pk, actor=mediator, **agreement_in_force(case)),
        lambda: services.case_reopen(case_id=case.pk, actor=head, reason="一方反悔"),
        *[step for _ in range(3) for step in (
            lambda: services.case_pause_clock(case_id=case.pk, actor=head, reason="当事人外出务工"),
            lambda: services.case_resume_clock(case_id=case.pk, actor=head))],
        lambda: services.case_escalate(case_id=case.pk, actor=head, reason="村级调解难度大"),
        lambda: services.case_triage_to_mediation(case_id=case.pk, actor=center),
        lambda: services.case_record_agreement(case_id=case.pk, actor=center,
                                               **agreement_in_force(case, "分期赔偿", due_in_days=-1)),
    ]
    for step in steps:
        with frozen_clock(next(moments)):
            step()
    agreed = CaseEvent.objects.filter(case=case).latest("seq")
    assert agreed.seq > 10 and agreed.target_status == Status.AGREED
    with frozen_clock(next(moments)):
        services.case_close(case_id=case.pk, actor=center, fulfilled=True, satisfaction="satisfied")
    filed, closed_at = (CaseEvent.objects.get(case=case, action=action).created_at for action in ("file", "close"))

    with frozen_clock(NOW):
        # when the summary of its grid is asked, now and as of just before the close
        grid = Case.objects.get(pk=case.pk).region_path
        code = Region.objects.get(path=grid).code
        closed = summary("county1", region=code)
        before = summary("county1", region=code, as_of=agreed.created_at.isoformat())

        # then it ended resolved at the township, and before the close it was agreed (its latest event)
        assert closed["by_outcome"] == {Outcome.RESOLVED_TOWNSHIP: 1} and closed["by_status"] == {Status.CLOSED: 1}
        assert closed["reached_by_rung"] == {"grid": 1, "village": 1, "township": 1, "channel": 0}
        assert closed["mediation_success_rate"] == closed["fulfilment_rate"] == closed["satisfaction_rate"] == 1
        assert closed["mean_days_to_resolution"] == (closed_at - filed).total_seconds() / 86400
        assert figures(closed) == figures(brute_force(path=grid))
        assert before["by_status"] == {Status.AGREED: 1} and before["by_outcome"] == {}
        assert figures(before) == figures(brute_force(path=grid, as_of=agreed.created_at))
