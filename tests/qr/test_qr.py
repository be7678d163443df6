"""graphlink.qr: the PNGs (and, when an SVG renderer is installed, the SVGs) are decoded
with a real QR reader (zxing-cpp) and must give the text back."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from graphlink import qr
from graphlink.errors import ValidationError
from graphlink.models import Attachment, unstructure

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

URL = "https://example.com/visit?id=42&host=ada%40example.com#checkin"
UNICODE = "Zoë — 東京 ✓"
LONG = ("Visitor pass for room 4.12, floor 4; host ada@example.com. " * 9)[:500]


def image(b64: str, size: int) -> Image.Image:
    """The PNG in ``b64`` as a greyscale image, checked to be ``size`` x ``size``."""
    data = base64.b64decode(b64, validate=True)
    assert data.startswith(PNG_SIGNATURE)
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    assert picture.size == (size, size)
    return picture.convert("L")


def decode(picture: Image.Image) -> str:
    """The text of the one QR code zxing-cpp finds in ``picture``."""
    found = zxingcpp.read_barcodes(picture, text_mode=zxingcpp.TextMode.Plain)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    assert found[0].valid
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    extra: Any = found[0].extra
    assert extra["ECLevel"] == "H"
    return str(found[0].text)


def roundtrip(text: str, size: int = 128) -> str:
    return decode(image(qr.png(text, size), size))


def matrix_of(text: str) -> Any:
    """segno's matrix for ``text`` as graphlink.qr encodes it: ASCII in segno's choice of
    mode, anything else as UTF-8 bytes."""
    if text.isascii():
        return segno.make(text, error="h", micro=False).matrix
    return segno.make(text, error="h", micro=False, mode="byte", encoding="utf-8").matrix


# --- PNG: decoded back -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("hello", 128),
        ("HELLO WORLD 42", 128),  # alphanumeric mode
        ("0123456789", 128),  # numeric mode
        (URL, 128),
        (URL, 200),
        (UNICODE, 128),
        (UNICODE, 512),
        ("Zoë", 128),  # ISO-8859-1 bytes would be read as Shift_JIS: sent as UTF-8
        ("¡", 128),
        ("東京", 128),
        ("腁@", 128),  # UTF-8 bytes that segno's mode guess would take for kanji
        ("emoji 😀 and a tab\tand a newline\n", 200),
        ("VISIT:ada@example.com,room-1@example.com,AAMkAGI2TG93AAA=,host@example.com", 256),
        (LONG, 512),
        (LONG, 256),
    ],
)
def test_png_decodes_back_to_the_text(text: str, size: int) -> None:
    assert roundtrip(text, size) == text


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("x" * 1273, 512),  # the most bytes a QR code holds at level H
        ("A" * 1852, 512),  # the most alphanumeric characters
        ("7" * 3057, 512),  # the most digits
        ("é" * 636, 512),  # 1272 bytes of UTF-8
    ],
)
def test_the_largest_codes_decode_at_two_pixels_per_module(text: str, size: int) -> None:
    assert roundtrip(text, size) == text


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_short_text_decodes_back(text: str) -> None:
    assert roundtrip(text, 256) == text


@pytest.mark.parametrize("size", [58, 128, 129, 200, 255, 512, 777, 4096])
def test_png_is_exactly_size_by_size(size: int) -> None:
    picture = image(qr.png("hello", size), size)
    assert decode(picture) == "hello"


def test_png_is_strict_base64_without_a_data_prefix() -> None:
    b64 = qr.png(URL)
    assert b64.isascii()
    assert "\n" not in b64
    assert not b64.startswith("data:")
    assert base64.b64encode(base64.b64decode(b64, validate=True)).decode() == b64


@pytest.mark.parametrize("size", [58, 128, 200, 201, 512, 1000])
def test_png_modules_are_crisp_and_centred_in_the_quiet_zone(size: int) -> None:
    matrix = matrix_of(URL if size >= 128 else "hi")
    n = len(matrix)
    scale = size // (n + 8)  # the largest whole number of pixels per module that fits
    assert scale >= 2
    offset = (size - scale * n) // 2
    far = size - offset - scale * n
    # At least the 4-module quiet zone on every side; the spare pixels split evenly.
    assert offset >= 4 * scale
    assert far in (offset, offset + 1)
    picture = image(qr.png(URL if size >= 128 else "hi", size), size)
    histogram = picture.histogram()
    assert sum(histogram[1:255]) == 0  # black and white, no grey
    white = (255, 255)
    assert picture.crop((0, 0, size, offset)).getextrema() == white
    assert picture.crop((0, 0, offset, size)).getextrema() == white
    assert picture.crop((0, size - far, size, size)).getextrema() == white
    assert picture.crop((size - far, 0, size, size)).getextrema() == white
    # Every module is a scale x scale block of one colour, as in segno's matrix.
    for r, line in enumerate(matrix):
        for c, dark in enumerate(line):
            x, y = offset + c * scale, offset + r * scale
            block = picture.crop((x, y, x + scale, y + scale)).getextrema()
            assert block == ((0, 0) if dark else white), (r, c)


# --- PNG: refused ------------------------------------------------------------------------


def test_text_too_large_for_the_size_is_refused_with_the_size_needed() -> None:
    assert roundtrip("x" * 98, 128) == "x" * 98  # version 9: 53 + 8 modules, 2 px each
    with pytest.raises(ValidationError, match=r"size >= 130") as caught:
        qr.png("x" * 99, 128)  # version 10: 57 + 8 modules would need 130 pixels
    assert "version 10" in str(caught.value)
    assert "2 pixels per module" in str(caught.value)
    with pytest.raises(ValidationError, match=r"size >= 242"):
        qr.png(LONG, 200)
    with pytest.raises(ValidationError, match=r"size >= 58"):
        qr.png("a", 57)
    assert roundtrip("a", 58) == "a"


@pytest.mark.parametrize(
    "text",
    ["x" * 1274, "A" * 1853, "7" * 3058, "é" * 637, "x" * 100_000],
)
def test_text_too_large_for_any_qr_code_is_refused(text: str) -> None:
    for make in (qr.png, qr.svg, qr.data_uri, qr.attachment):
        with pytest.raises(ValidationError, match=r"too long for a QR code.*1273 bytes"):
            make(text)


@pytest.mark.parametrize("text", [None, 42, b"hello", ["hello"], ""])
def test_bad_text_is_refused(text: Any) -> None:
    for make in (qr.png, qr.svg, qr.data_uri, qr.attachment):
        with pytest.raises(ValidationError, match="text"):
            make(text)


def test_text_that_is_not_valid_unicode_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be encoded"):
        qr.png("lone \ud800 surrogate")


@pytest.mark.parametrize("size", [0, -1, 20, 4097, 128.0, True, "128", None])
def test_bad_size_is_refused(size: Any) -> None:
    for make in (qr.png, qr.data_uri):
        with pytest.raises(ValidationError, match="size"):
            make("hello", size)
    with pytest.raises(ValidationError, match="size"):
        qr.attachment("hello", size=size)


def test_validation_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="size"):
        qr.png("hello", 10)


# --- data URI and attachment ---------------------------------------------------------------


def test_data_uri_wraps_the_png() -> None:
    uri = qr.data_uri(URL, 200)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert uri[len(prefix) :] == qr.png(URL, 200)
    assert decode(image(uri[len(prefix) :], 200)) == URL
    assert image(qr.data_uri("hi")[len(prefix) :], 128).size == (128, 128)


def test_attachment_is_an_inline_png_ready_for_cid() -> None:
    att = qr.attachment(UNICODE)
    assert isinstance(att, Attachment)
    assert att.name == "qr.png"
    assert att.content_type == "image/png"
    assert att.content_id == "qr"
    assert att.is_inline is True
    assert att.kind == "file"
    assert isinstance(att.content, bytes)
    assert att.content == base64.b64decode(qr.png(UNICODE))
    assert decode(image(base64.b64encode(att.content).decode(), 128)) == UNICODE
    assert unstructure(att) == {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "qr.png",
        "contentBytes": qr.png(UNICODE),
        "contentType": "image/png",
        "contentId": "qr",
        "isInline": True,
    }


def test_attachment_takes_a_name_content_id_and_size() -> None:
    att = qr.attachment(URL, name="visitor pass.png", content_id="ada@example.com", size=256)
    assert (att.name, att.content_id, att.is_inline) == (
        "visitor pass.png",
        "ada@example.com",
        True,
    )
    assert att.content is not None
    assert decode(image(base64.b64encode(att.content).decode(), 256)) == URL
    positional = qr.attachment(URL, "p.png", "pass", 200)
    assert (positional.name, positional.content_id) == ("p.png", "pass")


@pytest.mark.parametrize("name", ["", "  ", "qr\r\n.png", None, 3])
def test_attachment_refuses_a_bad_name(name: Any) -> None:
    with pytest.raises(ValidationError, match="name"):
        qr.attachment("hello", name=name)


@pytest.mark.parametrize("content_id", ["", "q r", "<qr>", "qr\n", None, 3])
def test_attachment_refuses_a_bad_content_id(content_id: Any) -> None:
    with pytest.raises(ValidationError, match="content_id"):
        qr.attachment("hello", content_id=content_id)


# --- SVG ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["hello", URL, UNICODE, LONG, "<&>\"'"])
def test_svg_is_a_standalone_document_black_on_white(text: str) -> None:
    document = qr.svg(text)
    assert document.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(document.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    n = len(matrix_of(text))
    # 11 pixels per module (the driver's module size), with the 4-module quiet zone.
    assert root.get("width") == root.get("height") == str(11 * (n + 8))
    assert root.get("shape-rendering") == "crispEdges"
    colours = {
        (key, value)
        for element in root.iter()
        for key, value in element.attrib.items()
        if key in ("fill", "stroke")
    }
    assert colours == {("fill", "#fff"), ("stroke", "#000")}
    background = next(e for e in root.iter() if e.get("fill") == "#fff")
    assert background.get("d") == f"M0 0h{n + 8}v{n + 8}h-{n + 8}z"  # the whole canvas


def test_svg_of_the_driver_example_is_319_pixels() -> None:
    # A version 1 code (21 modules): 11 x (21 + 8) = 319 pixels.
    root = ET.fromstring(qr.svg("hello"))
    assert (root.get("width"), root.get("height")) == ("319", "319")


@pytest.mark.parametrize("text", ["hello", URL, UNICODE])
def test_svg_decodes_back_when_rendered(text: str) -> None:
    cairosvg = pytest.importorskip("cairosvg", reason="no SVG renderer (cairosvg) installed")
    rendered = cairosvg.svg2png(bytestring=qr.svg(text).encode("utf-8"))
    picture = Image.open(io.BytesIO(rendered)).convert("L")
    assert decode(picture) == text


# --- the module ---------------------------------------------------------------------------


def test_public_names_are_documented() -> None:
    assert sorted(qr.__all__) == ["attachment", "data_uri", "png", "svg"]
    assert qr.__doc__
    for name in qr.__all__:
        assert getattr(qr, name).__doc__, name


def test_importing_graphlink_qr_does_not_import_segno() -> None:
    import subprocess
    import sys

    code = "import sys, graphlink.qr; print('segno' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
