"""The workflow's process, bound one-to-one to a case (案件流程)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

__all__ = ["DisputeProcess"]


class DisputeProcess(Process):
    case = models.OneToOneField(
        "casework.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="process"
    )

    class Meta:
        verbose_name = _("dispute process")
        verbose_name_plural = _("dispute processes")
