"""The admin shows who exported what, and the stored monthly reports, read-only."""
from __future__ import annotations

import pytest
from django.test import Client

from casework.models import Region
from reports.exports import record_export
from reports.models import ExportRecord, MonthlyReport
from tests.conftest import user


@pytest.fixture
def admin_client(demo) -> Client:
    client = Client()
    client.force_login(user("admin"))
    return client


@pytest.mark.parametrize("model", [ExportRecord, MonthlyReport], ids=lambda m: m.__name__)
def test_admin_lists_each_and_offers_no_way_to_add_one(admin_client, model):
    meta = model._meta
    assert admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200
    assert admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/add/").status_code == 403


def test_an_export_shows_who_made_it_and_cannot_be_changed_or_deleted(admin_client):
    # given an export by a county supervisor
    record = record_export(user=user("county1"), kind="ledger", format="xlsx", region=Region.objects.get(code="330681"),
                           params={"from": "2026-01-01", "to": "2026-12-31"}, masked=True, rows=12)
    # when the administrator lists the exports, then it is there with who made it
    html = admin_client.get("/admin/reports/exportrecord/").content.decode()
    assert user("county1").display_name in html or "county1" in html
    # and it can be neither changed nor deleted
    url = f"/admin/reports/exportrecord/{record.pk}/"
    assert admin_client.post(url + "change/", {"rows": "0"}).status_code == 403
    assert admin_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.rows == 12
