"""The ladder is declared once (casework.ladder): everything that depends on it covers exactly
what it declares — the state machine, the service registry, the API's inputs, the UI's forms,
the workflow's stage tasks and routing, the clocks, and the timeline's labels."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from django.utils import translation

from actions.transitions import SERVICES
from casework import ladder
from casework.audit import append_event
from casework.choices import OPEN_STATUSES, DeadlineKind, Status
from casework.deadlines import DEFAULT_RULES
from casework.ladder import STAGES, TRANSITIONS, EventAction
from casework.models import Case
from flows.flows import DisputeFlow
from ui.forms.transitions import FORMS
from ui.presenters import action_label

ROOT = Path(__file__).resolve().parents[2]
APPS = ("casework", "mediation", "flows", "actions", "ui", "search")


def test_the_state_machine_is_the_declared_one():
    # given the FSM transitions django-fsm finds on Case
    fsm = {t.name: t for t in Case._meta.get_field("status").get_all_transitions(Case)}

    # then they are the ladder's transitions, each from its declared sources, with its permission
    assert {t.name for t in fsm.values()} == set(TRANSITIONS)
    for name, spec in TRANSITIONS.items():
        sources = {t.source for t in Case._meta.get_field("status").get_all_transitions(Case) if t.name == name}
        assert sources == set(spec.sources), name
        assert all(t.permission is spec.permission for t in Case._meta.get_field("status").get_all_transitions(Case)
                   if t.name == name), name
        targets = set(spec.target) if isinstance(spec.target, tuple) else {spec.target}
        assert targets <= set(Status.values), name


def test_every_transition_has_its_service_taking_its_inputs():
    assert set(SERVICES) == set(TRANSITIONS)
    for name, spec in TRANSITIONS.items():
        service = SERVICES[name]
        assert service.__name__ == spec.service_name
        parameters = inspect.signature(service).parameters
        missing = [i for i in spec.input_names if i not in parameters]
        assert not missing, f"{service.__name__} does not take {missing}"
        assert {"case_id", "actor", "seen_version"} <= set(parameters)


def test_the_api_takes_exactly_the_declared_inputs_of_each_transition():
    from casework.api.serializers import TRANSITION_INPUTS

    assert set(TRANSITION_INPUTS) == set(TRANSITIONS)
    for name, spec in TRANSITIONS.items():
        fields = TRANSITION_INPUTS[name]().fields
        assert set(fields) == set(spec.input_names), name
        for declared in spec.inputs:
            assert fields[declared.name].required == (declared.required and not declared.nullable), (name, declared.name)


@pytest.mark.django_db
def test_the_ui_has_a_form_for_every_transition_within_its_declared_inputs(shared_demo):
    from tests.conftest import bring_to, user

    assert set(FORMS) == set(TRANSITIONS)
    case = bring_to("village_mediation")
    # Fields a form adds to help a person fill in a declared input (a free-text alternative).
    helpers = {"seen_version", "advised_channel_other", "signed_and_sealed"}
    for name, spec in TRANSITIONS.items():
        form = FORMS[name](case=case, viewer=user("head1"))
        rendered = set(form.fields) | ({"obligations"} if hasattr(form, "obligations") else set())
        assert rendered - helpers <= set(spec.input_names), name
        required = {i.name for i in spec.inputs if i.required and not i.nullable and i.kind != "users"}
        assert required <= rendered, (name, required - rendered)


def test_the_workflow_has_a_stage_task_for_every_stage_and_routes_each_status_to_it():
    # given the route gateway's branches
    branches = {node.name: condition for node, condition in DisputeFlow.route._branches if condition is not None}

    # then there is one per stage of the ladder, and each is taken for its status only
    assert set(branches) == {stage.task for stage in STAGES.values()}
    for stage in STAGES.values():
        node = getattr(DisputeFlow, stage.task)
        assert str(node.task_title) == str(stage.title)
        for status in Status.values:
            case = Case(status=status)
            activation = type("A", (), {"process": type("P", (), {"case": case})()})()
            assert branches[stage.task](activation) == (status == stage.status), (stage.task, status)


def test_every_open_status_has_a_stage_with_clocks_that_have_rules():
    assert set(STAGES) == set(OPEN_STATUSES)
    used = {kind for stage in STAGES.values() for kind in stage.clocks}
    # The detached countdowns start with an event of the record, not a stage (the confirmation
    # window, when the agreement takes effect).
    assert used | ladder.DETACHED_CLOCKS == set(DeadlineKind.values)
    assert used | ladder.DETACHED_CLOCKS <= set(DEFAULT_RULES)
    for stage in STAGES.values():
        assert stage.rung or stage.status == Status.AGREED
        if stage.extension is not None:
            assert DEFAULT_RULES[stage.clock].extension_days > 0


def test_every_event_action_has_a_chinese_label_on_the_timeline():
    with translation.override("zh-hans"):
        for action in EventAction:
            label = action_label(action.value)
            assert label != action.value
            assert not label.isascii(), f"{action.value} has no Chinese label: {label!r}"
    with translation.override("en"):
        assert action_label("session_recorded") == "recorded a mediation session"


def _literal_actions() -> list[tuple[str, int, str]]:
    """Every action a call to record_change (or append_event) names in the source, with where."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                callee = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if callee not in {"record_change", "append_event", "_record", "_fire"}:
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        found.append((str(path.relative_to(ROOT)), node.lineno, ast.unparse(keyword.value)))
                if callee in {"_record", "_fire"}:
                    positional = node.args[-1] if callee == "_record" else node.args[2]
                    found.append((str(path.relative_to(ROOT)), node.lineno, ast.unparse(positional)))
    return found


def test_every_action_the_code_writes_is_an_event_action():
    # given every action named where the code records a change
    found = _literal_actions()
    assert len(found) > 20

    # then each is a member of EventAction, a transition's name (itself an EventAction), or a variable
    # holding one of those (checked at run time by append_event)
    for where, line, expression in found:
        if expression.startswith("EventAction."):
            assert expression.removeprefix("EventAction.") in EventAction.names, (where, line, expression)
        elif expression.startswith(("'", '"')):
            assert ast.literal_eval(expression) in EventAction.values, (where, line, expression)
        else:
            assert expression in {"action", "name"}, (where, line, expression)


@pytest.mark.django_db
def test_an_action_without_a_label_cannot_be_written(shared_demo):
    from tests.conftest import bring_to

    case = bring_to("reported")
    with pytest.raises(ValueError):
        append_event(case=case, actor=None, action="made_up_action")


def test_alarming_actions_are_the_dangerous_transitions_and_the_breach_effects():
    dangerous = {name for name, spec in TRANSITIONS.items() if spec.dangerous}
    assert dangerous == {"decline", "reopen", "withdraw", "merge", "close_unresolved"}
    assert ladder.ALARMING_ACTIONS == dangerous | {"deadline_breached", "supervision_order"}
