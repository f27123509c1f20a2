"""The ledgers (台账): the registers a committee or a center keeps, generated from the record.

- 人民调解案件登记台账 (`cases`): one row per case filed in [start, end] (local dates) under the
  scope — its parties, type, summary, where it was filed, who mediated, how it stands or ended,
  whether the agreement was performed, the follow-up visit (回访), the closing date.
- 分流转办台账 (`referrals`): one row per referral to a one-stop channel (多元化解分流) *sent* in
  [start, end] under the scope — a referral is registered when it is made, so a case filed in
  December and referred in January is in January's referral ledger — with the channel, the
  receiving body, its receipt and its reply.

A row is the record as it is now (unlike the statistics, there is no `as_of`).

Personal data is masked for the whole export or not at all (`LedgerScope.masked`, decided by
`reports.selectors.ledger_scope` from the viewer's roles): masked, a party's name keeps only the
surname (`mask_name`), phones and ID numbers are masked as lists mask them, and so are the
parties' names where a description or a reply names them. Phones and ID numbers written into free
text are masked in every export, as search masks them.

Memory stays flat whatever the number of rows: records come as plain rows from
`.iterator(chunk_size=CHUNK)`, and what they show of related records (parties, mediators, the
agreement in force, the follow-up) is fetched per chunk, as plain rows too, in a fixed number of
queries per chunk, never one per row; the CSV is produced chunk by chunk; the xlsx is written by
XlsxWriter in its `constant_memory` mode to an anonymous temporary file, gone when closed.

The column headers and the titles are the official Chinese forms, written here in Chinese on
purpose: they are the form itself, not text to translate. For the same reason the cells (dispute
types, outcomes, satisfaction…) are rendered in Chinese whatever the viewer's language.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

import xlsxwriter
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from casework import clock
from casework.choices import Channel, DisputeType, Outcome, PartyRole, RegionLevel, Satisfaction, Status
from casework.models import Case, Party, Region, User, enclosing_paths, in_subtrees, path_at
from casework.validators import mask_id_number, mask_name, mask_numbers, mask_phone
from mediation.models import Agreement, FollowUpVisit, Obligation, Referral
from reports.exports import record_export
from reports.models import ExportKind, ExportRecord
from reports.stats import local_zone

CHUNK = 1000  # records fetched at a time, each chunk with its related rows
SUMMARY_LENGTH = 200  # characters of a description or a reply kept in a cell
LEDGER_LANGUAGE = "zh-hans"
SEPARATOR = "；"
Cell = int | str | dt.date
# What the cells say besides the labels of the record's choices.
WORDS = {
    "in_progress": pgettext_lazy("ledger", "In progress (%(stage)s)"),
    "fulfilled": pgettext_lazy("ledger", "Fulfilled"),
    "not_fulfilled": pgettext_lazy("ledger", "Not fulfilled"),
    "no_agreement": pgettext_lazy("ledger", "No agreement"),
    "not_followed_up": pgettext_lazy("ledger", "Not followed up"),
    "not_yet_due": pgettext_lazy("ledger", "Not yet due"),
    "awaiting_follow_up": pgettext_lazy("ledger", "Awaiting follow-up"),
    "awaiting_reply": pgettext_lazy("ledger", "Awaiting reply"),
    "resolved": pgettext_lazy("ledger", "Resolved"),
    "not_resolved": pgettext_lazy("ledger", "Not resolved"),
}
LABELLED = (PartyRole, DisputeType, Status, Outcome, Satisfaction, Channel)


@dataclass(frozen=True)
class LedgerScope:
    """What one export covers: the region subtrees, the date range, and whether to mask."""

    region: Region | None  # the region asked for, or the viewer's one region; None for several
    paths: list[str]
    name: str  # the region's name (names, for several) in the title and the file name
    start: dt.date
    end: dt.date
    masked: bool


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the spreadsheet


@dataclass(frozen=True)
class Ledger:
    kind: str  # the `kind` parameter of the API
    title: str
    export_kind: str  # reports.models.ExportKind
    columns: tuple[Column, ...]
    # The ledger's records in order, as plain rows (`.values()`), and what a chunk of them needs
    # of related records (a fixed number of queries), then the cells of one record.
    records: Callable[[LedgerScope], QuerySet]
    related: Callable[[list[dict], RowContext], object]
    row: Callable[[dict, int, object, RowContext], list[Cell]]

    def count(self, scope: LedgerScope) -> int:
        """The number of rows, in one COUNT query."""
        return self.records(scope).count()

    def rows(self, scope: LedgerScope) -> Iterator[list[Cell]]:
        """The rows in order, numbered from 1, in Chinese.

        Plain rows, not model instances: instances with prefetched relations point at each
        other, and such cycles outlive their chunk until the garbage collector's rare full
        pass, so memory would grow with the rows after all.
        """
        context = RowContext.for_scope(scope)
        records = self.records(scope).iterator(chunk_size=CHUNK)
        number = 0
        while chunk := list(islice(records, CHUNK)):
            related = self.related(chunk, context)
            for record in chunk:
                number += 1
                yield self.row(record, number, related, context)

    def filename(self, scope: LedgerScope, file_format: str) -> str:
        return f"{self.title}_{scope.name}_{scope.start.isoformat()}_{scope.end.isoformat()}.{file_format}"

    def heading(self, scope: LedgerScope) -> str:
        return f"{self.title}　{scope.name}　{scope.start.isoformat()} — {scope.end.isoformat()}"


@dataclass(frozen=True)
class RowContext:
    masked: bool
    today: dt.date
    region_names: dict[str, str]  # path → name, for the scope's regions and those enclosing them
    # The words in Chinese, looked up once per export (a label looked up per cell costs more
    # than the rest of the row), so that no language stays switched on between two rows.
    labels: dict[type, dict[str, str]]
    words: dict[str, str]
    user_labels: dict[int, str] = field(default_factory=dict)  # mediators met so far: few, kept

    @classmethod
    def for_scope(cls, scope: LedgerScope) -> RowContext:
        enclosing = {p for path in scope.paths for p in enclosing_paths(path)}
        names = dict(Region.objects.filter(in_subtrees(scope.paths) | Q(path__in=enclosing)).values_list("path", "name"))
        with translation.override(LEDGER_LANGUAGE):
            labels = {choices: {value: str(label) for value, label in choices.choices} for choices in LABELLED}
            words = {key: str(text) for key, text in WORDS.items()}
        return cls(masked=scope.masked, today=timezone.localdate(clock.now(), local_zone()), region_names=names,
                   labels=labels, words=words)

    def label(self, choices: type, value: str) -> str:
        return self.labels[choices].get(value, value)

    def region_cells(self, grid_path: str) -> list[str]:
        """The township, village and grid of a case filed in the grid `grid_path`."""
        return [self.region_names.get(path_at(grid_path, level), "")
                for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE, RegionLevel.GRID)]

    def name(self, party: dict) -> str:
        return mask_name(party["name"]) if self.masked else party["name"]

    def free_text(self, text: str, parties: list[dict]) -> str:
        """A description or a reply for a cell (`summary`); masked, the parties' names in it
        are masked as in their own column (张玲彩 → 张*彩), the longest first so that a name
        inside another is not left half masked."""
        if self.masked:
            for name in sorted({p["name"] for p in parties if len(p["name"]) > 1}, key=len, reverse=True):
                text = text.replace(name, mask_name(name))
        return summary(text)

    def load_users(self, ids: set[int]) -> None:
        """The labels of these users (mediators), in one query for those not met before."""
        missing = ids - self.user_labels.keys()
        if missing:
            self.user_labels.update((u.pk, u.label) for u in User.objects.filter(pk__in=missing))


def local_date(moment: dt.datetime | None) -> dt.date | str:
    return moment.astimezone(local_zone()).date() if moment else ""


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[since, until): from the start of `start` to the start of the day after `end`, local time."""
    zone = local_zone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


