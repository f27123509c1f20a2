"""Realistic past cases for the demo county: `python manage.py load_demo --cases N`.

Every case is filed and carried through its life by the services of the actions layer (`actions.services`), as the
demo user who would have done each step, each step at its own past moment (`clock.travel_to`),
so events, the hash chain, deadlines, agreements and referrals are exactly what real use leaves.

Shape of the data:
- Cases are planned in *units*: one case, or a pair where a second filing of the same dispute
  (hotline, another grid worker) is merged into the first (并单). Each unit draws its dispute type
  and outcome from shuffled decks, so every type and every outcome shows up within the first
  forty units, in proportions close to what a county reports: most disputes settle at the grid
  or in the village, fewer at the township, few through the one-stop channels.
- Filing moments are spread over the three years before today (local midnight); steps that
  would fall after it are not taken, so recent cases are still open in whatever status they had
  reached. Counting from the start of the day rather than from now, the history is the same
  whatever the time of day the command runs, and the same from one day to the next but for the
  shift by whole days.
- Each unit has its own random stream derived from (seed, unit number): a given seed always
  gives the same cases, whatever N, and a larger N only adds cases.
- Case i has the generator key `demo-<seed>-<i>`, recorded with it as a `DemoCase`: a second run
  finds the record and creates nothing, even after the server has purged the Idempotency-Key
  the case was filed with (the same string), and a case without a record is a real one.

The text tables make up most of this module; they are plain data (Chinese, as users write it).
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from actions import services
from casework import clock
from casework.choices import PartyRole, RiskLevel, Satisfaction, Source
from casework.models import Party, Region, User
from casework.validators import id_check_digit
from demo.models import DemoCase
from demo.stories import (
    ACCEPT_NOTES,
    APPLIANCES,
    APPRAISALS,
    BATCH,
    CARS,
    CHANNEL_NAMES,
    CLOSE_NOTES,
    COMMUNITIES,
    COMPLICATIONS,
    COURTS,
    CROPS,
    DECK_SIZE,
    DIRECT_ESCALATE_REASONS,
    DISEASES,
    DOGS,
    DUPLICATE_PREFIX,
    ELDER_FEMALE,
    ELDER_MALE,
    ELEVATED_NOTES,
    ESCALATE_REASONS,
    EXTRA_NOTES,
    FEMALE_CHARS,
    FIELDS,
    FINGERS,
    GOODS,
    GYMS,
    HILLS,
    HISTORY,
    HOSPITALS,
    INDUSTRIES,
    INJURIES,
    INSURERS,
    ISSUES,
    LOCAL_AREAS,
    MACHINES,
    MALE_CHARS,
    MERGE_NOTES,
    MIGRANT_AREAS,
    MOBILE_PREFIXES,
    NAME_HEADS,
    OUTCOME_DECK,
    PAUSE_REASONS,
    PETS,
    PROFILES,
    PROJECTS,
    PURPOSES,
    REFER_NOTES,
    REFERRAL_REPLIES,
    REOPEN_REASONS,
    RESPONSIBILITIES,
    RETURN_NOTES,
    RIVERS,
    ROADS,
    SEEDS,
    SHOP_KINDS,
    STRUCTURES,
    SURGERIES,
    SURNAMES,
    TRADES,
    TREES,
    TRIAGE_NOTES,
    TRIGGERS,
    TYPE_DECK,
    UNFULFILLED_NOTES,
    VEGETABLES,
    WITHDRAW_NOTES,
    WORKSHOPS,
    O,
    Story,
)
from demo.topology import NAMED_USERS, Topology
from mediation.choices import OrganizationKind
from mediation.models import Organization

# --------------------------------------------------------------------------------------------
# Where the cases happen and who works them.
# --------------------------------------------------------------------------------------------


@dataclass
class _Village:
    region: Region
    township: Region
    grids: list[Region]
    grid_workers: dict[int, list[User]]  # grid pk → the users holding it
    heads: list[User]
    mediators: list[User]
    centers: list[User]
    center: Organization
    departments: dict[str, Organization]  # "司法所" → the township's office
    professionals: dict[str, Organization]  # dispute type → the county's professional body
    lat: float
    lon: float
    regulars: list[_Person] = field(default_factory=list)  # people who come back with new disputes


@dataclass(frozen=True)
class _Person:
    name: str
    id_number: str = ""
    phone: str = ""


def _load_villages(topology: Topology, seed: int) -> list[_Village]:
    """The villages with the demo users who work them, in a stable order."""
    generated = {f"center-{t.code}" for t in topology.townships}
    for villages_of in topology.villages.values():
        generated |= {f"{role}-{v.code}" for v in villages_of for role in ("head", "mediator")}
    generated |= {f"grid-{g.code}" for grids in topology.grids.values() for g in grids}
    wanted = generated | {row[0] for row in NAMED_USERS}
    # One User object per person for the whole run: permission checks cache roles on it.
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    orgs = list(Organization.objects.select_related("region"))
    professionals = {o.specialty: o for o in orgs if o.kind == OrganizationKind.PROFESSIONAL and o.specialty}
    # The named users of API.md sit in their villages alongside the generated per-region staff.
    aliases: dict[str, list[str]] = {}
    for username, *_ in NAMED_USERS:
        holder = users.get(username)
        if holder is None:
            continue
        for ra in holder.role_assignments.select_related("region"):
            aliases.setdefault(f"{ra.role}:{ra.region.code}", []).append(username)

    def staff(role: str, region: Region, generated: str) -> list[User]:
        names = [generated, *aliases.get(f"{role}:{region.code}", [])]
        return [users[n] for n in names if n in users]

    villages: list[_Village] = []
    for t_index, township in enumerate(topology.townships):
        center = next(o for o in orgs if o.kind == OrganizationKind.GOVERNANCE_CENTER and o.region_id == township.pk)
        # Departments are named after the township without its 镇 (枫桥司法所); key them by office.
        departments = {o.name.removeprefix(township.name[:-1]): o for o in orgs
                       if o.kind == OrganizationKind.DEPARTMENT and o.region_id == township.pk}
        for v_index, village in enumerate(topology.villages[township.code]):
            grids = topology.grids[village.code]
            villages.append(_Village(
                region=village, township=township, grids=grids,
                grid_workers={g.pk: staff("grid_worker", g, f"grid-{g.code}") for g in grids},
                heads=staff("committee_head", village, f"head-{village.code}"),
                mediators=staff("mediator", village, f"mediator-{village.code}"),
                centers=staff("center_staff", township, f"center-{township.code}"),
                center=center, departments=departments, professionals=professionals,
                lat=29.62 + 0.28 * t_index + 0.021 * v_index, lon=120.38 - 0.08 * t_index + 0.017 * v_index,
            ))
    for village in villages:
        rng = random.Random(f"{seed}:regulars:{village.region.code}")
        village.regulars = [_person(rng, kind="person", complete=True) for _ in range(6)]
    return villages


# --------------------------------------------------------------------------------------------
# People.
# --------------------------------------------------------------------------------------------


def _id_number(rng: random.Random, *, born: dt.date, male: bool, areas=LOCAL_AREAS) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{rng.choice(areas)}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def _given_name(rng: random.Random, male: bool, elder: bool) -> str:
    if elder:
        return rng.choice(ELDER_MALE if male else ELDER_FEMALE)
    chars = MALE_CHARS if male else FEMALE_CHARS
    return rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


def _person(rng: random.Random, *, kind: str = "person", surname: str = "", complete: bool = False) -> _Person:
    """A resident: a name, and an ID number and mobile for some (all of them when `complete`)."""
    male = {"man": True, "woman": False}.get(kind, rng.random() < 0.55)
    elder = kind == "elder"
    if elder:
        born = dt.date(rng.randint(1935, 1956), rng.randint(1, 12), rng.randint(1, 28))
    elif kind == "worker":
        born = dt.date(rng.randint(1968, 2003), rng.randint(1, 12), rng.randint(1, 28))
    else:
        born = dt.date(rng.randint(1955, 2000), rng.randint(1, 12), rng.randint(1, 28))
    name = (surname or rng.choice(SURNAMES)) + _given_name(rng, male, elder)
    areas = MIGRANT_AREAS if kind == "worker" else LOCAL_AREAS
    id_number = _id_number(rng, born=born, male=male, areas=areas) if complete or rng.random() < 0.55 else ""
    phone = _mobile(rng) if complete or rng.random() < (0.5 if elder else 0.8) else ""
    return _Person(name, id_number, phone)


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _round(value: float) -> int:
    step = 100 if value < 20000 else 1000
    return max(step, int(round(value / step)) * step)


class _Context(dict):
    """Slots for the templates; a missing slot is a bug in the tables, so it fails loudly."""

    def render(self, template: str) -> str:
        return template.format_map(self)


def _context(rng: random.Random, village: _Village, story: Story) -> _Context:
    township = village.township.name
    heads = NAME_HEADS
    industry, product, job = rng.choice(INDUSTRIES.get(township, INDUSTRIES["枫桥镇"]))
    appliance, fault = rng.choice(APPLIANCES)
    issue, issue_fix = rng.choice(ISSUES)
    community = rng.choice(COMMUNITIES.get(township, COMMUNITIES["枫桥镇"]))
    group = f"{rng.randint(1, 12)}组"
    bldg, unit, room = rng.randint(1, 28), rng.randint(1, 3), rng.randint(1, 18) * 100 + rng.randint(1, 4)
    if story.urban:
        addr = f"{township}{community}{bldg}幢{unit}单元{room}室"
    else:
        addr = f"{village.region.name}{group}{rng.randint(1, 160)}号"
    lo, hi = story.amount or (1000, 10000)
    amount = _round(rng.uniform(lo, hi))
    rent_mu = rng.choice((600, 700, 800, 900, 1000, 1200))
    ctx = _Context(
        village=village.region.name, township=township, group=group, addr=addr, community=community,
        bldg=bldg, unit=unit, room=room, field=rng.choice(FIELDS), hill=rng.choice(HILLS), river=rng.choice(RIVERS),
        road=rng.choice(ROADS), project=rng.choice(PROJECTS), structure=rng.choice(STRUCTURES),
        company=f"诸暨市{rng.choice(heads)}{industry}有限公司", product=product, job=job,
        property_co=f"诸暨市{rng.choice(heads)}物业服务有限公司",
        hospital=rng.choice(HOSPITALS).format(township=township), clinic=f"{township}{rng.choice(heads)}口腔诊所",
        shop=f"{township}{rng.choice(heads)}{rng.choice(('电器商行', '农资经营部', '家电城', '建材商行'))}",
        insurer=rng.choice(INSURERS), restaurant=f"{rng.choice(heads)}{rng.choice(('大酒店', '农家乐', '饭店'))}",
        gym=rng.choice(GYMS), farm=f"{village.region.name}{rng.choice(heads)}家庭农场", court=COURTS.get(township, "人民法庭"),
        machine=rng.choice(MACHINES), finger=rng.choice(FINGERS), goods=rng.choice(GOODS), crop=rng.choice(CROPS),
        veg=rng.choice(VEGETABLES), tree=rng.choice(TREES), dog=rng.choice(DOGS), car=rng.choice(CARS),
        injury=rng.choice(INJURIES), disease=rng.choice(DISEASES), surgery=rng.choice(SURGERIES),
        complication=rng.choice(COMPLICATIONS), appliance=appliance, fault=fault, seed=rng.choice(SEEDS),
        trigger=rng.choice(TRIGGERS), issue=issue, issue_fix=issue_fix, workshop=rng.choice(WORKSHOPS),
        purpose=rng.choice(PURPOSES), trade=rng.choice(TRADES), pet=rng.choice(PETS), shop_kind=rng.choice(SHOP_KINDS),
        surname=rng.choice(SURNAMES), appraisal="",
        amount=amount, amount_part=_round(amount * rng.uniform(0.5, 0.9)),
        amount_total=_round(amount * rng.uniform(1.2, 1.8)), x=_round(rng.uniform(500, 5000)),
        monthly=rng.choice((300, 400, 500, 600, 800, 1000, 1200, 1500)), rent_mu=rent_mu,
        rent_mu_new=rent_mu - rng.choice((100, 150, 200)),
        n=rng.randint(3, 12) if not story.group else rng.randint(5, 40), months=rng.randint(2, 14),
        years=rng.randint(3, 22), years_due=rng.randint(1, 3), days=rng.randint(3, 30), year=0,
        age_old=rng.randint(68, 91), kids=rng.randint(2, 5), rooms=rng.randint(2, 5), area=rng.choice((3, 5, 8, 12, 20, 35, 60, 120)),
        area_small=rng.choice((0.3, 0.5, 0.8, 1.2, 2)), cm=rng.randint(20, 120), cm_small=rng.randint(8, 40),
        trees=rng.randint(6, 80), kg=rng.randint(40, 400), pigs=rng.randint(200, 1500), m=rng.choice((2.5, 3, 3.5, 4, 5)),
        n_teeth=rng.randint(1, 4), tables=rng.randint(12, 40), sessions=rng.randint(2, 4),
        a="", b="", c="",
    )
    ctx["pigs_less"] = ctx["pigs"] // 2
    ctx["arrears"] = ctx["monthly"] * ctx["months"]
    return ctx


# --------------------------------------------------------------------------------------------
# Plans: a case's life as a list of dated steps, carried out later through the services.
# --------------------------------------------------------------------------------------------


@dataclass
class _Step:
    at: dt.datetime
    member: int  # which case of the unit
    action: str
    actor: User
    kwargs: dict


@dataclass
class _CasePlan:
    index: int
    key: str
    filer: User
    data: services.CaseInput
    filed_at: dt.datetime


@dataclass
class _Unit:
    cases: list[_CasePlan]
    steps: list[_Step]

    @property
    def first_at(self) -> dt.datetime:
        return self.cases[0].filed_at


def _daytime(rng: random.Random, moment: dt.datetime) -> dt.datetime:
    """Move a moment forward into working hours (08:00–18:00 local): people work by day.

    The minutes past 08:00 are drawn whether or not the moment needs moving: what the unit's
    stream draws next must not depend on the hour a moment happened to fall at.
    """
    minutes = rng.randint(0, 150)
    local = timezone.localtime(moment)
    if 8 <= local.hour < 18:
        return moment
    day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(8), tzinfo=local.tzinfo)
    return start + dt.timedelta(minutes=minutes)


class _Life:
    """Plans one case's steps, each days or weeks after the one before."""

    def __init__(self, rng: random.Random, unit: _Unit, member: int, village: _Village, dispute_type: str,
                 story: Story, ctx: _Context, at: dt.datetime, filer: User) -> None:
        self.rng, self.unit, self.member, self.v = rng, unit, member, village
        self.dispute_type, self.profile = dispute_type, PROFILES[dispute_type]
        self.story, self.ctx, self.t, self.filer = story, ctx, at, filer
        self._last_due: dt.date | None = None
        self.mediators: list[User] = []
        self.rung = ""  # where an agreement was reached: "village", "township", "channel"
        self.channel = ""

    # -- time and steps --

    def later(self, lo_days: float, hi_days: float) -> dt.datetime:
        self.t = _daytime(self.rng, self.t + dt.timedelta(days=self.rng.uniform(lo_days, hi_days)))
        return self.t

    def step(self, lo_days: float, hi_days: float, action: str, actor: User, **kwargs) -> None:
        self.unit.steps.append(_Step(self.later(lo_days, hi_days), self.member, action, actor, kwargs))

    def pick(self, options):
        return self.rng.choice(options)

    def text(self, options) -> str:
        return self.ctx.render(self.pick(options))

    # -- people at work --

    def head(self) -> User:
        return self.pick(self.v.heads)

    def mediator(self) -> User:
        return self.mediators[0] if self.mediators else self.pick(self.v.mediators)

    def committee(self) -> User:
        return self.pick(self.v.heads + self.v.mediators)

    def center(self) -> User:
        return self.pick(self.v.centers)

    # -- the ladder --

    def accept(self) -> None:
        rng = self.rng
        late = rng.random() < 0.08
        lo, hi = (3.2, 6) if late else (0.05, 2.5)
        if rng.random() < 0.6:
            actor = self.head()
            self.mediators = [self.pick(self.v.mediators)]
            if rng.random() < 0.3:
                self.mediators.append(actor)
        else:
            actor = self.pick(self.v.mediators)
            self.mediators = [actor]
        self.ctx["mediator"] = self.mediators[0].label
        self.ctx["next_day"] = "次日" if rng.random() < 0.5 else "本周内"
        self.step(lo, hi, "accept", actor, mediators=list(self.mediators), note=self.text(ACCEPT_NOTES))

    def pause_maybe(self, actor: User, chance: float) -> None:
        if self.rng.random() < chance:
            reasons = PAUSE_REASONS if self.dispute_type in APPRAISALS else PAUSE_REASONS[:2] + PAUSE_REASONS[3:]
            reason, resumed = self.pick(reasons)
            self.step(1, 8, "pause_clock", actor, reason=self.ctx.render(reason))
            self.step(5, 20, "resume_clock", actor, note=self.ctx.render(resumed))

    def escalate(self, *, from_village: bool) -> None:
        reasons = ESCALATE_REASONS if from_village else DIRECT_ESCALATE_REASONS
        reasons = reasons + self.profile.escalate
        actor = self.committee() if from_village else self.head()
        lo, hi = (5, 25) if from_village else (0.1, 2.5)
        self.step(lo, hi, "escalate", actor, reason=self.text(reasons))

    def to_township(self, high_risk: bool) -> None:
        """Reach township triage: at filing (high risk), straight from intake, or after village mediation."""
        if high_risk:
            return
        if self.rng.random() < 0.5:
            self.accept()
            self.pause_maybe(self.mediator(), 0.08)
            self.escalate(from_village=True)
        else:
            self.escalate(from_village=False)

    def triage(self) -> None:
        choice = self.pick(self.profile.lead)
        lead = None
        if choice == "professional":
            lead = self.v.professionals.get(self.dispute_type)
        elif choice != "center":
            lead = self.v.departments.get(choice)
        self.ctx["lead"] = (lead or self.v.center).name
        self.step(0.2, 3, "triage_to_mediation", self.center(), lead_body=lead, note=self.text(TRIAGE_NOTES))

    def return_to_village(self) -> None:
        self.step(0.2, 3, "return_to_village", self.center(), note=self.text(RETURN_NOTES))

    def refer(self) -> None:
        channel, body = self.pick(self.profile.refer)
        self.channel = channel
        body = self.ctx.render(body)
        self.ctx["body"], self.ctx["channel_label"] = body, CHANNEL_NAMES[channel]
        self.step(0.5, 10, "refer", self.center(), channel=channel, receiving_body=body, note=self.text(REFER_NOTES))

    def agree(self, actor: User, lo: float, hi: float) -> None:
        at = self.later(lo, hi)  # first the day it is signed: the due dates count from it
        self.unit.steps.append(_Step(at, self.member, "record_agreement", actor, self._agreement()))

    def _agreement(self) -> dict:
        day = timezone.localtime(self.t).date()
        due1 = day + dt.timedelta(days=self.rng.randint(3, 30))
        due2 = due1 + dt.timedelta(days=self.rng.randint(20, 90))
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        self.ctx.update(due1=_cn_date(due1), due2=_cn_date(due2), month_next=f"{nxt.year}年{nxt.month}月")
        terms, duties = self.story.deal
        dues = (due1, due2)[:len(duties)]
        obligations = [{"description": self.ctx.render(d), "due_date": due, "party": PartyRole.RESPONDENT}
                       for d, due in zip(duties, dues, strict=True)]
        self._last_due = obligations[-1]["due_date"]
        # A complete written agreement (art. 35), signed by every party and sealed the day it was
        # reached: the parties are named when it is recorded (see _resolve_parties).
        return {"terms": self.ctx.render(terms), "obligations": obligations,
                "facts": self.ctx.render(self.story.text), "responsibilities": self.text(RESPONSIBILITIES),
                "signatures": PartyRole.APPLICANT, "sealed": True}

    def close(self, actor: User) -> None:
        rng = self.rng
        satisfaction = rng.choices(
            (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED), (75, 20, 5)
        )[0]
        fulfilled = rng.random() < 0.97
        last_due = dt.datetime.combine(self._last_due, dt.time(10), tzinfo=timezone.get_current_timezone())
        wait_from = max(self.t, last_due)
        late = rng.random() < 0.05
        days = rng.uniform(16, 25) if late else rng.uniform(1, 13)
        self.t = _daytime(rng, wait_from + dt.timedelta(days=days))
        # An agreement found unperformed closes as unresolved, saying what the parties were told.
        note = self.text(CLOSE_NOTES[satisfaction] if fulfilled else UNFULFILLED_NOTES)
        self.unit.steps.append(_Step(self.t, self.member, "close", actor, {
            "fulfilled": fulfilled, "satisfaction": satisfaction, "note": note,
        }))

    def maybe_reopen(self, actor: User, chance: float) -> bool:
        if self.rng.random() >= chance:
            return False
        reason = self.text(REOPEN_REASONS)
        self.t = max(self.t, dt.datetime.combine(self._last_due, dt.time(9), tzinfo=timezone.get_current_timezone()))
        self.step(0.5, 6, "reopen", actor, reason=reason)
        return True

    def withdraw(self, actor: User, lo: float = 0.5, hi: float = 10) -> None:
        self.step(lo, hi, "withdraw", actor, note=self.text(WITHDRAW_NOTES))


