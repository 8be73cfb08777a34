"""The text of a PDF written by WeasyPrint, for tests that check what a document says.

WeasyPrint draws text with embedded font subsets (Identity-H, two-byte glyph codes) and writes a
ToUnicode map for each font; this reads those maps and the text operators (``Tj``/``TJ``) of
every content stream. It handles what WeasyPrint writes, not every PDF. Glyph codes of the
fonts of one family (regular, bold) share one map here, which holds for the DejaVu fonts used.
"""

import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
HEX = re.compile(rb"<([0-9a-fA-F]*)>")
TEXT_OP = re.compile(rb"\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", re.S)


def _streams(pdf: bytes):
    for match in STREAM.finditer(pdf):
        data = match.group(1)
        try:
            yield zlib.decompress(data)
        except zlib.error:
            yield data


def _unicode(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", errors="replace")


def _glyph_map(streams: list[bytes]) -> dict[int, str]:
    glyphs: dict[int, str] = {}
    for data in streams:
        if b"begincmap" not in data:
            continue
        for block in BFCHAR.findall(data):
            codes = HEX.findall(block)
            for src, dst in zip(codes[::2], codes[1::2], strict=False):
                glyphs[int(src, 16)] = _unicode(dst)
        for block in BFRANGE.findall(data):
            codes = HEX.findall(block)
            for start, end, dst in zip(codes[::3], codes[1::3], codes[2::3], strict=False):
                first = ord(_unicode(dst)[0])
                for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                    glyphs[code] = chr(first + offset)
    return glyphs


def pdf_text(pdf: bytes) -> str:
    """Every string the PDF draws, in drawing order, separated by spaces."""
    streams = list(_streams(pdf))
    glyphs = _glyph_map(streams)
    pieces = []
    for data in streams:
        if b"BT" not in data or b"begincmap" in data:
            continue
        for array, single in TEXT_OP.findall(data):
            codes = HEX.findall(array) if array else [single]
            text = ""
            for code in codes:
                for i in range(0, len(code), 4):
                    text += glyphs.get(int(code[i : i + 4], 16), "\ufffd")
            pieces.append(text)
    return " ".join(pieces)
