"""The demo data of API.md: `load_demo` and `load_demo --cases N`."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from casework.audit import verify_audit
from casework.choices import OPEN_STATUSES, DisputeType, Outcome, RegionLevel, Role, Status
from casework.models import Case, CaseEvent, IdempotencyKey, Party, Region, User
from casework.validators import validate_id_number, validate_mobile
from mediation.choices import OrganizationKind
from mediation.models import Organization
from tests.conftest import frozen_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Moments the generator is run at, the clock frozen: it must give the same cases at any of them.
EARLY_MORNING = dt.datetime(2027, 3, 9, 6, 30, tzinfo=SHANGHAI)
WORKING_HOURS = dt.datetime(2027, 8, 18, 14, 30, tzinfo=SHANGHAI)
LEAP_DAY_LATE_EVENING = dt.datetime(2028, 2, 29, 23, 45, tzinfo=SHANGHAI)
NEW_YEAR_NIGHT = dt.datetime(2029, 1, 1, 3, 0, tzinfo=SHANGHAI)
MOMENTS = [
    pytest.param(EARLY_MORNING, id="early-morning"),
    pytest.param(WORKING_HOURS, id="working-hours"),
    pytest.param(LEAP_DAY_LATE_EVENING, id="leap-day-late-evening"),
    pytest.param(NEW_YEAR_NIGHT, id="new-year-night"),
]


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table the project's models have (models without a table yet are skipped)."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables
    }


def region_of(username: str, role: str) -> Region:
    return User.objects.get(username=username).role_assignments.get(role=role).region


def test_load_demo_twice_changes_no_row_counts(db):
    # given the demo loaded once
    load_demo()
    before = row_counts()

    # when it is loaded again
    load_demo()

    # then no table gained or lost a row
    assert row_counts() == before
    assert before["casework.Region"] > 0 and before["casework.User"] > 0


def test_demo_county_has_the_townships_villages_grids_and_bodies_of_api_md(demo):
    # given the demo topology (the fixture loads it)
    county = Region.objects.get(code="330681")
    townships = Region.objects.filter(parent=county)

    # then the county, townships, villages, grids and bodies are as documented
    assert county.name == "诸暨市" and county.level == RegionLevel.COUNTY
    assert townships.count() >= 2 and townships.filter(name="枫桥镇").exists()
    for township in townships:
        villages = Region.objects.filter(parent=township)
        assert villages.count() >= 3
        assert Organization.objects.filter(region=township, kind=OrganizationKind.GOVERNANCE_CENTER).count() == 1
        for village in villages:
            assert Region.objects.filter(parent=village, level=RegionLevel.GRID).count() >= 2
            assert Organization.objects.filter(region=village, kind=OrganizationKind.VILLAGE_COMMITTEE).count() == 1
    assert Organization.objects.filter(kind=OrganizationKind.PROFESSIONAL).count() >= 2


def test_named_users_have_their_documented_roles_regions_and_password(demo):
    # given the demo users (the fixture loads them)
    fengqiao = Region.objects.get(name="枫桥镇")
    first, second = Region.objects.filter(parent=fengqiao).order_by("code")[:2]
    first_grid = Region.objects.filter(parent=first).order_by("code").first()
    other_township = Region.objects.filter(level=RegionLevel.TOWNSHIP).exclude(pk=fengqiao.pk).get()
    county = Region.objects.get(code="330681")

    # then each holds the role of API.md where API.md says, and logs in with the demo password
    expected = {
        "grid1": (Role.GRID_WORKER, first_grid),
        "head1": (Role.COMMITTEE_HEAD, first),
        "mediator1": (Role.MEDIATOR, first),
        "mediator2": (Role.MEDIATOR, second),
        "center1": (Role.CENTER_STAFF, fengqiao),
        "super1": (Role.TOWNSHIP_SUPERVISOR, fengqiao),
        "county1": (Role.COUNTY_SUPERVISOR, county),
        "admin": (Role.ADMIN, county),
    }
    for username, (role, where) in expected.items():
        assert region_of(username, role) == where, username
        assert User.objects.get(username=username).check_password("fengqiao-demo"), username
    grid2 = region_of("grid2", Role.GRID_WORKER)
    assert grid2.level == RegionLevel.GRID and other_township.covers(grid2.path)
    assert User.objects.get(username="grid2").check_password("fengqiao-demo")


def test_negative_case_count_is_refused(db):
    # when asked for a negative number of cases
    # then the command refuses, and loads nothing
    with pytest.raises(CommandError, match="--cases"):
        load_demo("--cases", "-1")
    assert not Region.objects.exists()


def test_the_same_seed_generates_the_same_cases(demo):
    # given the cases one seed generates, rolled back
    def content() -> list[tuple]:
        return sorted(
            (c.title, c.description, c.dispute_type, c.outcome, tuple(c.parties.values_list("name", "id_number", "phone")))
            for c in Case.objects.prefetch_related("parties")
        )

    with frozen_clock(WORKING_HOURS):
        with transaction.atomic():
            load_demo("--cases", "30", "--seed", "7")
            first = content()
            transaction.set_rollback(True)
        assert not Case.objects.exists()

        # when the same seed generates them again
        load_demo("--cases", "30", "--seed", "7")

        # then they are the same cases
        assert content() == first


def generated(moment: dt.datetime) -> list[tuple]:
    """What `load_demo --cases 30 --seed 7` files with the clock frozen at `moment`, rolled back
    afterwards: each case in the order of its Idempotency-Key, with its parties and its timeline,
    every moment given as its distance from the start of that local day."""
    day_start = dt.datetime.combine(moment.astimezone(SHANGHAI).date(), dt.time(0), tzinfo=SHANGHAI)
    with frozen_clock(moment), transaction.atomic():
        load_demo("--cases", "30", "--seed", "7")
        keys = IdempotencyKey.objects.filter(key__startswith="demo-7-").select_related("case", "user")
        index_of = {k.case_id: int(k.key.rsplit("-", 1)[1]) for k in keys}
        digest = []
        for key in sorted(keys, key=lambda k: index_of[k.case_id]):
            case = key.case
            events = tuple(
                (e.action, e.actor.username if e.actor else "", e.target_status, e.created_at - day_start, e.note)
                for e in case.events.select_related("actor").order_by("seq")
            )
            parties = tuple(case.parties.order_by("pk").values_list("role", "name", "id_number", "phone"))
            digest.append((
                index_of[case.pk], key.user.username, case.title, case.description,
                case.dispute_type, case.risk_level, case.source, case.status, case.outcome,
                index_of.get(case.merged_into_id), case.region_path, case.address, case.people_involved,
                case.amount_involved, case.latitude, case.longitude, case.occurred_at - day_start,
                case.created_at - day_start, parties, events,
            ))
        transaction.set_rollback(True)
    return digest


def undated(digest: list[tuple]) -> list[tuple]:
    """The digest without what is written in words that names calendar dates (a due date, 3月5日,
    the year a field was leased): the descriptions and the notes of the steps."""
    return [(*case[:3], "", *case[4:-1], tuple(event[:-1] for event in case[-1])) for case in digest]


def test_a_seed_generates_the_same_cases_whatever_the_day_and_time(demo):
    # given the cases a seed generates early one morning
    first = generated(EARLY_MORNING)
    assert len(first) == 30

    # when it generates them again late that evening
    # then they are the same cases, word for word, with the same steps at the same moments
    assert generated(EARLY_MORNING.replace(hour=23, minute=45)) == first

    # when it generates them on other days, in working hours and in the night of a new year
    # then they are the same cases, with the same steps at the same times of their days
    for moment in (WORKING_HOURS, NEW_YEAR_NIGHT):
        assert undated(generated(moment)) == undated(first), moment


@pytest.fixture(scope="class", params=MOMENTS)
def eighty_generated(request, django_db_setup, django_db_blocker):
    """`load_demo --cases 80` run with the clock frozen at one of MOMENTS, which stays frozen for
    the tests of the class; generated once for them, in a transaction rolled back after them (each
    test still runs in its own savepoint, so what it writes is undone)."""
    with frozen_clock(request.param), django_db_blocker.unblock(), transaction.atomic():
        yield load_demo("--cases", "80")
        transaction.set_rollback(True)


@pytest.fixture
def eighty_cases(eighty_generated, db):
    """The demo with 80 generated past cases."""
    assert "Generated 80 past cases." in eighty_generated
    return Case.objects.all()


class TestEightyCases:
    """80 generated past cases, generated with the clock frozen at each of MOMENTS in turn."""

    def test_eighty_cases_cover_every_dispute_type_and_every_outcome(self, eighty_cases):
        # given 80 generated cases
        # then every dispute type and every outcome of a closed case is among them
        assert Case.objects.count() == 80
        assert set(eighty_cases.values_list("dispute_type", flat=True)) == set(DisputeType.values)
        outcomes = set(eighty_cases.filter(status=Status.CLOSED).values_list("outcome", flat=True))
        assert outcomes == set(Outcome.values)

    def test_eighty_cases_mostly_settle_low_on_the_ladder_and_mostly_at_normal_risk(self, eighty_cases):
        # given 80 generated cases
        outcomes = Counter(eighty_cases.values_list("outcome", flat=True))
        risks = Counter(eighty_cases.values_list("risk_level", flat=True))

        # then the grid and the village settle more than the township and the channels together
        low = outcomes[Outcome.RESOLVED_GRID] + outcomes[Outcome.RESOLVED_VILLAGE]
        assert low > outcomes[Outcome.RESOLVED_TOWNSHIP] + outcomes[Outcome.RESOLVED_CHANNEL]
        assert risks["normal"] > len(eighty_cases) / 2

    def test_eighty_cases_span_more_than_two_years_with_each_case_in_time_order(self, eighty_cases):
        # given 80 generated cases
        filed = list(eighty_cases.values_list("created_at", flat=True))
        now = timezone.now()

        # then filing dates spread over more than two years, none in the future
        assert max(filed) - min(filed) > dt.timedelta(days=730)
        assert max(filed) <= now

        # and each case's events happened in order, the first at its filing, none in the future
        for case in eighty_cases:
            moments = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("created_at", flat=True))
            assert moments == sorted(moments), case.number
            assert abs(moments[0] - case.created_at) < dt.timedelta(seconds=1) and moments[-1] <= now, case.number

    def test_eighty_cases_leave_an_intact_audit_trail_and_some_recent_cases_open(self, eighty_cases):
        # given 80 generated cases
        # then every hash chain verifies
        assert list(verify_audit()) == []
        # and the cases went through the ladder, not only straight to closed
        actions = set(CaseEvent.objects.values_list("action", flat=True))
        assert {"file", "accept", "escalate", "triage_to_mediation", "refer", "record_agreement", "close",
                "resolve_on_spot", "decline", "withdraw", "merge", "record_referral_outcome"} <= actions
        # and a merged case points at another case of its township
        for case in eighty_cases.filter(outcome=Outcome.MERGED):
            township = case.region_path.rsplit(".", 2)[0]
            assert case.merged_into is not None and case.merged_into.region_path.startswith(township + ".")
        # and the most recent cases include some still being worked
        assert eighty_cases.filter(status__in=OPEN_STATUSES).exists()

    def test_eighty_cases_notify_as_they_happened_and_only_the_last_week_stays_unread(self, eighty_cases):
        from flows.models import Notification

        # given the notifications the generated escalations and high-risk filings raised
        notices = Notification.objects.all()
        assert notices.filter(kind="escalated").exists() and notices.filter(kind="high_risk").exists()
        # then each is dated with its event, and what is older than a week has been read
        week_ago = timezone.now() - dt.timedelta(days=7, minutes=5)
        for notice in notices.select_related("event"):
            assert notice.created_at == notice.event.created_at
        assert not notices.filter(created_at__lt=week_ago, read_at__isnull=True).exists()
        last_week = timezone.now() - dt.timedelta(days=7) + dt.timedelta(minutes=5)
        assert not notices.filter(created_at__gt=last_week, read_at__isnull=False).exists()

    def test_eighty_cases_have_valid_identifiers_and_some_parties_recur(self, eighty_cases):
        # given the parties of 80 generated cases
        parties = Party.objects.filter(case__in=eighty_cases)

        # then every ID number and phone given is valid, and only some parties give them
        ids = [p.id_number for p in parties if p.id_number]
        phones = [p.phone for p in parties if p.phone]
        for value in ids:
            validate_id_number(value)
        for value in phones:
            validate_mobile(value)
        assert 0 < len(ids) < parties.count() and 0 < len(phones) < parties.count()

        # and some person (by ID number or phone) appears in more than one case
        cases_by_key: dict[str, set[int]] = {}
        for p in parties:
            for key in filter(None, (p.id_number, p.phone)):
                cases_by_key.setdefault(key, set()).add(p.case_id)
        assert any(len(cases) > 1 for cases in cases_by_key.values())

    def test_generating_the_same_cases_again_adds_nothing(self, eighty_cases):
        # given 80 generated cases
        before = row_counts()

        # when the same command runs again
        output = load_demo("--cases", "80")

        # then nothing is added or changed
        assert "Generated 0 past cases." in output
        assert row_counts() == before

    def test_more_cases_with_the_same_seed_only_adds_the_new_ones(self, eighty_cases):
        # given 80 generated cases
        numbers = set(eighty_cases.values_list("number", flat=True))

        # when 90 are asked for with the same seed
        output = load_demo("--cases", "90")

        # then only the missing 10 are filed, and the first 80 are untouched
        assert "Generated 10 past cases." in output
        assert Case.objects.count() == 90
        assert numbers <= set(Case.objects.values_list("number", flat=True))
        assert list(verify_audit()) == []

    def test_generated_text_is_chinese(self, eighty_cases):
        # given 80 generated cases
        # then titles and descriptions are written in Chinese
        for case in eighty_cases:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in case.title), case.title
            assert sum("\u4e00" <= ch <= "\u9fff" for ch in case.description) > 30, case.description


# --- restarting is harmless (issue 10, point 8) ---

def test_loading_again_after_the_idempotency_keys_were_purged_files_no_case_twice(demo):
    # given demo cases loaded once, as `make run` does at its first start
    load_demo("--cases", "6")
    cases = Case.objects.count()
    assert cases == 6

    # when the server's purge job has forgotten their Idempotency-Keys (a month later)...
    from django.conf import settings

    from casework import clock
    from casework.workers import purge_idempotency_keys

    with clock.travel_to(clock.now() + dt.timedelta(days=settings.IDEMPOTENCY_KEY_TTL_DAYS + 1)):
        assert purge_idempotency_keys() >= 6
    assert not IdempotencyKey.objects.exists()

    # ...and the server is started again, loading the demo again
    output = load_demo("--cases", "6")

    # then no case was filed twice
    assert Case.objects.count() == cases
    assert "Generated 0 past cases." in output


def test_the_demo_is_never_loaded_into_a_database_with_real_cases(demo):
    # given a database where a real case has been filed
    from tests.conftest import file_case

    real = file_case("grid1")
    before = row_counts()

    # when the demo is loaded explicitly
    # then it refuses, saying why, and loads nothing
    with pytest.raises(CommandError, match="real case"):
        load_demo("--cases", "6")
    assert row_counts() == before
    assert list(Case.objects.values_list("pk", flat=True)) == [real.pk]


def test_make_run_starts_on_a_database_with_real_cases_without_loading_the_demo(demo):
    # given a database where a real case has been filed
    from tests.conftest import file_case

    file_case("grid1")
    before = row_counts()

    # when `make run` loads the demo as it starts (asking to be told, not failed)
    output = load_demo("--cases", "6", "--skip-if-real-cases")

    # then nothing is loaded, the reason is given, and the command succeeds
    assert row_counts() == before
    assert "real case" in output