def _village_mediation(life: _Life, *, recorder: User | None = None) -> None:
    """From village mediation to a closed village agreement, perhaps reneged once."""
    life.pause_maybe(life.mediator(), 0.12)
    who = recorder or life.mediator()
    life.agree(who, 2, 26)
    if life.maybe_reopen(life.committee(), 0.08):
        life.agree(who, 3, 20)
    life.close(who if life.rng.random() < 0.7 else life.head())


def _township_mediation(life: _Life) -> None:
    life.triage()
    life.pause_maybe(life.center(), 0.12)
    life.agree(life.center(), 4, 35)
    if life.maybe_reopen(life.center(), 0.06):
        life.agree(life.center(), 5, 25)
    life.close(life.center())


def _referral(life: _Life, *, resolved: bool) -> None:
    if life.rng.random() < 0.45:
        life.triage()  # joint mediation at the township first; the channel when it fails
    life.refer()
    if resolved and life.rng.random() < 0.4:
        # The channel produced an agreement (诉前调解协议) that the center follows up.
        life.agree(life.center(), 10, 45)
        life.close(life.center())
        return
    replies = REFERRAL_REPLIES[resolved][life.channel]
    life.step(8, 55, "record_referral_outcome", life.center(), resolved=resolved, reply=life.text(replies))


