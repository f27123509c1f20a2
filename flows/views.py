"""The page a stage task opens: the case page, where the allowed actions are."""
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from viewflow.workflow.flow.views.chart import FlowChartView

from flows.models import DisputeProcess


class StageTaskView(View):
    def get(self, request, *args, process_pk=None, **kwargs):
        process = get_object_or_404(DisputeProcess.objects.only("case_id"), pk=process_pk)
        return redirect("ui:case", case_id=process.case_id)


class ProcessChartView(FlowChartView):
    """The flow chart (SVG, or BPMN 2.0 XML with ?format=bpmn): the process definition, which every
    signed-in user may read; viewflow's own view reserves it for process administrators."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return View.dispatch(self, request, *args, **kwargs)