_SPACES = re.compile(r"\s+")


def summary(text: str) -> str:
    """Free text for a cell: numbers masked, on one line, at most SUMMARY_LENGTH characters."""
    text = _SPACES.sub(" ", mask_numbers(text)).strip()
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH - 1] + "…"


def parties_by_case(case_ids: list[int]) -> dict[int, list[dict]]:
    parties = defaultdict(list)
    for party in (Party.objects.filter(case_id__in=case_ids).order_by("id")
                  .values("case_id", "role", "name", "id_number", "phone")):
        parties[party["case_id"]].append(party)
    return parties


def parties_cell(parties: list[dict], context: RowContext) -> str:
    return SEPARATOR.join(f"{context.name(p)}（{context.label(PartyRole, p['role'])}）" for p in parties)


def phones_cell(parties: list[dict], context: RowContext) -> str:
    return SEPARATOR.join(f"{context.name(p)}：{mask_phone(p['phone']) if context.masked else p['phone']}"
                          for p in parties if p["phone"])


def id_numbers_cell(parties: list[dict], context: RowContext) -> str:
    return SEPARATOR.join(
        f"{context.name(p)}：{mask_id_number(p['id_number']) if context.masked else p['id_number']}"
        for p in parties if p["id_number"])


# --- 人民调解案件登记台账 ------------------------------------------------------------------------