def _plan_outcome(life: _Life, outcome: str, high_risk: bool) -> None:
    rng = life.rng
    if outcome == O.RESOLVED_GRID:
        life.step(0.02, 1.5, "resolve_on_spot", life.filer, note=life.ctx.render(life.story.spot))
    elif outcome == O.RESOLVED_VILLAGE:
        roll = rng.random()
        if roll < 0.86:
            life.accept()
            _village_mediation(life)
        else:
            # Sent up, then back down with guidance (下沉); the committee head takes it on.
            if roll < 0.94:
                life.escalate(from_village=False)
            else:
                life.accept()
                life.escalate(from_village=True)
            life.return_to_village()
            _village_mediation(life, recorder=life.mediator() if life.mediators else life.head())
    elif outcome == O.RESOLVED_TOWNSHIP:
        life.to_township(high_risk)
        _township_mediation(life)
    elif outcome in (O.RESOLVED_CHANNEL, O.UNRESOLVED):
        life.to_township(high_risk)
        _referral(life, resolved=outcome == O.RESOLVED_CHANNEL)
    elif outcome == O.DECLINED:
        reason, channel = life.pick(life.profile.decline)
        life.step(0.05, 2.5, "decline", life.committee(), reason=life.ctx.render(reason),
                  advised_channel=life.ctx.render(channel))
    elif outcome == O.WITHDRAWN:
        roll = rng.random()
        if high_risk or roll < 0.2:
            life.to_township(high_risk)
            life.withdraw(life.center())
        elif roll < 0.6:
            life.accept()
            life.withdraw(life.committee(), 1, 15)
        else:
            reporter_may = any(life.filer.pk == u.pk for w in life.v.grid_workers.values() for u in w)
            life.withdraw(life.filer if reporter_may and rng.random() < 0.5 else life.committee(), 0.2, 4)
    else:  # pragma: no cover - the decks only hold the outcomes above
        raise ValueError(outcome)


