"""QR codes as SVG, PNG, data URIs and inline mail attachments.

The codes are made by [segno](https://segno.readthedocs.io/) with error correction level H
(about 30% of the symbol can be damaged) and the smallest version that holds the text.
ASCII text is encoded in the most compact of numeric, alphanumeric and byte mode; any other
text as UTF-8 bytes (without an ECI header), which is what QR readers assume. This is what
the PlaceOS driver's `generate_svg_qrcode` and `generate_png_qrcode` produced;
[`svg`][graphlink.qr.svg] and [`png`][graphlink.qr.png] are their counterparts.

Every image has the standard quiet zone of 4 light modules around the symbol, and dark
modules are black on a white background.

Typical use, a visitor's QR code inline in an HTML mail:

```python
from graphlink import qr

code = qr.attachment("VISIT:ada@example.com,room-1,evt-42", size=256)
html = '<p>Your pass:</p><img src="cid:qr" alt="QR code">'
# client.mail.send(to, subject, message_html=html, resource_attachments=[code])
```
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import TYPE_CHECKING, Any

from graphlink.errors import ValidationError

if TYPE_CHECKING:
    from graphlink.models import Attachment

__all__ = ["attachment", "data_uri", "png", "svg"]

_QUIET_ZONE = 4  # light modules on each side of the symbol (ISO/IEC 18004)
_SVG_MODULE_SIZE = 11  # pixels per module in SVG output (the driver's `module_size`)
_MIN_MODULE_PIXELS = 2  # below this a PNG is refused as illegible
_MIN_SIZE = 21  # pixels; the smallest legible PNG is 2 × (21 + 8) = 58 pixels anyway
_MAX_SIZE = 4096  # pixels

# Capacity of the largest symbol (version 40) at error correction level H, per mode.
_MAX_BYTES = 1273
_MAX_ALPHANUMERIC = 1852
_MAX_DIGITS = 3057

# One matrix byte (0 light, non-zero dark) -> one PNG bit as an ASCII digit ("1" is white
# in a 1-bit greyscale PNG, "0" black).
_BIT_CHARS = bytes([ord("1")] + [ord("0")] * 255)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def svg(text: str) -> str:
    """A QR code for `text` as a standalone SVG document.

    The document starts with an XML prolog and has `width` and `height` in pixels: 11
    pixels per module and a quiet zone of 4 modules on each side, so
    `width = height = 11 × (modules + 8)`. Dark modules are black (`#000`) on a white
    (`#fff`) background, with `shape-rendering="crispEdges"`; error correction is level H.
    This matches the driver's `generate_svg_qrcode` (module size 11, black on white,
    a standalone document); the drawing is one path rather than one `<rect>` per module.

    Args:
        text: The text to encode (a non-empty string).

    Returns:
        The SVG document, e.g. `'<?xml version="1.0" encoding="utf-8"?>\\n<svg ...'`.

    Raises:
        ValidationError: `text` is not a non-empty string, or is too long for any QR
            code at level H (at most 1273 bytes of UTF-8, 1852 characters of the
            alphanumeric set or 3057 digits).
    """
    code = _make(text)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=_SVG_MODULE_SIZE,
        border=_QUIET_ZONE,
        dark="#000",
        light="#fff",
        xmldecl=True,
        svgns=True,
        svgversion=1.1,
        svgclass=None,
        lineclass=None,
        encoding="utf-8",
    )
    document = out.getvalue().decode("utf-8")
    # Keep modules crisp when a viewer scales the image (no seams between rows).
    return document.replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)


def png(text: str, size: int = 128) -> str:
    """A QR code for `text` as a Base64 PNG of exactly `size` × `size` pixels.

    The modules are drawn at the largest whole number of pixels that fits the symbol and
    its quiet zone of 4 modules on each side into `size` pixels; the pixels left over are
    added as white margin, split evenly (the odd pixel goes to the right and bottom), so
    modules stay sharp and the quiet zone is never smaller than 4 modules. The image is a
    1-bit greyscale PNG, black on white, error correction level H.

    A code that would get fewer than 2 pixels per module is not drawn: a
    [`ValidationError`][graphlink.errors.ValidationError] says how large `size` must be
    for that text. With 8-bit characters, 128 pixels (the default) hold up to 98 bytes,
    256 pixels up to 535 bytes, and 512 pixels any text that fits a QR code.

    Args:
        text: The text to encode (a non-empty string).
        size: Width and height of the image in pixels, from 21 to 4096.

    Returns:
        The PNG encoded as strict Base64 (ASCII, no line breaks, no `data:` prefix), as
        the driver's `generate_png_qrcode` returned it.

    Raises:
        ValidationError: `text` is not a non-empty string or is too long for any QR code
            at level H; `size` is not an integer in range; or the code would be illegible
            at `size` pixels.
    """
    return base64.b64encode(_png_bytes(text, size)).decode("ascii")


def data_uri(text: str, size: int = 128) -> str:
    """A QR code for `text` as a `data:image/png;base64,...` URI.

    The image is the one [`png`][graphlink.qr.png] makes, ready for an `<img src=...>`
    (many mail clients block data URIs: use [`attachment`][graphlink.qr.attachment]
    for mail).

    Args:
        text: The text to encode (a non-empty string).
        size: Width and height of the image in pixels (see [`png`][graphlink.qr.png]).

    Returns:
        The data URI.

    Raises:
        ValidationError: As for [`png`][graphlink.qr.png].
    """
    return "data:image/png;base64," + png(text, size)


def attachment(
    text: str, name: str = "qr.png", content_id: str = "qr", size: int = 128
) -> Attachment:
    """A QR code for `text` as an inline PNG [`Attachment`][graphlink.models.Attachment].

    The attachment has `content_type="image/png"`, `is_inline=True` and the given
    `content_id`, so an HTML body shows it with `<img src="cid:qr">` (with the default
    `content_id`). Pass it in `resource_attachments` (or `attachments`) when sending mail.

    Args:
        text: The text to encode (a non-empty string).
        name: The attachment's file name.
        content_id: The Content-ID the HTML refers to as `cid:<content_id>`.
        size: Width and height of the image in pixels (see [`png`][graphlink.qr.png]).

    Returns:
        The attachment, its `content` being the PNG's bytes (not Base64).

    Raises:
        ValidationError: As for [`png`][graphlink.qr.png]; or `name` is empty or holds
            a control character; or `content_id` is empty or holds whitespace, a control
            character, `<` or `>`.
    """
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise ValidationError(
            f"name must be a non-empty file name without control characters, not {name!r}"
        )
    from graphlink.models import Attachment
    from graphlink.resources._mail import check_content_id

    check_content_id(content_id)
    content = _png_bytes(text, size)

    return Attachment(name, content, "image/png", content_id=content_id, is_inline=True)


def _make(text: str) -> Any:
    """The segno QR code for `text` (level H), or a ValidationError."""
    if not isinstance(text, str):
        raise ValidationError(f"text must be a string, not {type(text).__name__}")
    if not text:
        raise ValidationError("text must not be empty")
    if len(text) <= _MAX_DIGITS:
        import segno  # Imported when first needed: it takes tens of milliseconds.

        try:
            if text.isascii():
                # segno picks numeric, alphanumeric or byte mode, whichever is smallest.
                return segno.make(text, error="h", micro=False)
            # Other text is UTF-8 in byte mode, as the driver wrote it: readers take UTF-8
            # for granted, while ISO-8859-1 bytes (segno's first choice) get misread as
            # Shift_JIS, and segno's mode guess can take UTF-8 bytes for kanji.
            return segno.make(text, error="h", micro=False, mode="byte", encoding="utf-8")
        except segno.DataOverflowError:
            pass
        except UnicodeError as exc:
            raise ValidationError(f"text cannot be encoded for a QR code: {exc}") from None
    raise ValidationError(
        f"text is too long for a QR code at error correction level H: {len(text)}"
        f" characters ({len(text.encode('utf-8', 'replace'))} bytes in UTF-8); the largest"
        f" code holds {_MAX_BYTES} bytes, {_MAX_ALPHANUMERIC} characters of the alphanumeric"
        f" set (0-9, A-Z, space, $%*+-./:) or {_MAX_DIGITS} digits"
    )


def _png_bytes(text: str, size: int) -> bytes:
    """The PNG image [`png`][graphlink.qr.png] encodes, as bytes."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError(f"size must be an integer number of pixels, not {size!r}")
    if not _MIN_SIZE <= size <= _MAX_SIZE:
        raise ValidationError(f"size must be from {_MIN_SIZE} to {_MAX_SIZE} pixels, not {size}")
    code = _make(text)
    matrix: tuple[bytearray, ...] = code.matrix
    modules = len(matrix)
    span = modules + 2 * _QUIET_ZONE
    scale = size // span
    if scale < _MIN_MODULE_PIXELS:
        raise ValidationError(
            f"size={size} is too small for this text: its QR code (version {code.version},"
            f" {modules}×{modules} modules, {span} with the quiet zone) needs at least"
            f" {_MIN_MODULE_PIXELS} pixels per module, so size >= {_MIN_MODULE_PIXELS * span};"
            " use a larger size or a shorter text"
        )
    offset = (size - scale * modules) // 2  # quiet zone plus half of the spare pixels
    pad_bits = -size % 8  # the last byte of a row is padded with white
    white = b"\x00" + b"\xff" * ((size + pad_bits) // 8)  # filter byte 0, then the pixels
    left = "1" * offset
    right = "1" * (size - offset - scale * modules + pad_bits)
    rows = [white] * offset
    for line in matrix:
        bits = "".join(c * scale for c in bytes(line).translate(_BIT_CHARS).decode("ascii"))
        row = int(left + bits + right, 2).to_bytes(len(white) - 1, "big")
        rows.extend([b"\x00" + row] * scale)
    rows.extend([white] * (size - len(rows)))
    return _png_file(size, b"".join(rows))


def _png_file(size: int, scanlines: bytes) -> bytes:
    """A 1-bit greyscale PNG file of `size` × `size` pixels from its filtered scanlines."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)  # depth 1, greyscale
    return (
        _PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines, 9))
        + chunk(b"IEND", b"")
    )
