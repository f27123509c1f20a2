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
surname (`mask_name`), phones and ID numbers are masked as lists mask them. Phones and ID numbers
written into free text (a description, a reply) are masked in every export, as search masks them.

Memory stays flat whatever the number of rows: rows come from `.iterator(chunk_size=CHUNK)` and
what a row shows of related records is prefetched per chunk (a fixed number of queries per chunk,
never one per row); the CSV is produced chunk by chunk; the xlsx is written by XlsxWriter in its
`constant_memory` mode to an anonymous temporary file, which disappears when closed.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import xlsxwriter
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import pgettext

from casework import clock
from casework.choices import RegionLevel, Status
from casework.models import Case, Party, Region, User, enclosing_paths, in_subtrees, path_at
from casework.validators import mask_id_number, mask_name, mask_numbers, mask_phone
from mediation.models import Agreement, FollowUpVisit, Referral
from reports.exports import record_export
from reports.models import ExportKind, ExportRecord
from reports.stats import local_zone

CHUNK = 1000  # rows fetched (and their related rows prefetched) at a time
SUMMARY_LENGTH = 200  # characters of a description or a reply kept in a cell
LEDGER_LANGUAGE = "zh-hans"
SEPARATOR = "；"
Cell = int | str | dt.date


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
    queryset: Callable[[LedgerScope], QuerySet]
    row: Callable[[object, int, RowContext], list[Cell]]

    def count(self, scope: LedgerScope) -> int:
        """The number of rows, in one COUNT query."""
        return self.queryset(scope).count()

    def rows(self, scope: LedgerScope) -> Iterator[list[Cell]]:
        """The rows in order, numbered from 1, in Chinese."""
        context = RowContext.for_scope(scope)
        with translation.override(LEDGER_LANGUAGE):
            for number, obj in enumerate(self.queryset(scope).iterator(chunk_size=CHUNK), 1):
                yield self.row(obj, number, context)

    def filename(self, scope: LedgerScope, file_format: str) -> str:
        return f"{self.title}_{scope.name}_{scope.start.isoformat()}_{scope.end.isoformat()}.{file_format}"

    def heading(self, scope: LedgerScope) -> str:
        return f"{self.title}　{scope.name}　{scope.start.isoformat()} — {scope.end.isoformat()}"


@dataclass(frozen=True)
class RowContext:
    masked: bool
    today: dt.date
    region_names: dict[str, str]  # path → name, for the scope's regions and those enclosing them

    @classmethod
    def for_scope(cls, scope: LedgerScope) -> RowContext:
        enclosing = {p for path in scope.paths for p in enclosing_paths(path)}
        names = dict(Region.objects.filter(in_subtrees(scope.paths) | Q(path__in=enclosing)).values_list("path", "name"))
        return cls(masked=scope.masked, today=timezone.localdate(clock.now(), local_zone()), region_names=names)

    def region_cells(self, grid_path: str) -> list[str]:
        """The township, village and grid of a case filed in the grid `grid_path`."""
        return [self.region_names.get(path_at(grid_path, level), "")
                for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE, RegionLevel.GRID)]

    def name(self, party: Party) -> str:
        return mask_name(party.name) if self.masked else party.name


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


def parties_cell(parties: list[Party], context: RowContext) -> str:
    return SEPARATOR.join(f"{context.name(p)}（{p.get_role_display()}）" for p in parties)


def phones_cell(parties: list[Party], context: RowContext) -> str:
    return SEPARATOR.join(f"{context.name(p)}：{mask_phone(p.phone) if context.masked else p.phone}"
                          for p in parties if p.phone)


def id_numbers_cell(parties: list[Party], context: RowContext) -> str:
    return SEPARATOR.join(f"{context.name(p)}：{mask_id_number(p.id_number) if context.masked else p.id_number}"
                          for p in parties if p.id_number)


# --- 人民调解案件登记台账 ------------------------------------------------------------------------


def filed_cases(scope: LedgerScope) -> QuerySet[Case]:
    """The cases filed in the range under the scope, oldest first, with what a row shows of their
    related records prefetched (per chunk, when iterated in chunks)."""
    since, until = day_bounds(scope.start, scope.end)
    current = (Agreement.objects.filter(superseded=False).order_by("-recorded_at", "-id")
               .prefetch_related(Prefetch("mediators", queryset=User.objects.order_by("id")), "obligations"))
    return (
        Case.objects.filter(in_subtrees(scope.paths, "region_path"), created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "id")
        .prefetch_related(
            "parties",
            Prefetch("mediators", queryset=User.objects.order_by("id")),
            Prefetch("agreements", queryset=current, to_attr="current_agreements"),
            Prefetch("follow_ups", queryset=FollowUpVisit.objects.order_by("-visited_at", "-id"), to_attr="visits"),
        )
    )