# --------------------------------------------------------------------------------------------
# Units: one case, or a case and its duplicate that is merged into it.
# --------------------------------------------------------------------------------------------

SOURCES = (
    (Source.GRID_PATROL, 45), (Source.WALK_IN, 24), (Source.HOTLINE_12345, 12), (Source.ONLINE, 6),
    (Source.POLICE_REFERRAL, 6), (Source.COURT_REFERRAL, 3), (Source.PETITION_OFFICE, 4),
)
TARGET_OUTCOMES = ((O.RESOLVED_VILLAGE, 60), (O.RESOLVED_TOWNSHIP, 25), (O.RESOLVED_CHANNEL, 8), (O.UNRESOLVED, 7))


def _deck(seed: int, name: str, counts: dict[str, int], number: int) -> list[str]:
    cards = [value for value, n in counts.items() for _ in range(n)]
    random.Random(f"{seed}:{name}:{number}").shuffle(cards)
    return cards


class _Planner:
    def __init__(self, villages: list[_Village], seed: int, horizon: dt.datetime) -> None:
        self.villages, self.seed, self.horizon = villages, seed, horizon
        self._decks: dict[tuple[str, int], list[str]] = {}

    def card(self, name: str, counts: dict[str, int], unit_no: int) -> str:
        number = unit_no // DECK_SIZE
        if (name, number) not in self._decks:
            self._decks[(name, number)] = _deck(self.seed, name, counts, number)
        return self._decks[(name, number)][unit_no % DECK_SIZE]

    def size(self, unit_no: int) -> int:
        return 2 if self.card("outcome", OUTCOME_DECK, unit_no) == O.MERGED else 1

    def plan(self, unit_no: int, first_index: int, count: int) -> _Unit:
        rng = random.Random(f"{self.seed}:unit:{unit_no}")
        dispute_type = self.card("type", TYPE_DECK, unit_no)
        outcome = self.card("outcome", OUTCOME_DECK, unit_no)
        profile = PROFILES[dispute_type]
        stories = profile.stories
        if outcome == O.RESOLVED_GRID:
            # What a grid worker settles on the spot is small: no crowd, no large sums.
            stories = [s for s in stories if not s.group and (s.amount is None or s.amount[1] <= 30000)] or stories
        story = rng.choice(stories)
        village = rng.choice(self.villages)
        merged = outcome == O.MERGED
        # Volume grows a little over the years, as more disputes get recorded. Every filing of
        # the unit must fall before the horizon (a duplicate comes up to ~1.5 days after the first);
        # one pushed past it into the morning is filed the afternoon before instead.
        newest = dt.timedelta(days=5 if merged else 0)
        age = newest + (HISTORY - newest) * (1 - rng.random() ** 0.85)
        filed_at = _daytime(rng, self.horizon - age)
        earlier = dt.timedelta(hours=6, minutes=rng.uniform(10, 600))  # drawn even when not needed, as in _daytime
        if filed_at > self.horizon:
            filed_at = self.horizon - earlier  # 08:00–17:50 of the day before the horizon's midnight

        target_outcome = rng.choices(*zip(*TARGET_OUTCOMES, strict=True))[0] if merged else outcome
        risk = self._risk(rng, target_outcome)
        unit = _Unit([], [])
        ctx = _context(rng, village, story)
        ctx["year"] = timezone.localtime(filed_at).year - rng.randint(1, 9)
        occurred = filed_at - dt.timedelta(days=rng.uniform(0.1, 45), hours=rng.uniform(0, 12))
        local = timezone.localtime(occurred)
        ctx["date_recent"] = f"{local.month}月{local.day}日"
        ctx["appraisal"] = rng.choice(APPRAISALS.get(dispute_type, ("",)))
        parties = _parties(rng, village, story, ctx, complete=merged)
        source, filer, grid = self._intake(rng, village, target_outcome)
        data = self._case_input(rng, village, grid, story, ctx, parties, dispute_type, risk, source, occurred)
        unit.cases.append(_CasePlan(first_index, f"demo-{self.seed}-{first_index}", filer, data, filed_at))
        life = _Life(rng, unit, 0, village, dispute_type, story, ctx, filed_at, filer)
        _plan_outcome(life, target_outcome, risk == RiskLevel.HIGH)

        if merged and first_index + 1 < count:
            self._plan_duplicate(rng, unit, village, story, ctx, parties, dispute_type, filed_at, first_index + 1)
        return unit

    def _plan_duplicate(self, rng, unit, village, story, ctx, parties, dispute_type, filed_at, index) -> None:
        """The same dispute reported again within a day or two, merged into the first by the committee head."""
        source = rng.choice((Source.HOTLINE_12345, Source.HOTLINE_12345, Source.GRID_PATROL, Source.WALK_IN, Source.ONLINE))
        grid = rng.choice(village.grids)
        filer = rng.choice(village.grid_workers[grid.pk]) if source != Source.WALK_IN else rng.choice(village.mediators)
        # A hotline operator seldom takes the ID number; the phone is how the caller is known.
        again = [services.PartyInput(p.role, p.name, "" if source == Source.HOTLINE_12345 else p.id_number, p.phone)
                 for p in parties]
        at = _daytime(rng, filed_at + dt.timedelta(hours=rng.uniform(2, 36)))
        prefix = ctx.render(DUPLICATE_PREFIX[source])
        dup_ctx = _Context(ctx)
        data = self._case_input(rng, village, grid, story, dup_ctx, again, dispute_type, RiskLevel.NORMAL, source,
                                unit.cases[0].data.occurred_at, prefix=prefix)
        unit.cases.append(_CasePlan(index, f"demo-{self.seed}-{index}", filer, data, at))
        merge_at = _daytime(rng, at + dt.timedelta(hours=rng.uniform(1, 30)))
        note = rng.choice(MERGE_NOTES)
        unit.steps.append(_Step(merge_at, 1, "merge", rng.choice(village.heads), {"into_member": 0, "note": note}))

    @staticmethod
    def _risk(rng: random.Random, outcome: str) -> str:
        roll = rng.random()
        if outcome in (O.RESOLVED_TOWNSHIP, O.RESOLVED_CHANNEL, O.UNRESOLVED):
            return RiskLevel.HIGH if roll < 0.15 else RiskLevel.ELEVATED if roll < 0.45 else RiskLevel.NORMAL
        if outcome == O.WITHDRAWN:
            return RiskLevel.HIGH if roll < 0.04 else RiskLevel.ELEVATED if roll < 0.12 else RiskLevel.NORMAL
        if outcome == O.RESOLVED_GRID:
            return RiskLevel.NORMAL
        return RiskLevel.ELEVATED if roll < 0.08 else RiskLevel.NORMAL

    @staticmethod
    def _intake(rng: random.Random, village: _Village, outcome: str) -> tuple[str, User, Region]:
        """Where the dispute came in and who recorded it (the grid worker unless the village or center did)."""
        grid = rng.choice(village.grids)
        grid_worker = rng.choice(village.grid_workers[grid.pk])
        if outcome == O.RESOLVED_GRID:
            return rng.choice((Source.GRID_PATROL, Source.GRID_PATROL, Source.GRID_PATROL, Source.WALK_IN,
                               Source.HOTLINE_12345)), grid_worker, grid
        source = rng.choices(*zip(*SOURCES, strict=True))[0]
        if source == Source.WALK_IN and rng.random() < 0.5:
            return source, rng.choice(village.heads + village.mediators), grid
        if source in (Source.COURT_REFERRAL, Source.PETITION_OFFICE) or (
                source == Source.HOTLINE_12345 and rng.random() < 0.4):
            return source, rng.choice(village.centers), grid
        if source == Source.POLICE_REFERRAL and rng.random() < 0.5:
            return source, rng.choice(village.heads), grid
        return source, grid_worker, grid

    def _case_input(self, rng, village, grid, story, ctx, parties, dispute_type, risk, source, occurred,
                    prefix="") -> services.CaseInput:
        title = ctx.render(rng.choice(story.titles))
        extras = [ctx.render(e) for e in rng.sample(EXTRA_NOTES, 2)]
        if risk != RiskLevel.NORMAL:
            extras.append(rng.choice(ELEVATED_NOTES))
        description = prefix + ctx.render(story.text) + "".join(extras)
        people = ctx["n"] if story.group else (len(parties) if rng.random() < 0.6 else None)
        amount = Decimal(ctx["amount"]) if story.amount else None
        lat = lon = None
        if source == Source.GRID_PATROL or rng.random() < 0.3:
            lat = Decimal(f"{village.lat + rng.uniform(-0.006, 0.006):.6f}")
            lon = Decimal(f"{village.lon + rng.uniform(-0.006, 0.006):.6f}")
        return services.CaseInput(
            title=title[:100], description=description[:5000], dispute_type=dispute_type, grid=grid,
            parties=list(parties), risk_level=risk, source=source,
            address=(ctx.render(story.place) if story.place else ctx["addr"])[:200],
            occurred_at=occurred, latitude=lat, longitude=lon, people_involved=people, amount_involved=amount,
        )


