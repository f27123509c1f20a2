"""The case page's timeline speaks Chinese: every action, and every code an event carries
(statuses, outcomes, channels, deadline kinds, sources, satisfaction, automatic reasons).

The first test walks `casework.ladder.EventAction` itself, so an action added without a
translation fails it; the second lives a case through the real services and the deadline
sweep, so the codes that events' data carry are rendered as they really are.
"""
from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from actions import services
from actions.changes import record_change
from casework.choices import Status
from casework.ladder import EventAction
from casework.models import Case, CaseEvent
from tests.conftest import bring_to, file_case
from tests.flows.helpers import fire_deadlines
from tests.ui.conftest import Browser, _text, stage_task, user

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z_]{2,}")


def timeline_items(html: str) -> list[str]:
    """The text of each entry of the case page's timeline, oldest first."""
    section = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert section, "no timeline on the page"
    return [_text(item) for item in re.findall(r"<li\b[^>]*>(.*?)</li>\s*(?=<li\b|$)", section[1].strip(), re.S)]


def untranslated(items: list[str]) -> list[str]:
    return [item for item in items if LATIN_WORD.search(item)]


def test_every_event_action_has_a_chinese_label_on_the_timeline(demo):
    # given a case with one event of every action the ladder declares (data-less: the label alone)
    case = file_case()
    actions = [action.value for action in EventAction]
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        for action in actions:
            record_change(locked, actor=user("head1"), action=action, note="备注")

    # when the committee head opens the case page (zh-hans)
    page = Browser("head1").get(f"/cases/{case.pk}/")

    # then each of those entries reads in Chinese, with no English word or code left in it
    assert page.status == 200
    items = timeline_items(page.html)[-len(actions):]
    assert len(items) == len(actions)
    for action, item in zip(actions, items, strict=True):
        what = item.split("·", 1)[-1]
        assert CJK.search(what), (action, item)
        assert not LATIN_WORD.search(item), (action, item)
        assert str(EventAction(action).label) in item


def test_a_lived_case_timeline_renders_every_code_it_carries_in_chinese(demo, api):
    # given cases that went through the ladder's paths through the real services: a high-risk
    # filing (escalated by the system), triage, referral with a channel and its outcome
    risky = file_case(risk_level="high", title="山林权属群体纠纷")
    center, head = user("center1"), user("head1")
    services.case_triage_to_mediation(case_id=risky.pk, actor=center)
    services.case_refer(case_id=risky.pk, actor=center, channel="court", receiving_body="诸暨市人民法院诉调对接中心")
    services.case_record_referral_outcome(case_id=risky.pk, actor=center, resolved=False, reply="法院未能调解")

    # a village case with tasks claimed, assigned and put back, a clock paused, resumed and
    # extended, then declined with a channel code; another merged into a third
    village = file_case()
    task = stage_task(village)
    services.task_assign(task_id=task.pk, actor=head, assignee=user("mediator1"))
    services.task_unassign(task_id=task.pk, actor=head)
    services.task_claim(task_id=task.pk, actor=user("mediator1"))
    services.case_accept(case_id=village.pk, actor=head, mediators=[user("mediator1")])
    services.case_pause_clock(case_id=village.pk, actor=head, reason="当事人外出务工")
    services.case_resume_clock(case_id=village.pk, actor=head)
    services.case_extend_deadline(case_id=village.pk, actor=head, reason="双方同意延长", parties_consent=True)
    declined = file_case()
    services.case_decline(case_id=declined.pk, actor=head, reason="属劳动争议", advised_channel="arbitration")
    kept = file_case()
    duplicate = file_case()
    services.case_merge(case_id=duplicate.pk, actor=head, into=kept.pk)

    # and one left in the village until the sweep warned, breached and escalated it, and one
    # left at the township until a supervision order went to the county
    late = file_case()
    fire_deadlines(late.deadlines.get(ended_at__isnull=True).due_at + dt.timedelta(minutes=1))
    stalled = bring_to(Status.TOWNSHIP_TRIAGE)
    fire_deadlines(stalled.deadlines.get(ended_at__isnull=True).due_at + dt.timedelta(minutes=1))
    assert {"deadline_warning", "deadline_breached", "supervision_order", "escalate", "merge", "decline",
            "extend_deadline", "assign", "record_referral_outcome"} <= set(
        CaseEvent.objects.values_list("action", flat=True))

    # when each case page is opened by someone who sees them all
    reader = Browser("center1")
    pages = {case.number: reader.get(f"/cases/{case.pk}/") for case in (risky, village, declined, duplicate, late, stalled)}

    # then no English word or code is left on their timelines
    assert {number: page.status for number, page in pages.items()} == dict.fromkeys(pages, 200)
    assert {number: untranslated(timeline_items(page.html)) for number, page in pages.items()} == dict.fromkeys(pages, [])
