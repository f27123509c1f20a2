"""Small JPEG previews of photo attachments, made on first request and kept beside the file.

Made lazily so that every attachment has one (those uploaded before thumbnails existed too) and
an upload does not wait for it. A file Pillow cannot read as an image (a PDF, a HEIC photo
without a decoder) has none: the page shows an icon instead.
"""
from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from casework.models import Attachment

THUMBNAIL_SIDE = 320  # px, the long side: sharp on a tablet at twice the size the page draws it
THUMBNAIL_QUALITY = 75


def thumbnail_name(attachment: Attachment) -> str:
    return attachment.file.name.rsplit(".", 1)[0] + ".thumb.jpg"


# The photo types Pillow reads as installed here (HEIC needs a plugin we do not ship).
THUMBNAILED = frozenset({"image/jpeg", "image/png", "image/webp"})


def has_thumbnail(attachment: Attachment) -> bool:
    return attachment.content_type in THUMBNAILED


def thumbnail(attachment: Attachment) -> bytes | None:
    """The attachment's thumbnail as JPEG bytes, made and stored the first time; None when it
    is not an image Pillow can read."""
    if not has_thumbnail(attachment):
        return None
    storage, name = attachment.file.storage, thumbnail_name(attachment)
    if storage.exists(name):
        with storage.open(name, "rb") as stored:
            return stored.read()
    try:
        with attachment.file.open("rb") as original, Image.open(original) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):  # Pillow's own pixel limit
        return None
    data = out.getvalue()
    storage.save(name, ContentFile(data))
    return data