def _parties(rng: random.Random, village: _Village, story: Story, ctx: _Context, *, complete: bool) -> list[services.PartyInput]:
    """The parties of a story; fills the {a} {b} {c} slots with their names."""

    def one(kind: str, kin_of: str = "") -> _Person:
        named = {
            "company": ctx["company"], "property": ctx["property_co"], "hospital": ctx["hospital"],
            "clinic": ctx["clinic"], "shop": ctx["shop"], "restaurant": ctx["restaurant"], "insurer": ctx["insurer"],
            "committee": f"{village.region.name}村民委员会", "government": f"{village.township.name}人民政府",
        }
        if kind in named:
            return _Person(named[kind], "", _mobile(rng) if rng.random() < 0.4 else "")
        if kind in ("person", "man", "woman", "elder") and rng.random() < 0.08:
            return rng.choice(village.regulars)  # someone who has been here before
        if kind == "kin":  # a son or brother: same family name
            return _person(rng, kind="man", surname=kin_of[:1], complete=complete)
        if kind == "boss":
            return _person(rng, kind="man")
        return _person(rng, kind=kind, complete=complete)

    applicant = one(story.applicant)
    respondent = one(story.respondent, kin_of=applicant.name)
    if respondent.name == applicant.name:
        respondent = _person(rng, kind="man", surname=applicant.name[:1] if story.respondent == "kin" else "")
    ctx["a"], ctx["b"] = applicant.name, respondent.name
    result = [services.PartyInput(PartyRole.APPLICANT, applicant.name, applicant.id_number, applicant.phone)]
    if story.group:
        for _ in range(rng.randint(1, 3)):
            p = _person(rng, kind=story.applicant if story.applicant in ("worker", "person") else "person")
            result.append(services.PartyInput(PartyRole.APPLICANT, p.name, p.id_number, p.phone))
    result.append(services.PartyInput(PartyRole.RESPONDENT, respondent.name, respondent.id_number, respondent.phone))
    third = one(story.third, kin_of=applicant.name) if story.third else _person(rng)
    ctx["c"] = third.name
    if story.third:
        result.append(services.PartyInput(PartyRole.THIRD_PARTY, third.name, third.id_number, third.phone))
    return result


