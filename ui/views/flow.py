"""The flow chart (流程图) inside the product, in the reader's language, and its BPMN export.

viewflow draws the chart from the flow's node titles (flows/flows.py `.Annotation(title=…)`,
translated when the chart is drawn) and labels a gate's two ways with the fixed English words
"yes" and "no" (viewflow.workflow.nodes.if_gate); those two are translated here, on the grid
viewflow lays out, before it is drawn.

The deadlines are not nodes of the process (the clock rows are swept, README "Deadlines"), so
the chart draws each stage task's clock under its title, from the ladder and the default
deadline rules: how long the stage may take, the warning at two thirds, and what a breach does.
"""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from viewflow.workflow import chart

from casework import ladder
from casework.choices import DayCount
from casework.deadlines import resolve_rule
from casework.ladder import Breach, EventAction
from flows.flows import DisputeFlow
from ui import access

EDGE_LABELS = {"yes": _("yes"), "no": _("no")}


@access.page_for("ui:flow")
def flow_page(request):
    return render(request, "ui/flow.html", {"may_export": access.may_open(request.user, "flow-bpmn")})


class FlowChartView(View):
    """The chart as SVG for every signed-in user (an image the flow page shows), or as BPMN 2.0 XML
    (`?format=bpmn`) for administrators, who take the process definition to other systems."""

    flow_class = DisputeFlow

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        grid = chart.calc_layout_data(self.flow_class)
        for edge in grid.edges:
            edge.label = EDGE_LABELS.get(edge.label, edge.label)
        for cell in grid.cells:
            spec = ladder.STAGE_BY_TASK.get(cell.node.name)
            if spec is not None:
                draw_clock(cell, spec)
        if request.GET.get("format") == "bpmn":
            access.ensure_may_open(request.user, "flow-bpmn")
            response = HttpResponse(chart.grid_to_bpmn(grid), content_type="application/xml")
            filename = self.flow_class.instance.flow_label.replace("/", "_")
            response["Content-Disposition"] = f'attachment; filename="{filename}.bpmn"'
            return response
        return HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")


BREACH_LABELS = {Breach.ESCALATE: EventAction.ESCALATE.label, Breach.SUPERVISE: EventAction.SUPERVISION_ORDER.label}
CLOCK_FONT = 10


def clock_lines(spec: ladder.Stage) -> list[str]:
    """The stage's clock as the chart says it, short enough for the task's box: "⏱ 3 Calendar days",
    "⅔ deadline warning", "⚠ → escalate" (the default rule; a region's or a dispute type's may differ)."""
    terms = resolve_rule(kind=spec.clock, region_path="", dispute_type="")
    lines = [f"⏱ {terms.days} {dict(DayCount.choices)[terms.day_count]}", f"⅔ {EventAction.DEADLINE_WARNING.label}"]
    if spec.breach is not None:
        lines.append(f"⚠ → {BREACH_LABELS[spec.breach]}")
    return lines


def draw_clock(cell, spec: ladder.Stage) -> None:
    """The clock's lines under the task's title, the whole block centred in the task's box again."""
    texts = list(cell.shape.text)
    if not texts:
        return
    _text, css, size, x, _y = texts[0]
    lines = [(text, css, font_size) for text, css, font_size, _x, _y in texts]
    lines += [(line, css, CLOCK_FONT) for line in clock_lines(spec)]
    height = sum(font_size * 1.2 for _t, _c, font_size in lines[1:])
    y = int((cell.shape.height - height) / 2)
    cell.shape.text = []
    for text, css, font_size in lines:
        cell.shape.text.append((text, css, font_size, x, y))
        y += font_size * 1.2
