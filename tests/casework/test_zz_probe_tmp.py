import time
import pytest
from tests.conftest import bring_to

@pytest.mark.parametrize("i", range(20))
def test_probe(demo, api, i):
    t = time.perf_counter()
    c = bring_to("agreed", agreed_at="channel")
    r = api("center1").get(f"/api/v1/cases/{c.pk}/")
    assert r.status_code == 200
    print(time.perf_counter() - t)