# --------------------------------------------------------------------------------------------
# Carrying plans out.
# --------------------------------------------------------------------------------------------

ACTIONS: dict[str, Callable] = {
    **services.SERVICES,
    "pause_clock": services.case_pause_clock,
    "resume_clock": services.case_resume_clock,
}


def _carry_out(unit: _Unit, existing: set[str], horizon: dt.datetime) -> int:
    """File the unit's new cases and take their steps up to the horizon, in time order. Returns cases created."""
    case_ids: dict[int, int] = {}
    skipped: set[int] = set()
    created = 0
    filings = [(c.filed_at, m, c) for m, c in enumerate(unit.cases)]
    steps = sorted([(f[0], 0, f[1], f) for f in filings] + [(s.at, 1, s.member, s) for s in unit.steps],
                   key=lambda item: (item[0], item[1], item[2]))
    for at, kind, member, item in steps:
        if at > horizon:
            continue  # not yet: the case stays open where it is
        if member in skipped:
            continue
        if kind == 0:
            plan = item[2]
            if plan.key in existing:
                skipped.add(member)
                continue
            with clock.travel_to(at):
                case, is_new = services.case_file(actor=plan.filer, data=plan.data, idempotency_key=plan.key)
            DemoCase.objects.get_or_create(key=plan.key, defaults={"case": case})
            case_ids[member] = case.pk
            if not is_new:
                skipped.add(member)
                continue
            created += 1
            continue
        step: _Step = item
        kwargs = dict(step.kwargs)
        if step.action == "merge":
            into = kwargs.pop("into_member")
            if into not in case_ids or into in skipped:
                # The case it duplicates was filed by an earlier run and has moved on: withdraw instead.
                step = _Step(step.at, step.member, "withdraw", step.actor, {"note": "与此前已登记的案件重复，申请人撤回。"})
                kwargs = dict(step.kwargs)
            else:
                kwargs["into"] = case_ids[into]
        if step.action == "record_agreement":
            kwargs = _resolve_parties(case_ids[step.member], kwargs)
        try:
            with clock.travel_to(at):
                ACTIONS[step.action](case_id=case_ids[step.member], actor=step.actor, **kwargs)
        except Exception as exc:
            exc.add_note(f"demo case {unit.cases[step.member].key}: {step.action} by {step.actor.username} at {at}")
            raise
    return created


