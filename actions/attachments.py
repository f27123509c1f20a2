"""Attachments (photos, scanned documents) on a case."""
from __future__ import annotations

import hashlib
import uuid

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import check_access, lock_for, record_change
from casework import permissions as perms
from casework.ladder import EventAction
from casework.models import Attachment, User


def _refusal() -> str:
    return _("Your role may not add attachments to this case.")


def check_attach(case, actor: User) -> None:
    """Who may attach files to the case, before the upload is read: 404, then 403."""
    check_access(case, actor, may=perms.may_attach, refusal=_refusal())


@transaction.atomic
def case_add_attachment(*, case_id: int, actor: User, upload: File, content_type: str, extension: str) -> Attachment:
    """Store a file whose type was recognized from its content, under a name we choose."""
    case = lock_for(case_id, actor, may=perms.may_attach, refusal=_refusal())
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case=case, original_name=upload.name[:255], content_type=content_type, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=actor,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    record_change(case, actor=actor, action=EventAction.ATTACH,
                  data={"attachment": attachment.pk, "content_type": content_type, "size": upload.size,
                        "sha256": attachment.sha256})
    return attachment
