"""The flow chart (流程图) inside the product, in the reader's language, and its BPMN export.

viewflow draws the chart from the flow's node titles (flows/flows.py `.Annotation(title=…)`,
translated when the chart is drawn) and labels a gate's two ways with the fixed English words
"yes" and "no" (viewflow.workflow.nodes.if_gate); those two are translated here, on the grid
viewflow lays out, before it is drawn.
"""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from viewflow.workflow import chart

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
        if request.GET.get("format") == "bpmn":
            access.ensure_may_open(request.user, "flow-bpmn")
            response = HttpResponse(chart.grid_to_bpmn(grid), content_type="application/xml")
            filename = self.flow_class.instance.flow_label.replace("/", "_")
            response["Content-Disposition"] = f'attachment; filename="{filename}.bpmn"'
            return response
        return HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")
