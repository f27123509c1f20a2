"""Attachments (photos, scanned documents) on a case."""
from __future__ import annotations

import hashlib
import uuid

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from casework import permissions as perms
from casework.errors import Forbidden, NotFound
from casework.models import Attachment, Case, User
from casework.services.audit import record_event


@transaction.atomic
def case_add_attachment(*, case_id: int, actor: User, upload: File, content_type: str, extension: str) -> Attachment:
    """Store a file whose type was recognized from its content, under a name we choose."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or not perms.can_see(actor, case):
        raise NotFound(_("No such case."))
    if not perms.may_see_personal_data(actor, case):
        raise Forbidden(_("Your role may not add attachments to this case."))
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
    case.version += 1
    record_event(case=case, actor=actor, action="attach", source=case.status,
                 data={"attachment": attachment.pk, "content_type": content_type, "size": upload.size,
                       "sha256": attachment.sha256})
    case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])
    return attachment
