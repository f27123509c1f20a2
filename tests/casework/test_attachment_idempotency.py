"""A photo sent again with the same Idempotency-Key (a tablet's queued upload whose response was
lost) makes one attachment: POST /api/v1/cases/{id}/attachments/ answers 201 first, 200 after."""
from __future__ import annotations

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from casework.choices import Status
from casework.models import Attachment, CaseEvent
from tests.casework.test_attachments import jpeg_1x1, png_1x1, url
from tests.conftest import bring_to


def send(client, case_id: int, content: bytes, key: str | None, name: str = "现场照片.jpg"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url(case_id), {"file": SimpleUploadedFile(name, content, content_type="image/jpeg")},
                       format="multipart", **headers)


def test_a_photo_sent_twice_with_one_key_is_stored_once(demo, api):
    # given a reported case of grid1's, and a photo with its own key
    case = bring_to(Status.REPORTED)
    key = str(uuid.uuid4())
    client = api("grid1")

    # when it is sent, then sent again (the first response never reached the tablet)
    first = send(client, case.pk, jpeg_1x1(), key)
    again = send(client, case.pk, jpeg_1x1(), key)

    # then the second answer is the first attachment, and one attach event was written
    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Attachment.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action="attach").count() == 1


def test_other_keys_and_no_key_store_each_upload(demo, api):
    # given a reported case
    case = bring_to(Status.REPORTED)
    client = api("grid1")

    # when two photos go with two keys, and one photo twice with no key at all
    answers = [send(client, case.pk, jpeg_1x1(), "photo-a"), send(client, case.pk, png_1x1(), "photo-b", "b.png"),
               send(client, case.pk, jpeg_1x1(), None), send(client, case.pk, jpeg_1x1(), None)]

    # then each is stored: the key only joins uploads that carry the same one
    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert Attachment.objects.filter(case=case).count() == 4


def test_the_key_is_the_uploaders_own(demo, api):
    # given a case grid1 filed, a photo head1 sends with a key grid1 used already
    case = bring_to(Status.REPORTED)
    send(api("grid1"), case.pk, jpeg_1x1(), "same-key")

    # when head1 sends a photo with the same key
    answer = send(api("head1"), case.pk, jpeg_1x1(), "same-key")

    # then it is head1's own new attachment
    assert answer.status_code == 201, answer.content
    assert sorted(Attachment.objects.filter(case=case).values_list("uploaded_by__username", flat=True)) == [
        "grid1", "head1"]


def test_a_bad_key_is_a_field_error_and_stores_nothing(demo, api):
    case = bring_to(Status.REPORTED)
    answer = send(api("grid1"), case.pk, jpeg_1x1(), "k" * 65)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()
    assert not Attachment.objects.filter(case=case).exists()
