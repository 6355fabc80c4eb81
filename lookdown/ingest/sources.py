"""Files as users hand them over: bytes, encodings from Excel, delimiters, ZIPs and workbooks."""
from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import re
import tempfile
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")


READ_CHUNK = 1 << 20
# Hashes and counts files' lines beside the main thread (Source.count_in_background).
_COUNTING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lookdown-count")
HEADER_BYTES = 1 << 16  # a header line longer than this is read from the whole file


class Source:
    """One file: its name, and its bytes or the path they are read from. A file on disk is read
    as needed: a large UTF-8 export is checked and hashed in chunks and handed to DuckDB by its
    path, so Python never holds it whole."""

    def __init__(self, name: str, data: bytes | None = None, path: Path | None = None):
        if data is None and path is None:
            raise ValueError("A source needs its bytes or a path.")
        self.name, self.path, self._data = name, path, data
        self._counting: Future[tuple[str, int]] | None = None
        self._counting_lock = threading.Lock()

    @property
    def data(self) -> bytes:
        """All the bytes (read from disk on first use, for readers that need them all)."""
        if self._data is None:
            self._data = self.path.read_bytes()
        return self._data

    def head(self, size: int) -> bytes:
        if self._data is not None:
            return self._data[:size]
        with open(self.path, "rb") as file:
            return file.read(size)

    def chunks(self) -> Iterator[bytes]:
        if self._data is not None:
            for start in range(0, len(self._data), READ_CHUNK):
                yield self._data[start:start + READ_CHUNK]
            return
        with open(self.path, "rb") as file:
            while block := file.read(READ_CHUNK):
                yield block

    @functools.cached_property
    def _encoding(self) -> tuple[bool, bool]:
        """(valid UTF-8, all ASCII): one read, which decodes only when a byte is not ASCII."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        ascii_ = True
        for block in self.chunks():
            ascii_ = ascii_ and block.isascii()
            if not ascii_:  # ASCII is UTF-8
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    return False, False
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, False
        return True, ascii_

    def count_in_background(self) -> None:
        """Start hashing the file and counting its lines in another thread, so it is done while
        DuckDB reads the file (hashlib lets go of the interpreter while it hashes; DuckDB does
        while it reads). `sha256` and `line_count` wait for it."""
        with self._counting_lock:
            if self._counting is None:
                self._counting = _COUNTING.submit(self._count)

    def _count(self) -> tuple[str, int]:
        """(SHA-256, lines: line breaks plus a last line without one), in one read."""
        digest, breaks, last = hashlib.sha256(), 0, b""
        for block in self.chunks():
            digest.update(block)
            breaks, last = breaks + block.count(b"\n"), block[-1:]
        return digest.hexdigest(), breaks + (1 if last not in (b"", b"\n") else 0)

    @property
    def sha256(self) -> str:
        self.count_in_background()
        return self._counting.result()[0]

    @property
    def line_count(self) -> int:
        self.count_in_background()
        return self._counting.result()[1]

    @property
    def ascii(self) -> bool:
        return self._encoding[1]

    def is_blank(self) -> bool:
        """Empty, or nothing but spaces and line breaks."""
        return all(block.isspace() for block in self.chunks())

    def is_utf8(self) -> bool:
        return self._encoding[0]

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def is_zip(self) -> bool:
        return self.head(4) == b"PK\x03\x04"

    @property
    def is_xlsx(self) -> bool:
        if not self.is_zip:
            return False
        try:
            names = zipfile.ZipFile(self.path if self._data is None else io.BytesIO(self._data)).namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)

    @property
    def is_xml(self) -> bool:
        head = self.head(512).lstrip(b"\xef\xbb\xbf").lstrip()
        return head.startswith((b"<?xml", b"<posts", b"<users"))


def open_source(path_or_bytes: str | Path | bytes, name: str | None = None) -> Source:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return Source(name or "upload", bytes(path_or_bytes))
    path = Path(path_or_bytes)
    return Source(name or path.name, path=path)


def marked_encoding(head: bytes) -> str | None:
    """The encoding a file's first bytes give away (a byte order mark, or UTF-16's zero bytes);
    None for text that is UTF-8 or Windows-1252."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: the zero bytes sit on the odd (LE) or even (BE) positions.
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), UTF-16 or Windows-1252."""
    encoding = marked_encoding(data)
    if encoding == "utf-8-sig":
        return data[3:].decode("utf-8", errors="replace"), encoding
    if encoding is not None:
        return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def first_record(text: str) -> str:
    """The header line (a header with a quoted line break keeps its continuation)."""
    end = 0
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            end = i
            break
    else:
        end = len(text)
    return text[:end]


def sniff_delimiter(header: str) -> str:
    """The delimiter the header line uses most (outside quotes); ',' when none."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_header(header: str, delimiter: str) -> list[str]:
    row = next(csv.reader([header], delimiter=delimiter), [])
    return [h.strip().lstrip("\ufeff") for h in row]


