"""The region tree and the roles people hold in it (辖区与角色)."""
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import RegionLevel, Role

__all__ = ["User", "Region", "RoleAssignment", "enclosing_paths", "in_subtrees", "path_at"]

LEVEL_DEPTH = {
    RegionLevel.COUNTY: 0,
    RegionLevel.TOWNSHIP: 1,
    RegionLevel.VILLAGE: 2,
    RegionLevel.GRID: 3,
}


def path_at(path: str, level: str) -> str:
    """The path of the region at `level` that encloses `path` (330681.108.001.02, township → 330681.108)."""
    return ".".join(path.split(".")[: LEVEL_DEPTH[level] + 1])


def in_subtrees(paths: Iterable[str], field: str = "path") -> models.Q:
    """Rows whose region path (`field`) lies in one of the subtrees `paths` (an indexed prefix scan
    each); nothing when `paths` is empty."""
    paths = list(paths)
    if not paths:
        return models.Q(pk__in=[])
    return reduce(or_, (models.Q(**{field: p}) | models.Q(**{f"{field}__startswith": p + "."}) for p in paths))


def enclosing_paths(path: str) -> list[str]:
    """330681.108.001.02 → 330681, 330681.108, 330681.108.001, 330681.108.001.02."""
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class RegionQuerySet(models.QuerySet):
    def subtree(self, path: str) -> "RegionQuerySet":
        return self.filter(in_subtrees([path]))


class Region(models.Model):
    """A node of county → township → village → grid.

    `path` is materialized (`330681.003.012.02`) so that everything under a region is one
    indexed prefix query; `code` is the flat administrative code used by the API.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=64, unique=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        if self.parent is None:
            return self.code
        # The segment is the code's tail beyond the parent's code (330681003 → "003").
        segment = self.code[len(self.parent.code):] if self.code.startswith(self.parent.code) else self.code
        return f"{self.parent.path}.{segment}"

    def covers(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + ".")


class RoleAssignment(models.Model):
    """A role held at a region; the holder sees and acts within that region's subtree."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="role_assignments"
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="unique_role_at_region")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"
