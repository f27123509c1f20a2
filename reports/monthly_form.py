"""The monthly report as a form (月报表): its sections, labelled once for the printable page and the
xlsx download alike. Labels are English msgids; the xlsx is always written in Chinese (zh-hans),
the form a county files, whatever the reader's language."""
from __future__ import annotations

import io
from dataclasses import dataclass

import xlsxwriter
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.choices import DisputeType, RegionLevel
from reports.models import MonthlyReport

FLOW = (
    ("carried_over", gettext_lazy("Carried over from earlier months")),  # 上月结转
    ("filed", gettext_lazy("Filed in the month")),  # 本月新受理
    ("concluded", gettext_lazy("Concluded in the month")),  # 本月办结
    ("resolved", gettext_lazy("of which resolved")),  # 其中化解成功
    ("merged", gettext_lazy("Merged as duplicates in the month")),  # 并单
    ("open_at_end", gettext_lazy("Open at the end of the month")),  # 月末在办
    ("major_risk", gettext_lazy("Major-risk cases on the books")),  # 重大矛盾纠纷
    ("major_risk_open", gettext_lazy("of which open at the end of the month")),
)
RUNGS = (
    ("grid", gettext_lazy("On the spot by the grid")),  # 网格就地化解
    ("village", gettext_lazy("By the village committee")),  # 村级化解
    ("township", gettext_lazy("At the township")),  # 乡镇化解
    ("channel", gettext_lazy("Through a one-stop channel")),  # 多元渠道化解
)
BY_TYPE = (
    ("carried_over", gettext_lazy("Carried over")),
    ("filed", gettext_lazy("Filed this month")),
    ("concluded", gettext_lazy("Concluded this month")),
    ("resolved", gettext_lazy("Resolved this month")),
    ("open_at_end", gettext_lazy("Open at month end")),
)
# The statistics of the cases filed in the month (reports.stats), as rates or days.
RATES = (
    ("resolution_rate", gettext_lazy("Resolution rate"), "rate"),  # 化解率
    ("mediation_success_rate", gettext_lazy("Mediation success rate"), "rate"),  # 调解成功率
    ("on_time_rate", gettext_lazy("Concluded on time"), "rate"),  # 按期办结率
    ("settled_in_village_share", gettext_lazy("Settled without leaving the village"), "rate"),  # 小事不出村
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"), "rate"),  # 满意率
    ("fulfilment_rate", gettext_lazy("Agreements performed"), "rate"),  # 协议履行率
    ("mean_days_to_resolution", gettext_lazy("Mean days to resolution"), "days"),
)


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list]  # first cell a label, then numbers (a rate as a fraction, None for “—”)
    kinds: list[str]  # per row: "count", "rate" or "days"

    @property
    def lines(self) -> list[tuple[list, str]]:
        return list(zip(self.rows, self.kinds, strict=True))


def title(report: MonthlyReport) -> str:
    # %(region)s: a village, township or county name; %(month)s: YYYY-MM
    return _("%(region)s — monthly dispute screening report, %(month)s") % {
        "region": report.region.name, "month": report.month}


def sections(figures: dict) -> list[Section]:
    """The report's tables, in the order of the form."""
    flow = Section(_("The month's cases"), [_("Item"), _("Cases")],
                   [[str(label), figures[key]] for key, label in FLOW], ["count"] * len(FLOW))
    rungs = Section(_("Where the cases resolved in the month were settled"), [_("Rung"), _("Cases")],
                    [[str(label), figures["resolved_by_rung"][key]] for key, label in RUNGS], ["count"] * len(RUNGS))
    types = dict(DisputeType.choices)
    by_type = Section(_("By dispute type"), [_("Dispute type"), *[str(label) for _k, label in BY_TYPE]],
                      [[str(types.get(kind, kind)), *[counts[key] for key, _l in BY_TYPE]]
                       for kind, counts in figures["by_dispute_type"].items()], [])
    by_type.kinds = ["count"] * len(by_type.rows)
    summary = figures["summary"]
    rates = Section(_("Cases filed in the month: how they stand at its end"), [_("Figure"), _("Value")],
                    [[str(label), summary[key]] for key, label, _kind in RATES], [kind for _k, _l, kind in RATES])
    return [flow, rungs, by_type, rates]


def level_label(level: str) -> str:
    return str(dict(RegionLevel.choices).get(level, level))


def xlsx(report: MonthlyReport) -> bytes:
    """The report as an xlsx workbook, in Chinese, the digest printed at its foot."""
    buffer = io.BytesIO()
    with translation.override("zh-hans"):
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(_("Monthly report"))
        heading = book.add_format({"bold": True, "font_size": 14})
        bold = book.add_format({"bold": True, "border": 1, "bg_color": "#EEEEEE"})
        cell = book.add_format({"border": 1})
        percent = book.add_format({"border": 1, "num_format": "0.0%"})
        days = book.add_format({"border": 1, "num_format": "0.0"})
        small = book.add_format({"font_size": 9})
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 6, 14)
        sheet.write(0, 0, title(report), heading)
        row = 1
        sheet.write(row, 0, _("Region: %(name)s (%(level)s, %(code)s)") % {
            "name": report.region.name, "level": level_label(report.region.level), "code": report.region.code})
        row += 1
        if report.zero_report:
            sheet.write(row, 0, _("Zero report: nothing to report this month"), heading)
            row += 1
        for section in sections(report.figures):
            row += 1
            sheet.write(row, 0, section.title, bold)
            row += 1
            for col, header in enumerate(section.headers):
                sheet.write(row, col, header, bold)
            for values, kind in zip(section.rows, section.kinds, strict=True):
                row += 1
                sheet.write(row, 0, values[0], cell)
                for col, value in enumerate(values[1:], start=1):
                    fmt = {"rate": percent, "days": days}.get(kind, cell)
                    if value is None:
                        sheet.write(row, col, "—", cell)
                    else:
                        sheet.write_number(row, col, value, fmt)
        row += 2
        local = timezone.localtime
        sheet.write(row, 0, _("Figures as of: %(moment)s") % {"moment": f"{local(report.as_of):%Y-%m-%d %H:%M}"}, small)
        sheet.write(row + 1, 0, _("Generated at: %(moment)s") % {
            "moment": f"{local(report.generated_at):%Y-%m-%d %H:%M}"}, small)
        sheet.write(row + 2, 0, _("Digest (SHA-256): %(digest)s") % {"digest": report.digest}, small)
        book.close()
    return buffer.getvalue()
