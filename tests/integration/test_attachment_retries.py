"""Racing retries of one queued photo over HTTP make one attachment (the tablet's sender may run
in two tabs at once, or retry while the first upload is still in flight)."""
from __future__ import annotations

import io
import uuid

from casework.models import Attachment, CaseEvent
from tests.casework.test_attachments import jpeg_1x1
from tests.conftest import bring_to
from tests.live import request, run_together


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
               "Content-Type: image/jpeg\r\n\r\n".encode())
    body.write(content)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_six_racing_uploads_with_one_key_store_one_attachment(demo, live_url, token):
    # given a reported case and one photo with its key, sent six times at once
    case = bring_to("reported")
    data, content_type = multipart("photo.jpg", jpeg_1x1())
    headers = {"Idempotency-Key": "photo-7f3a", "Content-Type": content_type}
    grid1 = token("grid1")
    calls = [lambda: request("POST", f"{live_url}/api/v1/cases/{case.pk}/attachments/", token=grid1, data=data,
                             headers=headers) for _ in range(6)]

    # when they arrive together
    replies = run_together(calls)

    # then one was stored and every reply names it
    assert sorted(r.status for r in replies) == [200] * 5 + [201], [(r.status, r.body[:200]) for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1
    assert Attachment.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action="attach").count() == 1
