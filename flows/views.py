"""The page a stage task opens: the case page, where the allowed actions are."""
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from flows.models import DisputeProcess


class StageTaskView(View):
    def get(self, request, *args, process_pk=None, **kwargs):
        process = get_object_or_404(DisputeProcess.objects.only("case_id"), pk=process_pk)
        return redirect("ui:case", case_id=process.case_id)