def filed_cases(scope: LedgerScope) -> QuerySet:
    """The cases filed in the range under the scope, oldest first, as plain rows."""
    since, until = day_bounds(scope.start, scope.end)
    return (
        Case.objects.filter(in_subtrees(scope.paths, "region_path"), created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "id")
        .values("id", "number", "created_at", "description", "dispute_type", "region_path", "status", "outcome",
                "closed_at")
    )


@dataclass
class CaseRelated:
    """What the rows of a chunk of cases show of related records, fetched in six queries."""

    parties: dict[int, list[dict]]
    assigned: dict[int, list[int]]  # case → the mediators assigned to it (user ids)
    agreement: dict[int, int]  # case → its agreement in force (the latest not superseded)
    agreed_by: dict[int, list[int]]  # agreement → the mediators who mediated it
    last_due: dict[int, dt.date]  # agreement → the due date of its last obligation
    visit: dict[int, dict]  # case → its latest follow-up visit (回访)


def case_related(chunk: list[dict], context: RowContext) -> CaseRelated:
    ids = [c["id"] for c in chunk]
    assigned, agreed_by, agreement, visit = defaultdict(list), defaultdict(list), {}, {}
    for link in Case.mediators.through.objects.filter(case_id__in=ids).order_by("user_id").values("case_id", "user_id"):
        assigned[link["case_id"]].append(link["user_id"])
    for row in (Agreement.objects.filter(case_id__in=ids, superseded=False)
                .order_by("case_id", "-recorded_at", "-id").values("case_id", "id")):
        agreement.setdefault(row["case_id"], row["id"])
    agreements = list(agreement.values())
    for link in (Agreement.mediators.through.objects.filter(agreement_id__in=agreements).order_by("user_id")
                 .values("agreement_id", "user_id")):
        agreed_by[link["agreement_id"]].append(link["user_id"])
    last_due = dict(Obligation.objects.filter(agreement_id__in=agreements).order_by()
                    .values("agreement_id").annotate(last=Max("due_date")).values_list("agreement_id", "last"))
    for row in (FollowUpVisit.objects.filter(case_id__in=ids).order_by("case_id", "-visited_at", "-id")
                .values("case_id", "fulfilled", "satisfaction", "visited_at")):
        visit.setdefault(row["case_id"], row)
    context.load_users({u for users in (*assigned.values(), *agreed_by.values()) for u in users})
    return CaseRelated(parties_by_case(ids), assigned, agreement, agreed_by, last_due, visit)


