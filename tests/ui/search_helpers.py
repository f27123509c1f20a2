"""Steps the search pages' tests share: settled cases to find, a search engine that is down."""
from __future__ import annotations

import contextlib
import datetime as dt
import socket
import zoneinfo

from django.test import override_settings

from actions import services
from casework.models import Case
from tests.conftest import agreement_in_force, file_case, grid_of, user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A working morning: cases filed in the tests are all of 2026, whatever day the tests run.
MOMENT = dt.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)


def village_code(reporter: str) -> str:
    return grid_of(reporter).parent.code


def settled_case(reporter: str = "grid1", *, terms: str = "赔偿维修费800元，三日内付清", **filing) -> Case:
    """A case filed by `reporter`, mediated in its village to an agreement and closed after the
    follow-up visit: resolved in the village."""
    case = file_case(reporter, **filing)
    mediator = user(f"mediator-{village_code(reporter)}")
    services.case_accept(case_id=case.pk, actor=user(f"head-{village_code(reporter)}"), mediators=[mediator])
    services.case_record_agreement(case_id=case.pk, actor=mediator, **agreement_in_force(case, terms))
    services.case_close(case_id=case.pk, actor=mediator, fulfilled=True, satisfaction="satisfied")
    return Case.objects.get(pk=case.pk)


@contextlib.contextmanager
def embedded_index_unopenable(tmp_path):
    """The embedded index's folder cannot be made: a file of this test stands in its way."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with override_settings(ELASTICSEARCH_URL="", SEARCH_INDEX_DIR=str(blocker / "search")):
        yield


@contextlib.contextmanager
def search_engine_down():
    """Search pointed at an Elasticsearch that refuses connections: a port this test holds bound
    but does not listen on, so nothing else can answer there while it runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{port}", SEARCH_INDEX_NAME="down"):
            yield
