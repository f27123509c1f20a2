"""Demo data of API.md: 诸暨市 with two townships, their villages and grids, bodies and users.

Idempotent: every row is found by its natural key before it is created, and passwords are set
only on users this run creates.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from casework.choices import DisputeType, RegionLevel, Role
from casework.models import Region, RoleAssignment, User
from mediation.choices import OrganizationKind
from mediation.models import Mediator, Organization

DEMO_PASSWORD = "fengqiao-demo"
COUNTY = ("330681", "诸暨市")
TOWNSHIPS = [
    ("108", "枫桥镇", ["枫源村", "枫溪村", "陈家村"]),
    ("111", "店口镇", ["湄池村", "阮市村", "新江村"]),
]
GRIDS_PER_VILLAGE = 2
# The users API.md names, by (township index, village index, grid index) where they sit.
NAMED_USERS = [
    # username, display name, role, township, village, grid
    ("grid1", "王网格", Role.GRID_WORKER, 0, 0, 0),
    ("grid2", "李网格", Role.GRID_WORKER, 1, 0, 0),
    ("head1", "陈主任", Role.COMMITTEE_HEAD, 0, 0, None),
    ("mediator1", "赵调解", Role.MEDIATOR, 0, 0, None),
    ("mediator2", "钱调解", Role.MEDIATOR, 0, 1, None),
    ("center1", "孙中心", Role.CENTER_STAFF, 0, None, None),
    ("super1", "周督导", Role.TOWNSHIP_SUPERVISOR, 0, None, None),
    ("county1", "吴督导", Role.COUNTY_SUPERVISOR, None, None, None),
    ("admin", "系统管理员", Role.ADMIN, None, None, None),
]
PROFESSIONAL = [
    ("诸暨市医疗纠纷人民调解委员会", DisputeType.MEDICAL),
    ("诸暨市道路交通事故人民调解委员会", DisputeType.TRAFFIC),
    ("诸暨市劳动人事争议调解中心", DisputeType.LABOR),
]
DEPARTMENTS = ["司法所", "派出所", "人民法庭", "信访办", "劳动保障所"]
SURNAMES = "张王李赵刘陈杨黄吴周徐孙马朱胡郭何林罗高"


@dataclass
class Topology:
    county: Region
    townships: list[Region]
    villages: dict[str, list[Region]]  # township code → villages
    grids: dict[str, list[Region]]  # village code → grids


def region(code: str, name: str, level: str, parent: Region | None) -> Region:
    obj, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return obj


@functools.cache
def _demo_password_hash() -> str:
    # Hashed once: the demo users share the password, and each hash costs a deliberate ~0.3 s.
    return make_password(DEMO_PASSWORD)


def user(username: str, display_name: str, *, staff: bool = False) -> User:
    obj, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
    if created:
        obj.password = _demo_password_hash()
        obj.is_staff = obj.is_superuser = staff
        obj.save()
    return obj


def grant(u: User, role: str, where: Region) -> None:
    RoleAssignment.objects.get_or_create(user=u, role=role, region=where)


def member(u: User, org: Organization, *, head: bool = False) -> None:
    Mediator.objects.get_or_create(user=u, organization=org, defaults={"is_head": head})


def organization(name: str, kind: str, where: Region, specialty: str = "") -> Organization:
    obj, _ = Organization.objects.get_or_create(name=name, region=where, defaults={"kind": kind, "specialty": specialty})
    return obj


@transaction.atomic
def load_topology() -> Topology:
    county_code, county_name = COUNTY
    county = region(county_code, county_name, RegionLevel.COUNTY, None)
    topo = Topology(county, [], {}, {})
    for org_name, specialty in PROFESSIONAL:
        organization(org_name, OrganizationKind.PROFESSIONAL, county, specialty)
    for t_index, (t_seg, t_name, village_names) in enumerate(TOWNSHIPS):
        township = region(county_code + t_seg, t_name, RegionLevel.TOWNSHIP, county)
        topo.townships.append(township)
        short = t_name[:-1]
        center = organization(f"{t_name}社会治理中心（综治中心）", OrganizationKind.GOVERNANCE_CENTER, township)
        for dept in DEPARTMENTS:
            organization(f"{short}{dept}", OrganizationKind.DEPARTMENT, township)
        staff = user(f"center-{township.code}", f"{SURNAMES[t_index]}专干")
        grant(staff, Role.CENTER_STAFF, township)
        member(staff, center)
        topo.villages[township.code] = []
        for v_index, v_name in enumerate(village_names):
            village = region(f"{township.code}{v_index + 1:03d}", v_name, RegionLevel.VILLAGE, township)
            topo.villages[township.code].append(village)
            committee = organization(f"{v_name}人民调解委员会", OrganizationKind.VILLAGE_COMMITTEE, village)
            head = user(f"head-{village.code}", f"{SURNAMES[(v_index + 3 * t_index) % 20]}主任")
            grant(head, Role.COMMITTEE_HEAD, village)
            member(head, committee, head=True)
            mediator = user(f"mediator-{village.code}", f"{SURNAMES[(v_index + 7 + 3 * t_index) % 20]}调解员")
            grant(mediator, Role.MEDIATOR, village)
            member(mediator, committee)
            topo.grids[village.code] = []
            for g_index in range(GRIDS_PER_VILLAGE):
                grid = region(f"{village.code}{g_index + 1:02d}", f"{v_name}第{g_index + 1}网格", RegionLevel.GRID, village)
                topo.grids[village.code].append(grid)
                worker = user(f"grid-{grid.code}", f"{SURNAMES[(g_index + v_index + 11) % 20]}网格员")
                grant(worker, Role.GRID_WORKER, grid)
    _load_named_users(topo)
    return topo


def _load_named_users(topo: Topology) -> None:
    for username, display, role, t, v, g in NAMED_USERS:
        u = user(username, display, staff=(role == Role.ADMIN))
        if t is None:
            where = topo.county
        else:
            township = topo.townships[t]
            where = township
            if v is not None:
                where = topo.villages[township.code][v]
                if g is not None:
                    where = topo.grids[where.code][g]
        grant(u, role, where)
        if role in (Role.MEDIATOR, Role.COMMITTEE_HEAD):
            member(u, Organization.objects.get(region=where, kind=OrganizationKind.VILLAGE_COMMITTEE),
                   head=role == Role.COMMITTEE_HEAD)
        elif role == Role.CENTER_STAFF:
            member(u, Organization.objects.get(region=where, kind=OrganizationKind.GOVERNANCE_CENTER))
