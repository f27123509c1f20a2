"""Reference rows held per process (casework.reference: deadline rules, regions; mediation.reference:
the bodies whose queues take a case's tasks): read once, seen changed at once in the process that
changes them and again on commit, read again after REFERENCE_TTL_SECONDS elsewhere, handed out as
copies."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from casework import reference
from casework.choices import RegionLevel
from casework.models import DeadlineRule, Region
from mediation import reference as bodies
from mediation.choices import OrganizationKind
from mediation.models import Organization
from tests.conftest import grid_of


def statements(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured)


def village_path() -> str:
    return grid_of("grid1").path.rsplit(".", 1)[0]


@pytest.fixture
def rule(demo) -> DeadlineRule:
    """An acceptance rule of the county's own (the migration's defaults may have been flushed by a
    test before on the same database)."""
    county = Region.objects.get(level=RegionLevel.COUNTY)
    return DeadlineRule.objects.create(kind="acceptance", region=county, days=2, day_count="calendar")


@pytest.mark.parametrize("what", ["deadline rules", "region by code", "queue body"])
def test_a_second_read_costs_nothing_until_what_is_held_expires(rule, what):
    code, path = grid_of("grid1").code, village_path()
    read = {"deadline rules": lambda: reference.deadline_rules("acceptance"),
            "region by code": lambda: reference.region_by_code(code),
            "queue body": lambda: bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)}[what]
    assert read()
    assert statements(read) == 0
    with override_settings(REFERENCE_TTL_SECONDS=0):  # expired at once: read again each time
        assert statements(read) == 1
        assert statements(read) == 1


def test_the_queue_body_is_the_one_first_finds_and_a_change_is_seen_at_once(demo):
    path = village_path()
    committee = Organization.objects.filter(kind=OrganizationKind.VILLAGE_COMMITTEE, region__path=path).first()
    assert bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path) == committee

    # when the committee is renamed in this process
    committee.name = "新名称调委会"
    committee.save()

    # then the next read sees the new name, and a copy is handed out each time
    held = bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)
    assert held.name == "新名称调委会"
    held.name = "changed by a caller"
    assert bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path).name == "新名称调委会"


def test_a_body_not_held_is_found_in_the_database(demo):
    # given the bodies held, and then a body made without a signal (as another process would)
    path = village_path()
    bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)
    region = Region.objects.get(path=path)
    Organization.objects.bulk_create([Organization(name="专业调解委员会", kind=OrganizationKind.PROFESSIONAL,
                                                   region=region)])

    # then it is found at once
    assert bodies.body(OrganizationKind.PROFESSIONAL, path).name == "专业调解委员会"
    assert bodies.body(OrganizationKind.GOVERNANCE_CENTER, "no.such.path") is None


def test_what_is_held_is_dropped_again_when_the_change_commits(rule, django_capture_on_commit_callbacks):
    path = village_path()
    with django_capture_on_commit_callbacks(execute=True):
        Organization.objects.filter(kind=OrganizationKind.VILLAGE_COMMITTEE, region__path=path).first().save()
        rule.save()
        # another connection reads the rows as they were before the commit, and holds them again
        bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)
        reference.deadline_rules("acceptance")
        assert statements(lambda: bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)) == 0
    # then the commit drops them: the next reads go to the database
    assert statements(lambda: bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)) == 1
    assert statements(lambda: reference.deadline_rules("acceptance")) == 1


def test_a_region_change_drops_the_bodies_too(demo):
    path = village_path()
    bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)
    Region.objects.get(path=path).save()
    assert statements(lambda: bodies.body(OrganizationKind.VILLAGE_COMMITTEE, path)) == 1
    assert Region.objects.get(path=path).level == RegionLevel.VILLAGE
