"""The search outbox (搜索索引待更新): one row per change of a case, written in the change's own
transaction, so the search index can be brought up to date from it even after the search engine
was down. The search worker drains it; nothing else reads it."""
from __future__ import annotations

from django.db import models

from casework import clock

__all__ = ["SearchOutbox"]


class SearchOutbox(models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()  # the case version the change produced
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"
