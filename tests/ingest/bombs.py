"""Hostile archives, written in seconds however large they claim or inflate to: ZIP bombs, an
XLSX whose sheet inflates to gigabytes, ZIPs whose headers lie.

A member that repeats one short text is deflated once per megabyte: after a full flush the
compressor starts afresh, so every further megabyte deflates to the same bytes, which are
repeated instead of compressed again (a 3 GiB member takes about a second, not ten).
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20


@dataclass(frozen=True)
class Repeated:
    """A member's content: `head`, then `unit` repeated as often as fits in `size` bytes, then `tail`."""

    unit: bytes
    size: int
    head: bytes = b""
    tail: bytes = b""


@dataclass(frozen=True)
class Member:
    name: str
    content: bytes | Repeated
    declared_size: int | None = None  # what the headers say it inflates to (None: the truth)
    symlink: bool = False


def _deflated(content: bytes | Repeated) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of a member's content."""
    if isinstance(content, bytes):
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)
    units = (content.size - len(content.head) - len(content.tail)) // len(content.unit)
    per_block = max(1, BLOCK // len(content.unit))
    block = content.unit * per_block
    whole, rest = divmod(units, per_block)
    rest_bytes = content.unit * rest
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(content.head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(content.head)
    for _ in range(whole):
        crc = zlib.crc32(block, crc)
    parts.append(piece * whole)
    parts.append(compressor.compress(rest_bytes + content.tail) + compressor.flush())
    crc = zlib.crc32(content.tail, zlib.crc32(rest_bytes, crc))
    return b"".join(parts), crc, len(content.head) + units * len(content.unit) + len(content.tail)


def write_zip(path: Path, members: list[Member]) -> Path:
    """A ZIP of deflated members (sizes below 4 GiB: no ZIP64), headers as each member says."""
    local, central = bytearray(), bytearray()
    for member in members:
        data, crc, size = _deflated(member.content)
        declared = size if member.declared_size is None else member.declared_size
        name = member.name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                             len(name), 0) + name + data
        made_by = (3 << 8) | 20  # Unix, so the mode in the external attributes counts
        mode = (0o120777 if member.symlink else 0o100644) << 16
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, made_by, 20, 0, 8, 0, 0x21, crc, len(data),
                               declared, len(name), 0, 0, 0, 0, mode, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


def slack_bomb(path: Path, day_size: int, *, declared_size: int | None = None) -> Path:
    """A Slack export whose one day file is `day_size` bytes of JSON (a list padded with spaces)."""
    users = b'[{"id": "U1", "team_id": "T1", "profile": {"email": "a@example.org"}}]'
    channels = b'[{"id": "C1", "name": "general"}]'
    day = Repeated(b" ", day_size, head=b'[{"type": "message", "user": "U1", "ts": "1709258400.000000"}', tail=b"]")
    return write_zip(path, [Member("channels.json", channels), Member("users.json", users),
                            Member("general/2024-03-01.json", day, declared_size=declared_size)])


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row><c t="inlineStr"><is><t>cohort</t></is></c><c t="inlineStr"><is><t>department</t></is></c>'
    b'<c t="inlineStr"><is><t>started_on</t></is></c></row>'
)
SHEET_ROW = (b'<row><c t="inlineStr"><is><t>Pilot</t></is></c><c t="inlineStr"><is><t>Sales</t></is></c>'
             b'<c t="inlineStr"><is><t>2024-07-01</t></is></c></row>')
SHEET_TAIL = b"</sheetData></worksheet>"


def xlsx(path: Path, sheet_size: int | None = None, *, rows: int | None = None,
         declared_size: int | None = None) -> Path:
    """A workbook of one sheet of cohorts: `rows` rows, or as many as fill `sheet_size` bytes."""
    if rows is not None:
        sheet: bytes | Repeated = SHEET_HEAD + SHEET_ROW * rows + SHEET_TAIL
    else:
        sheet = Repeated(SHEET_ROW, sheet_size, head=SHEET_HEAD, tail=SHEET_TAIL)
    return write_zip(path, [
        Member("[Content_Types].xml", _CONTENT_TYPES), Member("_rels/.rels", _RELS),
        Member("xl/workbook.xml", _WORKBOOK), Member("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        Member("xl/worksheets/sheet1.xml", sheet, declared_size=declared_size),
    ])