def outcome_cell(case: dict, context: RowContext) -> str:
    if case["status"] == Status.CLOSED:
        return context.label(Outcome, case["outcome"])
    return context.words["in_progress"] % {"stage": context.label(Status, case["status"])}


def fulfilment_cell(case: dict, agreement: int | None, last_due: dt.date | None, visit: dict | None,
                    context: RowContext) -> str:
    """协议履行: what the follow-up found, or why there is nothing to say yet."""
    if visit is not None:
        return context.words["fulfilled" if visit["fulfilled"] else "not_fulfilled"]
    if agreement is None:
        return context.words["no_agreement"]
    if case["status"] == Status.CLOSED:
        return context.words["not_followed_up"]
    if last_due is not None and last_due >= context.today:
        return context.words["not_yet_due"]
    return context.words["awaiting_follow_up"]


def case_row(case: dict, number: int, related: CaseRelated, context: RowContext) -> list[Cell]:
    parties = related.parties.get(case["id"], [])
    agreement = related.agreement.get(case["id"])
    visit = related.visit.get(case["id"])
    # Who mediated: those of the agreement in force, else those assigned to the case.
    mediators = related.agreed_by.get(agreement, []) or related.assigned.get(case["id"], [])
    return [
        number,
        case["number"],
        local_date(case["created_at"]),
        parties_cell(parties, context),
        phones_cell(parties, context),
        id_numbers_cell(parties, context),
        context.label(DisputeType, case["dispute_type"]),
        context.free_text(case["description"], parties),
        *context.region_cells(case["region_path"]),
        "、".join(context.user_labels[m] for m in mediators),
        outcome_cell(case, context),
        fulfilment_cell(case, agreement, related.last_due.get(agreement), visit, context),
        (f"{local_date(visit['visited_at']).isoformat()} {context.label(Satisfaction, visit['satisfaction'])}"
         if visit else ""),
        local_date(case["closed_at"]) if case["status"] == Status.CLOSED else "",
    ]


REGION_COLUMNS = (Column("所属镇（街道）", 12), Column("所属村（社区）", 12), Column("所属网格", 16))

CASES = Ledger(
    kind="cases",
    title="人民调解案件登记台账",
    export_kind=ExportKind.LEDGER,
    columns=(
        Column("序号", 7), Column("案件编号", 22), Column("受理日期", 12), Column("当事人", 30),
        Column("联系电话", 30), Column("身份证号", 40), Column("纠纷类型", 14), Column("简要案情", 60),
        *REGION_COLUMNS, Column("调解员", 16), Column("调解结果", 22), Column("协议履行", 10),
        Column("回访", 18), Column("结案日期", 12),
    ),
    records=filed_cases,
    related=case_related,
    row=case_row,
)


# --- 分流转办台账 --------------------------------------------------------------------------------


def referrals_sent(scope: LedgerScope) -> QuerySet:
    """The referrals sent in the range, of cases under the scope, oldest first, as plain rows with
    what they show of their case."""
    since, until = day_bounds(scope.start, scope.end)
    return (
        Referral.objects.filter(in_subtrees(scope.paths, "case__region_path"), sent_at__gte=since, sent_at__lt=until)
        .order_by("sent_at", "id")
        .values("case_id", "case__number", "case__dispute_type", "case__region_path", "sent_at", "channel",
                "receiving_body", "received_at", "replied_at", "reply", "resolved")
    )


def referral_related(chunk: list[dict], context: RowContext) -> dict[int, list[dict]]:
    """The parties of the chunk's cases, in one query."""
    return parties_by_case(list({r["case_id"] for r in chunk}))