def outcome_cell(case: Case) -> str:
    if case.status == Status.CLOSED:
        return case.get_outcome_display()
    return pgettext("ledger", "In progress (%(stage)s)") % {"stage": case.get_status_display()}


def fulfilment_cell(case: Case, agreement: Agreement | None, visit: FollowUpVisit | None, today: dt.date) -> str:
    """协议履行: what the follow-up found, or why there is nothing to say yet."""
    if visit is not None:
        return pgettext("ledger", "Fulfilled") if visit.fulfilled else pgettext("ledger", "Not fulfilled")
    if agreement is None:
        return pgettext("ledger", "No agreement")
    if case.status == Status.CLOSED:
        return pgettext("ledger", "Not followed up")
    due = [o.due_date for o in agreement.obligations.all()]
    if due and max(due) >= today:
        return pgettext("ledger", "Not yet due")
    return pgettext("ledger", "Awaiting follow-up")


def case_row(case: Case, number: int, context: RowContext) -> list[Cell]:
    parties = list(case.parties.all())
    agreement = case.current_agreements[0] if case.current_agreements else None
    visit = case.visits[0] if case.visits else None
    mediators = (list(agreement.mediators.all()) if agreement else []) or list(case.mediators.all())
    return [
        number,
        case.number,
        local_date(case.created_at),
        parties_cell(parties, context),
        phones_cell(parties, context),
        id_numbers_cell(parties, context),
        case.get_dispute_type_display(),
        summary(case.description),
        *context.region_cells(case.region_path),
        "、".join(m.label for m in mediators),
        outcome_cell(case),
        fulfilment_cell(case, agreement, visit, context.today),
        f"{local_date(visit.visited_at).isoformat()} {visit.get_satisfaction_display()}" if visit else "",
        local_date(case.closed_at) if case.status == Status.CLOSED else "",
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
    queryset=filed_cases,
    row=case_row,
)


# --- 分流转办台账 --------------------------------------------------------------------------------


def referrals_sent(scope: LedgerScope) -> QuerySet[Referral]:
    """The referrals sent in the range, of cases under the scope, oldest first, each with its case
    and the case's parties (prefetched per chunk)."""
    since, until = day_bounds(scope.start, scope.end)
    return (
        Referral.objects.filter(in_subtrees(scope.paths, "case__region_path"), sent_at__gte=since, sent_at__lt=until)
        .select_related("case")
        .prefetch_related("case__parties")
        .order_by("sent_at", "id")
    )


def referral_result_cell(referral: Referral) -> str:
    if referral.resolved is None:
        return pgettext("ledger", "Awaiting reply")
    verdict = pgettext("ledger", "Resolved") if referral.resolved else pgettext("ledger", "Not resolved")
    return f"{verdict}：{summary(referral.reply)}" if referral.reply.strip() else verdict


def referral_row(referral: Referral, number: int, context: RowContext) -> list[Cell]:
    case = referral.case
    return [
        number,
        case.number,
        parties_cell(list(case.parties.all()), context),
        case.get_dispute_type_display(),
        *context.region_cells(case.region_path),
        local_date(referral.sent_at),
        referral.get_channel_display(),
        referral.receiving_body,
        local_date(referral.received_at),
        local_date(referral.replied_at),
        referral_result_cell(referral),
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
    queryset=referrals_sent,
    row=referral_row,
)

LEDGERS = {ledger.kind: ledger for ledger in (CASES, REFERRALS)}


# --- writers ------------------------------------------------------------------------------------

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): quoted as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Cell) -> str | int:
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
        writer.writerow([_csv_cell(v) for v in row])
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
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
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
        out.seek(0)
        return out
    except BaseException:
        out.close()
        raise


def record_ledger_export(*, user: User, ledger: Ledger, scope: LedgerScope, file_format: str) -> ExportRecord:
    """Record the export (reports.exports) before its first byte is sent: who, which ledger, which
    region and range, masked or not, and how many rows (one COUNT query). Never personal data."""
    return record_export(user=user, kind=ledger.export_kind, format=file_format, region=scope.region,
                         params={"from": scope.start.isoformat(), "to": scope.end.isoformat(), "kind": ledger.kind},
                         masked=scope.masked, rows=ledger.count(scope))
