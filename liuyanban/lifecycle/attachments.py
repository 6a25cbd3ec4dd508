"""Image attachments: the type is sniffed from the bytes, never trusted from the name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from liuyanban.core.errors import InvalidInput

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """An uploaded file's name and bytes, independent of the interface it came through."""

    name: str
    data: bytes


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG, GIF or WebP image, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    extension: str
    sha256: str
    data: bytes

    def as_file(self) -> ContentFile[bytes]:
        return ContentFile(self.data, name=f"{self.sha256}.{self.extension}")


def check_uploads(uploads: list[Upload]) -> list[CheckedImage]:
    """Validate count, size and type of all uploads, or raise with the field's error."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(fields={"attachments": [_("最多上传 %d 张图片") % MAX_FILES]})
    checked = []
    for upload in uploads:
        if len(upload.data) > MAX_BYTES:
            raise InvalidInput(fields={"attachments": [_("图片“%s”超过 5MB") % upload.name[:40]]})
        kind = sniff_image(upload.data)
        if kind is None:
            raise InvalidInput(
                fields={
                    "attachments": [_("“%s”不是 JPEG、PNG、GIF 或 WebP 图片") % upload.name[:40]]
                }
            )
        digest = hashlib.sha256(upload.data).hexdigest()
        checked.append(CheckedImage(kind[0], kind[1], digest, upload.data))
    return checked
