"""Two workers generating the same month at once store each report once (a module of its own:
its test commits, so it must not run inside another module's open transaction)."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from reports import monthly
from reports.models import MonthlyReport
from tests.conftest import file_case, frozen_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_two_workers_at_once_store_each_report_once(demo, transactional_db, caplog):
    # given cases filed in a month that is now over
    with frozen_clock(dt.datetime(2027, 1, 12, 10, 0, tzinfo=SHANGHAI)):
        file_case("grid1")
        file_case("grid2")
    caplog.set_level(logging.DEBUG, logger="reports.monthly")
    with frozen_clock(dt.datetime(2027, 2, 1, 0, 30, tzinfo=SHANGHAI)):
        results, errors = {}, []

        def second_worker() -> None:
            try:
                results["second"] = monthly.generate_last_month_job(), monthly.generate_month("2027-01")
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        # when one worker has stored the reports but not yet committed, and a second one starts:
        # it finds none stored, computes them, and goes to store them (its inserts wait for the
        # first worker's transaction)
        with transaction.atomic():
            first = monthly.generate_month("2027-01")
            other = threading.Thread(target=second_worker, name="second-worker")
            other.start()
            while other.is_alive() and not any(r.threadName == "second-worker" and "storing" in r.getMessage()
                                               for r in caplog.records):
                time.sleep(0.05)
        other.join(timeout=60)

    # then each report was stored once, by the first worker; the second found them and no mismatch
    assert not errors, errors
    assert (first.created, first.mismatched) == (9, [])
    created_by_job, second = results["second"]
    assert (second.created, second.present, second.mismatched) == (0, 9, [])
    assert MonthlyReport.objects.filter(month="2027-01").count() == 9
    assert created_by_job == 0
    raced = [r for r in caplog.records if "stored meanwhile by another worker" in r.getMessage()]
    assert len(raced) == 9  # the job's run lost every insert to the first worker, and said so
