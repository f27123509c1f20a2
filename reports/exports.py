"""The export trail (导出留痕): every ledger export and report download is recorded before its
first byte leaves, so an export cut off half-way is on record too."""
from __future__ import annotations

from casework import clock
from casework.models import Region, User
from reports.models import ExportRecord


def record_export(*, user: User, kind: str, format: str, region: Region | None, params: dict,
                  masked: bool, rows: int | None = None) -> ExportRecord:
    return ExportRecord.objects.create(user=user, kind=kind, format=format, region=region, params=params,
                                       masked=masked, rows=rows, created_at=clock.now())
