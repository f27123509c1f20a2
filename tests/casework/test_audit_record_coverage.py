"""Editing ANY digested field of ANY model of a case's record, in the database, is reported by
`verify_audit`: the parts and fields are the ones `casework.record` walks to, not a list kept here.

One case with rows in every part is built once for the module (`rich_case`); each test edits one
field of one of its rows, checks the report, puts the value back and checks the record verifies
again (each test runs in its own savepoint, rolled back after it).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from casework import clock
from casework.models import Case
from casework.record import CASE, EXCLUDED_FIELDS, parts
from tests.casework.test_audit_record import assert_clean, assert_reported, rich_case
from tests.conftest import bring_to, user


@pytest.fixture(scope="module")
def rich_id(county, django_db_blocker) -> int:
    """The rich case, beside another agreed case (so every foreign key has another row to point at)."""
    with django_db_blocker.unblock():
        bring_to("agreed")
        return rich_case().pk


def _other_value(field: models.Field, value):
    """A value for `field` different from `value`, of the field's type."""
    if isinstance(field, models.ManyToManyField):
        raise AssertionError("not a column")
    if isinstance(field, models.ForeignKey):
        # another row of the target model: the constraint holds, the record differs
        return field.related_model._base_manager.exclude(pk=value).order_by("pk").values_list("pk", flat=True)[0]
    if field.primary_key:
        return value + 100_000
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return (value or clock.now()) + dt.timedelta(seconds=1)
    if isinstance(field, models.DateField):
        return (value or dt.date(2026, 1, 1)) + dt.timedelta(days=1)
    if isinstance(field, models.DecimalField):
        return (value or Decimal(0)) + 1
    if isinstance(field, (models.IntegerField, models.PositiveIntegerField)):
        return (value or 0) + 1
    if isinstance(field, models.JSONField):
        return [*value, "篡改"] if isinstance(value, list) else {**(value or {}), "篡改": True}
    if isinstance(field, (models.CharField, models.TextField, models.FileField)):
        value = str(value or "")
        return (value[:-1] + ("y" if value.endswith("x") else "x")) if value else "x"
    raise AssertionError(f"no other value for {field!r}")


COVERED = [
    pytest.param(part.label, field.name, id=f"{part.label}.{field.name}")
    for part in parts()
    for field in [*part.model._meta.concrete_fields, *part.model._meta.local_many_to_many]
    if field.attname not in EXCLUDED_FIELDS.get(part.label, ())
    and not (part.label == CASE and field.primary_key)  # the case's id is its identity, not its content
    and not (field.many_to_many and not field.remote_field.through._meta.auto_created)  # a part of its own
]


def test_the_record_is_walked_to_every_model_hanging_off_a_case_and_no_bookkeeping(db):
    labels = {part.label for part in parts()}
    assert {"casework.case", "casework.party", "casework.attachment", "casework.casedeadline",
            "mediation.agreement", "mediation.agreementparty", "mediation.obligation",
            "mediation.judicialconfirmationrequest", "mediation.mediationsession", "mediation.termination",
            "mediation.referral", "mediation.followupvisit", "mediation.partyrating"} <= labels
    assert not labels & {"casework.caseevent", "casework.searchoutbox", "casework.idempotencykey",
                         "flows.notification", "flows.disputeprocess"}


@pytest.mark.parametrize(("label", "name"), COVERED)
def test_editing_any_digested_field_of_any_part_is_reported(shared_demo, rich_id, label, name):
    # given a case with rows in every part of its record, which verifies clean
    case = Case.objects.get(pk=rich_id)
    part = next(p for p in parts() if p.label == label)
    rows = part.model._base_manager.filter(**{part.path: case.pk}).order_by("pk")
    row = rows.last()
    assert row is not None, f"the rich case has no {label}"
    field = part.model._meta.get_field(name)

    # when that field of one of its rows is changed in the database
    if field.many_to_many:
        through = field.remote_field.through
        link = {field.m2m_field_name(): row, field.m2m_reverse_field_name(): user("mediator2")}
        assert not through.objects.filter(**link).exists()
        added = through.objects.create(**link)
    else:
        value = field.value_from_object(row)
        edited = part.model._base_manager.filter(pk=row.pk).update(**{field.attname: _other_value(field, value)})
        assert edited == 1

    # then verify_audit reports the case's record edited, naming the part
    # (a row moved to another case changes that case's record too: --all reports both)
    assert_reported(case, "current record edited outside the services", label if label != CASE else "case fields",
                    args=("--all",))

    # and when the value is put back, the record verifies again
    if field.many_to_many:
        added.delete()
    else:
        new_pk = _other_value(field, value) if field.primary_key else row.pk
        part.model._base_manager.filter(pk=new_pk).update(**{field.attname: value})
    assert_clean()