@dataclass
class CsvText:
    """A delimited text file ready for DuckDB's read_csv: UTF-8 on disk, with its header."""

    source: Source
    encoding: str
    delimiter: str
    headers: list[str]
    path: Path  # UTF-8 file DuckDB reads (the original when it already was UTF-8 without BOM)
    notices: list[str] = field(default_factory=list)

    def line_count(self) -> int:
        """Lines in the file DuckDB reads (a last line without a line break counts)."""
        return self._read.line_count

    def count_in_background(self) -> None:
        """Count the lines of the file DuckDB reads, and hash the file as handed over, while
        DuckDB reads it (Source.count_in_background)."""
        self._read.count_in_background()
        self.source.count_in_background()

    @property
    def ascii(self) -> bool:
        """Every byte of the file DuckDB reads is ASCII (so no value holds a non-breaking space)."""
        return self._read.ascii

    @functools.cached_property
    def _read(self) -> Source:
        """The file DuckDB reads, as a Source: the original, read once for all its checks."""
        return self.source if self.path == self.source.path else Source(self.path.name, path=self.path)

    def blank_lines(self) -> list[int]:
        """Empty lines, which read_csv skips (a search through the whole file: only worth it
        when the line count says there may be some)."""
        return blank_lines(self.path.read_bytes())


def blank_lines(content: str | bytes) -> list[int]:
    """Line numbers (header = 1) of empty lines after the header. read_csv skips them but counts
    them in its line numbers, so the numbering of good rows must skip them too. `content` is the
    text, or the bytes of a file whose line breaks are single bytes (UTF-8, Windows-1252)."""
    text = isinstance(content, str)
    lf, crlf = ("\n", "\r\n") if text else (b"\n", b"\r\n")
    if lf + lf not in content and lf + crlf not in content:
        return []
    pattern = r"\n(?=\r?\n)" if text else rb"\n(?=\r?\n)"
    out = []
    line, last = 1, 0
    for match in re.finditer(pattern, content):
        line += content.count(lf, last, match.start()) + 1
        last = match.start() + 1
        out.append(line)
    return [n for n in out if n > 1]


class Workspace:
    """A temporary folder for transcoded files, removed when the import is done."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="lookdown-import-")
        self.root = Path(self._dir.name)
        self._n = 0

    def write(self, text: str, suffix: str = ".csv") -> Path:
        self._n += 1
        path = self.root / f"file{self._n}{suffix}"
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def write_bytes(self, data: bytes, suffix: str) -> Path:
        self._n += 1
        path = self.root / f"file{self._n}{suffix}"
        path.write_bytes(data)
        return path

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def csv_text(source: Source, workspace: Workspace) -> CsvText:
    """Prepare a CSV (or an XLSX's first sheet) for DuckDB: UTF-8, known delimiter and headers."""
    notices: list[str] = []
    if source.is_xlsx:
        text = xlsx_to_csv(source.data)
        encoding, delimiter = "xlsx", ","
    elif source.path is not None and marked_encoding(source.head(4000)) is None and source.is_utf8():
        # UTF-8 on disk: DuckDB reads the file where it is; only its header is decoded here.
        head = source.head(HEADER_BYTES)
        whole_header = b"\n" in head or b"\r" in head or len(head) < HEADER_BYTES
        text = head.decode("utf-8", errors="ignore") if whole_header else source.data.decode("utf-8")
        encoding = "utf-8"
        delimiter = sniff_delimiter(first_record(text))
    else:
        text, encoding = decode(source.data)
        delimiter = sniff_delimiter(first_record(text))
    if encoding == "cp1252":
        notices.append("The file is not UTF-8; it was read as Windows-1252 (Excel's Western encoding).")
    headers = parse_header(first_record(text), delimiter)
    path = source.path if encoding == "utf-8" and source.path is not None else workspace.write(text)
    return CsvText(source, encoding, delimiter, headers, path, notices)


def xlsx_to_csv(data: bytes) -> str:
    """The first sheet of a workbook as CSV text (cells as text, dates as ISO)."""
    import pandas as pd  # openpyxl does the reading

    frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    frame = frame.dropna(how="all")
    for column in frame.columns:
        frame[column] = frame[column].map(_cell_text)
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue()


def _cell_text(value) -> str | None:
    import datetime as dt

    import pandas as pd

    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        if value.hour == value.minute == value.second == 0 and getattr(value, "microsecond", 0) == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xml_root(source: Source) -> str | None:
    """The root element's name ('posts', 'users', ...), read from the first tags only."""
    try:
        for _, element in ET.iterparse(io.BytesIO(source.data), events=("start",)):
            return element.tag.lower()
    except ET.ParseError:
        return None
    return None


def zip_members(source: Source) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
        return [n for n in archive.namelist() if not n.endswith("/")]


def zip_member(source: Source, member: str) -> Source:
    with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
        return Source(Path(member).name, archive.read(member))
