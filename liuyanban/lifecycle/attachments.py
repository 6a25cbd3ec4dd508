"""Image attachments: every upload is decoded and re-encoded, never stored as sent.

Re-encoding from the decoded pixels drops everything but the picture: EXIF (camera,
GPS position, time), XMP, IPTC, comments and ICC profiles (converted to sRGB first,
so colours stay right). The EXIF orientation is applied to the pixels before it is
dropped, so a phone photo stands the right way up. Sizes are bounded by the
``LIUYANBAN`` settings ``IMAGE_MAX_BYTES``, ``IMAGE_MAX_PIXELS`` and ``IMAGE_MAX_SIDE``;
a decompression bomb (a small file that decodes to a gigantic picture) is refused
from its header, before any pixel is decoded.

Every interface (web form, REST API, Open311, imports, campaign covers) goes through
``check_uploads``; there is no other way into storage.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from liuyanban.core.errors import InvalidInput

MAX_FILES = 5
# Defaults; a deployment changes them in settings.LIUYANBAN.
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
JPEG_QUALITY = 85

# What each accepted input format is stored as (animated GIFs keep their first frame).
OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),  # phone cameras' multi-picture JPEG
    "PNG": ("PNG", "image/png", "png"),
    "GIF": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}


def limits() -> tuple[int, int, int]:
    """(bytes, pixels, longest side) allowed per image."""
    conf = settings.LIUYANBAN
    return (
        int(conf.get("IMAGE_MAX_BYTES", MAX_BYTES)),
        int(conf.get("IMAGE_MAX_PIXELS", MAX_PIXELS)),
        int(conf.get("IMAGE_MAX_SIDE", MAX_SIDE)),
    )


@dataclass(frozen=True)
class Upload:
    """An uploaded file's name and bytes, independent of the interface it came through."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedImage:
    """A re-encoded image, free of metadata, ready to store."""

    content_type: str
    extension: str
    sha256: str
    data: bytes
    width: int = 0
    height: int = 0

    def as_file(self) -> ContentFile[bytes]:
        return ContentFile(self.data, name=f"{self.sha256}.{self.extension}")


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(fields={"attachments": [message]})


def _not_an_image(name: str) -> InvalidInput:
    return _refuse(_("“%s”不是 JPEG、PNG、GIF 或 WebP 图片，或文件已损坏") % name[:40])


def _bomb(name: str, max_pixels: int) -> InvalidInput:
    return _refuse(
        _("图片“%(name)s”的像素过多（上限 %(n)s 像素），请缩小后再上传")
        % {"name": name[:40], "n": f"{max_pixels:,}"}
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an image with an embedded colour profile to sRGB (the profile is then dropped)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _normalise_mode(image: Image.Image, fmt: str) -> Image.Image:
    """A mode the output format stores faithfully (JPEG has no alpha)."""
    if fmt == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _clean_copy(image: Image.Image) -> Image.Image:
    """The same pixels in a new image: no ``info`` (EXIF, XMP, comments, profiles) comes along."""
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        fresh.putpalette(image.getpalette() or [])
    return fresh


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        options = {"quality": JPEG_QUALITY, "optimize": True}
    elif fmt == "PNG":
        options = {"optimize": True}
    elif fmt == "WEBP":
        options = {"quality": JPEG_QUALITY}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def reencode(upload: Upload) -> CheckedImage:
    """Decode ``upload`` and store its pixels afresh, or raise a clear ``InvalidInput``."""
    max_bytes, max_pixels, max_side = limits()
    if len(upload.data) > max_bytes:
        raise _refuse(
            _("图片“%(name)s”超过 %(n)dMB")
            % {"name": upload.name[:40], "n": max(1, max_bytes // (1024 * 1024))}
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; treat its warning as the refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(upload.data))
            image: Image.Image = opened
            if opened.format not in OUTPUT:
                raise _not_an_image(upload.name)
            # The header tells the size: refuse a bomb before decoding a single pixel.
            if image.width * image.height > max_pixels:
                raise _bomb(upload.name, max_pixels)
            image.seek(0)
            image.load()
            fmt, content_type, extension = OUTPUT[str(opened.format)]
            image = ImageOps.exif_transpose(image) or image
            image = _to_srgb(image)
            image = _normalise_mode(image, fmt)
            if max(image.size) > max_side:
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            data = _encode(_clean_copy(image), fmt)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(upload.name, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image(upload.name) from None
    except Exception:
        # Malformed files reach Pillow's decoders in many ways (struct, index, type
        # errors from broken EXIF or chunks); none of them may become a 500.
        raise _not_an_image(upload.name) from None
    digest = hashlib.sha256(data).hexdigest()
    return CheckedImage(content_type, extension, digest, data, image.width, image.height)


def check_uploads(uploads: list[Upload]) -> list[CheckedImage]:
    """Validate the count, then re-encode each upload (see the module's docstring)."""
    if len(uploads) > MAX_FILES:
        raise _refuse(_("最多上传 %d 张图片") % MAX_FILES)
    return [reencode(upload) for upload in uploads]
