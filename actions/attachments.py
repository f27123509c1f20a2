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


def case_add_attachment(*, case_id: int, actor: User, upload: File, content_type: str, extension: str) -> Attachment:
    """Store a file whose type was recognized from its content, under a name we choose."""
    attachment, _created = case_attach(case_id=case_id, actor=actor, upload=upload, content_type=content_type,
                                       extension=extension)
    return attachment


@transaction.atomic
def case_attach(*, case_id: int, actor: User, upload: File, content_type: str, extension: str,
                idempotency_key: str = "") -> tuple[Attachment, bool]:
    """Store a file on the case; returns (attachment, created).

    With an idempotency key, sending the same upload again (a tablet's queued photo whose response
    was lost) returns the attachment the first upload made and stores nothing. The key is looked up
    under the case's row lock, so two racing retries make one attachment; the unique constraint
    backs that up.
    """
    case = lock_for(case_id, actor, may=perms.may_attach, refusal=_refusal())
    if idempotency_key:
        existing = Attachment.objects.filter(case=case, uploaded_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case=case, original_name=upload.name[:255], content_type=content_type, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=actor, idempotency_key=idempotency_key,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    record_change(case, actor=actor, action=EventAction.ATTACH,
                  data={"attachment": attachment.pk, "content_type": content_type, "size": upload.size,
                        "sha256": attachment.sha256})
    return attachment, True
