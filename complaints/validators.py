"""Evidence upload checks: the type comes from the file's bytes, never from its name."""

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

# What customers send as evidence: photos, short videos, PDFs. Extension follows the
# sniffed type, so "invoice.pdf.exe" renamed to "photo.jpg" is still refused.
ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class SniffedFile:
    content_type: str
    extension: str


def check_evidence_file(upload: UploadedFile) -> SniffedFile:
    """Return the real type of an evidence upload, or raise ValidationError saying why not."""
    name = upload.name or "file"
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "“%(name)s” is not a photo, video or PDF "
                "(JPEG, PNG, GIF, WebP, HEIC, MP4, MOV, WebM, PDF)."
            )
            % {"name": name}
        )
    limit = settings.EVIDENCE_MAX_BYTES[kind.mime.split("/")[0]]
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit for this kind of file is %(limit).0f MB.")
            % {"name": name, "size": upload.size / 1_048_576, "limit": limit / 1_048_576}
        )
    if kind.mime in DECODED_IMAGES:
        _check_image(upload, name)
    return SniffedFile(content_type=kind.mime, extension=ALLOWED_TYPES[kind.mime])


# Photos staff preview in the desk are decoded here first: a file with a photo's first bytes
# and garbage after them, or a decompression bomb, is refused now rather than found later.
DECODED_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def _check_image(upload: UploadedFile, name: str) -> None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("“%(name)s” has too many pixels to be a photo.") % {"name": name}
        ) from None
    except Exception:  # Pillow raises many kinds for a damaged file
        raise ValidationError(
            _("“%(name)s” is damaged: it starts like a photo but cannot be read.") % {"name": name}
        ) from None
    finally:
        upload.seek(0)
