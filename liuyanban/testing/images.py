"""Small real images for tests: a PNG, and a phone-like JPEG with GPS and a rotation."""

from __future__ import annotations

import io

from PIL import Image

ORIENTATION, GPS_IFD, MAKE, MODEL = 0x0112, 0x8825, 0x010F, 0x0110


def png_bytes(
    width: int = 8, height: int = 6, colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A valid PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps(width: int = 40, height: int = 20, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: camera make/model, a GPS position and an orientation tag.

    The left half is red and the right half blue, so a test can tell the rotation.
    Orientation 6 means "rotate 90° clockwise to display": the stored 40×20 shows as 20×40.
    """
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Model X"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (28.0, 11.0, 30.0), 3: "E", 4: (112.0, 58.0, 20.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95, comment=b"secret comment")
    return out.getvalue()


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG file whose header claims a huge picture (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()
