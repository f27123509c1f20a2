"""The search outbox (搜索索引待更新): one row per change of a case, written in the change's own
transaction, so the search index can be brought up to date from it even after the search engine
was down. The search worker drains it; nothing else reads it."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock

__all__ = ["SearchOutbox"]


class SearchOutbox(models.Model):
    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version"))  # the case version the change produced
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("search outbox entry")
        verbose_name_plural = _("search outbox")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"