def _resolve_parties(case_id: int, kwargs: dict) -> dict:
    """An agreement's plan names parties by role: the obliged respondent, and every party signing."""
    parties = list(Party.objects.filter(case_id=case_id).order_by("id").values_list("role", "id"))
    ids = {role: pk for role, pk in reversed(parties)}  # the first party of each role
    everyone = [pk for _, pk in parties]
    obligations = [{**o, "party": ids.get(o["party"]) or ids.get(PartyRole.APPLICANT)} for o in kwargs["obligations"]]
    return {**kwargs, "obligations": obligations, "signatures": [{"party": pk} for pk in everyone]}


UNREAD_WINDOW = dt.timedelta(days=7)


def generate_cases(topology: Topology, *, count: int, seed: int, stdout) -> int:
    """File `count` past cases (keys demo-<seed>-0 … -<count-1>) and live them through; returns how many are new.

    Idempotent: cases whose key is recorded (`DemoCase`) are left alone.
    """
    if count <= 0:
        return 0
    now = clock.now()
    # The history ends at the start of today (local), not at now: see the module's docstring.
    horizon = dt.datetime.combine(timezone.localdate(now), dt.time(0), tzinfo=timezone.get_current_timezone())
    villages = _load_villages(topology, seed)
    planner = _Planner(villages, seed, horizon)
    prefix = f"demo-{seed}-"
    existing = set(DemoCase.objects.filter(key__startswith=prefix).values_list("key", flat=True))

    units: list[_Unit] = []
    index, unit_no = 0, 0
    while index < count:
        size = planner.size(unit_no)
        keys = {f"{prefix}{i}" for i in range(index, min(index + size, count))}
        if not keys <= existing:
            units.append(planner.plan(unit_no, index, count))
        index += size
        unit_no += 1
    # Filed in time order, so case numbers and ids grow with the filing date as in real use.
    units.sort(key=lambda u: u.first_at)

    todo = sum(1 for u in units for c in u.cases if c.key not in existing)
    created = 0
    show = todo >= 200 and sys.stderr.isatty()
    with tqdm(total=todo, unit="case", desc="demo cases", disable=not show, file=sys.stderr) as bar:
        for start in range(0, len(units), BATCH):
            with transaction.atomic():
                for unit in units[start:start + BATCH]:
                    made = _carry_out(unit, existing, horizon)
                    created += made
                    bar.update(sum(1 for c in unit.cases if c.key not in existing))
    if created:
        _read_old_notifications(before=now - UNREAD_WINDOW)
    if created < count:
        stdout.write(f"{count - created} of the {count} demo cases (seed {seed}) were already on file.")
    return created


def _read_old_notifications(*, before: dt.datetime) -> None:
    """The staff have long seen the notices of the past; the last week's stay unread, so the
    live board opens on what a supervisor would still have to look at."""
    from flows.models import Notification

    Notification.objects.filter(read_at__isnull=True, created_at__lt=before).update(read_at=F("created_at"))
