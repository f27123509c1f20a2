"""Attachments through POST /api/v1/cases/{id}/attachments/: recognized by content, size-limited,
downloaded as stored."""
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from casework.choices import Status
from casework.models import Attachment, CaseEvent
from tests.conftest import bring_to, snapshot


def png_1x1() -> bytes:
    """A real one-pixel PNG, built chunk by chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_1x1() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.")
TEXT = "调解笔录：双方同意赔偿800元。\n".encode()


def url(case_id: int) -> str:
    return f"/api/v1/cases/{case_id}/attachments/"


def upload(client, case_id: int, name: str, content: bytes, declared: str = "image/jpeg"):
    return client.post(url(case_id), {"file": SimpleUploadedFile(name, content, content_type=declared)},
                       format="multipart")


def test_real_files_are_fixture_quality():
    # given the helper files, when Pillow reads the images, then they are genuine 1×1 pictures
    assert Image.open(io.BytesIO(png_1x1())).size == (1, 1)
    assert Image.open(io.BytesIO(jpeg_1x1())).size == (1, 1)
    assert minimal_pdf().startswith(b"%PDF-1.4") and minimal_pdf().rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(("name", "content", "declared", "sniffed"), [
    ("现场照片.jpg", jpeg_1x1(), "image/jpeg", "image/jpeg"),
    ("漏水.png", png_1x1(), "image/png", "image/png"),
    ("调解协议书.pdf", minimal_pdf(), "application/pdf", "application/pdf"),
])
def test_photo_or_pdf_is_stored_and_recorded_on_the_timeline(demo, api, name, content, declared, sniffed):
    # given a reported case of grid1's
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when grid1 uploads a real photo or PDF
    response = upload(api("grid1"), case.pk, name, content, declared)
    # then it is stored with its recognized type, size and hash
    assert response.status_code == 201, response.data
    assert response.data["content_type"] == sniffed
    assert response.data["size"] == len(content)
    assert response.data["original_name"] == name
    # and the timeline gains one attach event pointing at it
    detail = api("grid1").get(f"/api/v1/cases/{case.pk}/").data
    assert [a["id"] for a in detail["attachments"]] == [response.data["id"]]
    event = detail["events"][-1]
    assert event["action"] == "attach"
    assert event["actor"]["username"] == "grid1"
    assert event["data"]["attachment"] == response.data["id"]
    assert event["data"]["content_type"] == sniffed
    assert event["data"]["sha256"] == response.data["sha256"]
    # and the case's status is untouched while its version and event count moved by one
    after = snapshot(case.pk)
    assert after[0] == before[0]
    assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)


@pytest.mark.parametrize(("name", "content"), [
    ("photo.jpg", TEXT),
    ("photo.jpg", EXE),
    ("setup.exe", EXE),
    ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("photo.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),  # a GIF: not on the list
    ("photo.jpg", b"\xff\xd8"),  # a truncated JPEG marker
])
def test_disguised_or_unsupported_file_is_refused_and_nothing_written(demo, api, name, content):
    # given a file that is not a photo or PDF, whatever its name and declared type say
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when uploaded, then the file field is refused and nothing is written
    response = upload(api("grid1"), case.pk, name, content, "image/jpeg")
    assert response.status_code == 400, response.data
    assert "file" in response.data
    assert snapshot(case.pk) == before
    assert Attachment.objects.count() == 0


def test_pdf_named_jpg_is_stored_as_pdf(demo, api):
    # given a scanned PDF a tablet named scan.jpg and declared as a JPEG
    case = bring_to(Status.REPORTED)
    pdf = minimal_pdf()
    # when uploaded
    response = upload(api("grid1"), case.pk, "scan.jpg", pdf, "image/jpeg")
    # then it is accepted as what it is, and downloaded as a PDF
    assert response.status_code == 201, response.data
    assert response.data["content_type"] == "application/pdf"
    download = api("grid1").get(f"{url(case.pk)}{response.data['id']}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].endswith('.pdf"')


def test_file_over_the_size_limit_is_refused(demo, api):
    # given a limit of 1 KB and a real PNG padded past it
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    too_big = png_1x1() + b"\x00" * 1024
    with override_settings(ATTACHMENT_MAX_BYTES=1024):
        # when uploaded, then it is refused and nothing is written
        response = upload(api("grid1"), case.pk, "big.png", too_big, "image/png")
        assert response.status_code == 400, response.data
        assert "file" in response.data
        assert snapshot(case.pk) == before
        # and a file of exactly the limit is accepted
        exact = png_1x1().ljust(1024, b"\x00")
        accepted = upload(api("grid1"), case.pk, "exact.png", exact, "image/png")
        assert accepted.status_code == 201
    # and it is the one attachment stored, whole, with one attach event on the case
    stored = Attachment.objects.get(case=case)
    assert (stored.pk, stored.original_name, stored.content_type, stored.size) == (
        accepted.data["id"], "exact.png", "image/png", 1024)
    after = snapshot(case.pk)
    assert (after[0], after[2], after[3]) == (before[0], before[2] + 1, before[3] + 1)
    assert CaseEvent.objects.filter(case=case).order_by("-seq").first().action == "attach"


def test_empty_file_is_refused(demo, api):
    # given an empty upload named like a photo
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when uploaded, then the file field is refused and nothing is written
    response = upload(api("grid1"), case.pk, "empty.jpg", b"")
    assert response.status_code == 400
    assert "file" in response.data
    assert snapshot(case.pk) == before


def test_missing_file_field_is_refused(demo, api):
    # given a multipart body without a file
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    # when posted, then the file field is required and nothing is written
    response = api("grid1").post(url(case.pk), {"note": "x"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.data
    assert snapshot(case.pk) == before
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(("name", "content", "sniffed"), [
    ("a.png", png_1x1(), "image/png"),
    ("b.jpg", jpeg_1x1(), "image/jpeg"),
    ("c.pdf", minimal_pdf(), "application/pdf"),
])
def test_download_returns_the_same_bytes_with_the_recognized_type(demo, api, name, content, sniffed):
    # given an uploaded file
    case = bring_to(Status.REPORTED)
    attachment_id = upload(api("grid1"), case.pk, name, content, "application/octet-stream").data["id"]
    # when the village committee downloads it
    response = api("head1").get(f"{url(case.pk)}{attachment_id}/")
    # then it gets the very bytes uploaded, typed as recognized, and told not to sniff
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == sniffed
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("supervisor", ["super1", "county1"])
def test_supervisors_cannot_upload(demo, api, supervisor):
    # given a case in a supervisor's jurisdiction
    case = bring_to(Status.REPORTED)
    before = snapshot(case.pk)
    events = CaseEvent.objects.count()
    # when the supervisor uploads a photo, then they are forbidden and nothing is written
    response = upload(api(supervisor), case.pk, "photo.png", png_1x1(), "image/png")
    assert response.status_code == 403, response.data
    assert snapshot(case.pk) == before
    assert CaseEvent.objects.count() == events
    assert Attachment.objects.count() == 0


def test_upload_to_a_case_outside_ones_jurisdiction_is_not_found(demo, api):
    # given a case of 枫桥镇, when grid2 (店口镇) uploads to it, then it does not exist for them
    case = bring_to(Status.REPORTED)
    response = upload(api("grid2"), case.pk, "photo.png", png_1x1(), "image/png")
    assert response.status_code == 404
    assert Attachment.objects.count() == 0


def test_download_from_outside_ones_jurisdiction_is_not_found(demo, api):
    # given an attachment on a case of 枫桥镇
    case = bring_to(Status.REPORTED)
    attachment_id = upload(api("grid1"), case.pk, "photo.png", png_1x1(), "image/png").data["id"]
    # when grid2 asks for it, then it does not exist for them
    assert api("grid2").get(f"{url(case.pk)}{attachment_id}/").status_code == 404