def referral_result_cell(referral: dict, parties: list[dict], context: RowContext) -> str:
    if referral["resolved"] is None:
        return context.words["awaiting_reply"]
    verdict = context.words["resolved" if referral["resolved"] else "not_resolved"]
    return f"{verdict}：{context.free_text(referral['reply'], parties)}" if referral["reply"].strip() else verdict


def referral_row(referral: dict, number: int, parties: dict[int, list[dict]], context: RowContext) -> list[Cell]:
    return [
        number,
        referral["case__number"],
        parties_cell(parties.get(referral["case_id"], []), context),
        context.label(DisputeType, referral["case__dispute_type"]),
        *context.region_cells(referral["case__region_path"]),
        local_date(referral["sent_at"]),
        context.label(Channel, referral["channel"]),
        referral["receiving_body"],
        local_date(referral["received_at"]),
        local_date(referral["replied_at"]),
        referral_result_cell(referral, parties.get(referral["case_id"], []), context),
    ]


REFERRALS = Ledger(
    kind="referrals",
    title="分流转办台账",
    export_kind=ExportKind.REFERRAL_LEDGER,
    columns=(
        Column("序号", 7), Column("案件编号", 22), Column("当事人", 30), Column("纠纷类型", 14), *REGION_COLUMNS,
        Column("分流日期", 12), Column("分流渠道", 16), Column("接收单位", 30), Column("签收日期", 12),
        Column("回复日期", 12), Column("处理结果", 50),
    ),
    records=referrals_sent,
    related=referral_related,
    row=referral_row,
)

LEDGERS = {ledger.kind: ledger for ledger in (CASES, REFERRALS)}


# --- writers ------------------------------------------------------------------------------------

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): quoted as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> str | int:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(ledger: Ledger, scope: LedgerScope) -> Iterator[bytes]:
    """The ledger as UTF-8 CSV with a BOM, one header line then the rows, CHUNK rows a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([c.header for c in ledger.columns])
    for number, row in enumerate(ledger.rows(scope), 1):
        writer.writerow([csv_cell(v) for v in row])
        if number % CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(ledger: Ledger, scope: LedgerScope) -> BinaryIO:
    """The ledger as an xlsx workbook in an anonymous temporary file, positioned at its start.

    A title row (ledger, region, range), then the bold header row, both frozen, then the rows;
    dates are real dates. XlsxWriter's constant_memory mode writes each row out as it comes.
    """
    out = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        # XlsxWriter's own scratch files (the rows, then the zip's parts) go to a folder removed
        # afterwards, even when the export fails half-way.
        with tempfile.TemporaryDirectory(prefix="ledger-") as scratch:
            _write_xlsx(ledger, scope, out, scratch)
        out.seek(0)
        return out
    except BaseException:
        out.close()
        raise


def _write_xlsx(ledger: Ledger, scope: LedgerScope, out: BinaryIO, scratch: str) -> None:
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": scratch, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    sheet = workbook.add_worksheet(ledger.title)
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(ledger.columns):
        sheet.set_column(index, index, column.width)
    sheet.write_string(0, 0, ledger.heading(scope), title)
    for index, column in enumerate(ledger.columns):
        sheet.write_string(1, index, column.header, header)
    sheet.freeze_panes(2, 0)
    for row_index, row in enumerate(ledger.rows(scope), 2):
        for index, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(row_index, index, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row_index, index, value, date)
            elif value:
                sheet.write_string(row_index, index, value)
    workbook.close()


def record_ledger_export(*, user: User, ledger: Ledger, scope: LedgerScope, file_format: str) -> ExportRecord:
    """Record the export (reports.exports) before its first byte is sent: who, which ledger, which
    region and range, masked or not, and how many rows (one COUNT query). Never personal data."""
    return record_export(user=user, kind=ledger.export_kind, format=file_format, region=scope.region,
                         params={"from": scope.start.isoformat(), "to": scope.end.isoformat(), "kind": ledger.kind},
                         masked=scope.masked, rows=ledger.count(scope))
