"""The `demo` fixture restores what `load_topology()` wrote once (tests/snapshots.py): the same
rows as loading it in the test, and nothing of it left for a test that does not ask for it."""
from __future__ import annotations

from casework.models import Region, User
from demo.topology import load_topology
from tests.snapshots import _rows, _tables


def every_row() -> dict[str, dict]:
    return {model._meta.label: _rows(model) for model in _tables()}


def test_the_restored_topology_is_all_that_loading_it_would_write(demo):
    # given the topology the fixture restored
    restored = every_row()

    # when the loader runs on it (it creates only what is missing)
    topology = load_topology()

    # then it found everything, and the fixture's copy names the same rows
    assert every_row() == restored
    assert demo.county.pk == topology.county.pk
    assert [t.pk for t in demo.townships] == [t.pk for t in topology.townships]
    assert {code: [g.pk for g in grids] for code, grids in demo.grids.items()} == \
        {code: [g.pk for g in grids] for code, grids in topology.grids.items()}
    assert User.objects.get(username="grid1").check_password("fengqiao-demo")


def test_rows_created_after_the_restored_ones_get_new_keys(demo):
    # when a region is created beside the restored ones
    region = Region.objects.create(code="330682", name="另一县", level="county")

    # then its key follows theirs (the sequences were moved past them)
    assert region.pk > max(Region.objects.exclude(pk=region.pk).values_list("pk", flat=True))


def test_the_restored_topology_is_committed_for_a_transactional_test(demo, transactional_db):
    assert Region.objects.filter(pk=demo.county.pk).exists()
    assert User.objects.filter(username="head1").exists()


def test_a_test_without_the_fixture_starts_empty(db):
    assert not Region.objects.exists()
    assert not User.objects.exists()
