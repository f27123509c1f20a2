"""Serializers whose fields are built once per class (`FieldsBuiltOnce`) give each instance
fields of its own, bound to it, equal to the ones DRF would build."""
from __future__ import annotations

import pytest

from casework.api import serializers as api_serializers
from casework.api.serializers import FieldsBuiltOnce

BUILT_ONCE = sorted((cls for cls in vars(api_serializers).values()
                     if isinstance(cls, type) and issubclass(cls, FieldsBuiltOnce) and cls is not FieldsBuiltOnce),
                    key=lambda cls: cls.__name__)


def drf_fields(cls) -> dict:
    """The fields DRF itself builds for an instance of `cls` (its get_fields, without the template)."""
    instance = cls()
    return super(FieldsBuiltOnce, instance).get_fields()


@pytest.mark.parametrize("cls", BUILT_ONCE, ids=lambda cls: cls.__name__)
def test_each_instance_has_its_own_bound_fields_equal_to_drfs(db, cls):
    assert len(BUILT_ONCE) >= 8

    # given two instances of the serializer (the second built from the class's template)
    first, second = cls(), cls()

    # then their fields are distinct objects, each bound to its own serializer
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert (field.parent, other.parent) == (first, second)
        assert field.field_name == other.field_name == name
        if hasattr(field, "child"):  # a nested list, or a list field: its child is its own too
            assert field.child is not other.child
            assert (field.child.parent, other.child.parent) == (field, other)

    # and the template was never bound to any of them
    assert all(getattr(f, "parent", None) is None for f in cls._fields_template.values())

    # and each field is the one DRF builds: the same class with the same arguments
    assert {n: repr(f) for n, f in first.fields.items()} == {n: repr(f) for n, f in drf_fields(cls).items()}
