"""Files as users hand them over: bytes, encodings from Excel, delimiters, ZIPs and workbooks.

Nothing here holds a whole large file: files on disk are read in chunks, ZIP members and workbook
sheets are streamed within the limits of lookdown.ingest.limits, and every long read calls
`limits.check()` so that its time budget holds and an abandoned import stops.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import threading
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lookdown.ingest import limits
from lookdown.ingest.limits import ImportProblem, OverLimit, size_text

DELIMITERS = (",", ";", "\t", "|")


READ_CHUNK = 1 << 20
# Characters no text value holds (C0 controls but tab, line feed and carriage return; DEL): a NUL
# byte in a CSV is a damaged or binary file, and would pass unseen into names.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Hashes and counts files' lines beside the main thread (Source.count_in_background).
_COUNTING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lookdown-count")


class Source:
    """One file: its name, and its bytes or the path they are read from. A file on disk is read
    as needed: a large UTF-8 export is checked and hashed in chunks and handed to DuckDB by its
    path, so Python never holds it whole."""

    def __init__(self, name: str, data: bytes | None = None, path: Path | None = None):
        if data is None and path is None:
            raise ValueError("A source needs its bytes or a path.")
        self.name, self.path, self._data = name, path, data
        self._counting: Future[tuple[str, int, bool]] | None = None
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

    def open(self) -> BinaryIO:
        """The bytes as a file to read from (the file on disk, or the bytes in memory)."""
        return io.BytesIO(self._data) if self._data is not None else open(self.path, "rb")

    @property
    def size(self) -> int:
        return len(self._data) if self._data is not None else self.path.stat().st_size

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

    def _count(self) -> tuple[str, int, bool]:
        """(SHA-256, lines: line breaks plus a last line without one, whether a control character
        is in it), in one read."""
        digest, breaks, last, control = hashlib.sha256(), 0, b"", False
        for block in self.chunks():
            digest.update(block)
            breaks, last = breaks + block.count(b"\n"), block[-1:]
            control = control or CONTROL_BYTES.search(block) is not None
        return digest.hexdigest(), breaks + (1 if last not in (b"", b"\n") else 0), control

    @property
    def sha256(self) -> str:
        self.count_in_background()
        return self._counting.result()[0]

    @property
    def line_count(self) -> int:
        self.count_in_background()
        return self._counting.result()[1]

    @property
    def has_control_characters(self) -> bool:
        """Some byte is a control character no text holds (CONTROL_BYTES)."""
        self.count_in_background()
        return self._counting.result()[2]

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

    @functools.cached_property
    def is_xlsx(self) -> bool:
        if not self.is_zip:
            return False
        try:
            with self.open() as file, zipfile.ZipFile(file) as archive:
                names = archive.namelist()
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
    try:
        row = next(csv.reader([header], delimiter=delimiter), [])
    except csv.Error as error:  # a column name longer than the csv module's field limit
        raise ImportProblem(f"The header line holds a column name of more than {csv.field_size_limit():,} "
                            "characters: the first line should name the columns.") from error
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

    @property
    def has_control_characters(self) -> bool:
        """The file DuckDB reads holds a control character (so its values are checked for them)."""
        return self._read.has_control_characters

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


WORKSPACE_PREFIX = "lookdown-import-"


class Workspace:
    """A temporary folder for transcoded files, removed when the import is done. Its name holds
    the process's id, so that folders left by a process that was killed can be told from those
    of imports still running, and removed (`remove_stale_workspaces`)."""

    def __init__(self):
        remove_stale_workspaces()
        self._dir = tempfile.TemporaryDirectory(prefix=f"{WORKSPACE_PREFIX}{os.getpid()}-")
        self.root = Path(self._dir.name)
        self._n = 0

    def path(self, suffix: str) -> Path:
        """A new file name in the folder."""
        self._n += 1
        return self.root / f"file{self._n}{suffix}"

    def write(self, text: str, suffix: str = ".csv") -> Path:
        path = self.path(suffix)
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def write_bytes(self, data: bytes, suffix: str) -> Path:
        path = self.path(suffix)
        path.write_bytes(data)
        return path

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale_workspaces(folder: Path | None = None) -> list[Path]:
    """Remove the workspaces of imports whose process is gone (killed before it could clean up);
    those of running imports stay. Returns the folders removed."""
    folder = Path(folder or tempfile.gettempdir())
    removed = []
    for path in folder.glob(WORKSPACE_PREFIX + "*"):
        pid_text = path.name[len(WORKSPACE_PREFIX):].split("-", 1)[0]
        if not path.is_dir() or not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _header_end(head: bytes) -> int | None:
    """Where the header line of a file's first bytes ends (a line break outside quotes), or None."""
    quoted = False
    for i, byte in enumerate(head):
        if byte == 0x22:  # '"'
            quoted = not quoted
        elif byte in (0x0A, 0x0D) and not quoted:
            return i
    return None


def _check_header_size(source: Source) -> None:
    """Refuse a file whose header line passes MAX_HEADER_BYTES, before reading it whole."""
    limit = limits.MAX_HEADER_BYTES
    head = source.head(limit + 1)
    if len(head) > limit and _header_end(head) is None:
        raise OverLimit(f"{source.name}: the first line is longer than {size_text(limit)}. The first line "
                        "of a CSV names its columns and is far shorter: this file is not a table Lookdown "
                        "can read (or its line breaks were lost).")


def csv_text(source: Source, workspace: Workspace) -> CsvText:
    """Prepare a CSV (or an XLSX's first sheet) for DuckDB: UTF-8, known delimiter and headers."""
    notices: list[str] = []
    if source.is_xlsx:
        path = xlsx_to_csv(source, workspace)
        encoding, delimiter = "xlsx", ","
        header = first_record(_head_text(path))
        return CsvText(source, encoding, delimiter, parse_header(header, delimiter), path, notices)
    _check_header_size(source)
    marked = marked_encoding(source.head(4000))
    if marked is None and source.is_utf8():
        encoding = "utf-8"
        # UTF-8 on disk: DuckDB reads the file where it is. Bytes in memory are written out as they are.
        path = source.path if source.path is not None else _copy(source, workspace)
    elif marked is not None:
        encoding, path = marked, _transcode(source, marked, workspace)
    else:
        encoding, path, notice = _decode_lines(source, workspace)
        notices.append(notice)
    header = first_record(_head_text(path))
    delimiter = sniff_delimiter(header)
    return CsvText(source, encoding, delimiter, parse_header(header, delimiter), path, notices)


def _head_text(path: Path) -> str:
    """The first bytes of a UTF-8 file DuckDB will read, as text: enough for its header line."""
    with open(path, "rb") as file:
        return file.read(limits.MAX_HEADER_BYTES).decode("utf-8", errors="ignore")


def _copy(source: Source, workspace: Workspace) -> Path:
    path = workspace.path(".csv")
    with open(path, "wb") as out:
        for block in source.chunks():
            out.write(block)
    return path


def _transcode(source: Source, encoding: str, workspace: Workspace) -> Path:
    """A file with a byte order mark or in UTF-16, as UTF-8 without a mark, a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-8" if encoding == "utf-8-sig" else encoding)(errors="replace")
    path = workspace.path(".csv")
    with open(path, "w", encoding="utf-8", newline="") as out:
        first = True
        for block in source.chunks():
            limits.check()
            text = decoder.decode(block)
            if first and text:
                text, first = text.lstrip("\ufeff") if encoding in ("utf-8-sig", "utf-16") else text, False
            out.write(text)
        out.write(decoder.decode(b"", final=True))
    return path


# A line break is one byte in both encodings a file without a mark can be in, so a file can be
# decoded line by line, each line in the one it is valid in.
_SHOWN_LINES = 10


def _decode_lines(source: Source, workspace: Workspace) -> tuple[str, Path, str]:
    """A file that is not UTF-8 throughout, as UTF-8: each line that is valid UTF-8 read as such,
    every other line as Windows-1252 (Excel's Western encoding). Text in Windows-1252 with an
    accented letter is practically never valid UTF-8, so this reads a file that mixes the two
    (rows appended in Excel to a UTF-8 export) as its author wrote it, where reading it all as
    Windows-1252 would turn every UTF-8 'é' into 'Ã©'. The notice names the lines read as
    Windows-1252 when the file mixes the two. Returns (encoding, path, notice)."""
    path = workspace.path(".csv")
    cp1252_lines: list[int] = []
    utf8_lines = 0
    number = 0
    rest = b""
    with open(path, "w", encoding="utf-8", newline="") as out:
        for block in [*source.chunks(), None]:
            limits.check()
            lines = (rest + block).split(b"\n") if block is not None else [rest]
            rest = lines.pop() if block is not None else b""
            for i, line in enumerate(lines):
                last = block is None and i == len(lines) - 1
                number += 1
                try:
                    text = line.decode("utf-8")
                    utf8_lines += not line.isascii()
                except UnicodeDecodeError:
                    text = line.decode("cp1252", errors="replace")
                    cp1252_lines.append(number)
                out.write(text if last else text + "\n")
    if not utf8_lines:
        return "cp1252", path, "The file is not UTF-8; it was read as Windows-1252 (Excel's Western encoding)."
    shown = ", ".join(f"{n:,}" for n in cp1252_lines[:_SHOWN_LINES])
    more = f" and {len(cp1252_lines) - _SHOWN_LINES:,} more" if len(cp1252_lines) > _SHOWN_LINES else ""
    lines_word = "Line" if len(cp1252_lines) == 1 else "Lines"
    return "utf-8+cp1252", path, (
        f"The file mixes two encodings: {lines_word.lower()} {shown}{more} "
        f"{'is' if len(cp1252_lines) == 1 else 'are'} in Windows-1252 (Excel's Western encoding), the rest in "
        f"UTF-8. Each line was read in its own encoding; check the accented letters on "
        f"{'that line' if len(cp1252_lines) == 1 else 'those lines'}, and save the file again as UTF-8."
    )


# -- ZIP archives ------------------------------------------------------------------------------


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_archive(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse an archive from its directory, before anything is inflated: a symbolic link, an
    encrypted file, too many files, a file or a total that would inflate past the limits, or a
    compression ratio only a ZIP bomb reaches."""
    infos = archive.infolist()
    if len(infos) > limits.MAX_MEMBERS:
        raise OverLimit(f"{name} holds {len(infos):,} files; Lookdown reads ZIPs of up to {limits.MAX_MEMBERS:,}. "
                        "Export a shorter period.")
    total = 0
    for info in infos:
        if _is_symlink(info):
            raise ImportProblem(f"{name} holds a symbolic link ({info.filename}), not a file: Lookdown reads "
                                "only ordinary files from a ZIP. Zip the export's files themselves.")
        if info.flag_bits & 0x1:
            raise ImportProblem(f"{name} is protected by a password ({info.filename} is encrypted): export it "
                                "again without a password.")
        if info.file_size > limits.MAX_MEMBER_BYTES:
            raise OverLimit(f"{name}: {info.filename} would inflate to {size_text(info.file_size)}, more than "
                            f"the {size_text(limits.MAX_MEMBER_BYTES)} Lookdown reads from one file in a ZIP.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.RATIO_CHECKED_FROM and ratio > limits.MAX_COMPRESSION_RATIO:
            raise OverLimit(
                f"{name}: {info.filename} would inflate {ratio:,.0f} times, from {size_text(info.compress_size)} "
                f"to {size_text(info.file_size)}. Exports compress about 5 to 20 times; past "
                f"{limits.MAX_COMPRESSION_RATIO} times a ZIP is taken for a 'ZIP bomb', made to exhaust the memory "
                "of whoever opens it, and Lookdown does not open it. If it is a genuine export, save it as CSV "
                "(or unzip it) and import that.")
        total += info.file_size
    if total > limits.MAX_ARCHIVE_BYTES:
        raise OverLimit(f"{name} would inflate to {size_text(total)} in all, more than the "
                        f"{size_text(limits.MAX_ARCHIVE_BYTES)} Lookdown reads from one ZIP. Export a shorter period.")


@contextlib.contextmanager
def open_zip(source: Source) -> Iterator[zipfile.ZipFile]:
    """The archive (read from disk when it is on disk), checked by `check_archive`."""
    with source.open() as file:
        try:
            archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile as error:
            raise ImportProblem(f"{source.name} is not a readable ZIP archive ({error}).") from error
        with archive:
            check_archive(source.name, archive)
            yield archive


class MemberReader(io.RawIOBase):
    """One file of a ZIP as it inflates, a chunk at a time, each chunk checking the import's
    budget. zipfile stops at the size the ZIP's directory declares and then checks the CRC, so a
    directory that understates a size (to slip past check_archive) gives a CRC error, reported
    here by name as a damaged file, before more than the declared bytes are inflated."""

    def __init__(self, archive_name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo):
        self.name = f"{archive_name}: {info.filename}"
        self._stream = archive.open(info)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        limits.check()
        try:
            data = self._stream.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise ImportProblem(f"{self.name} is damaged ({error}): the ZIP is incomplete, or its directory "
                                "does not match its contents.") from error
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_member(archive_name: str, archive: zipfile.ZipFile, member: str) -> io.BufferedReader:
    """A buffered, counted stream of one file of a checked archive (MemberReader)."""
    return io.BufferedReader(MemberReader(archive_name, archive, archive.getinfo(member)), limits.MB)


def extract_member(source: Source, member: str, workspace: Workspace, name: str) -> Source:
    """One file of a ZIP, inflated into the workspace a chunk at a time, as a Source named `name`."""
    path = workspace.path(Path(member).suffix or ".bin")
    with open_zip(source) as archive, open_member(source.name, archive, member) as stream, \
            open(path, "wb") as out:
        shutil.copyfileobj(stream, out, limits.MB)
    return Source(name, path=path)


def zip_members(source: Source) -> list[str]:
    """The file names inside a ZIP (checked by `check_archive`)."""
    with open_zip(source) as archive:
        return [n for n in archive.namelist() if not n.endswith("/")]


# -- Workbooks ---------------------------------------------------------------------------------


def xlsx_to_csv(source: Source, workspace: Workspace) -> Path:
    """The first sheet of a workbook as a CSV file in the workspace (cells as text, dates as ISO),
    read a row at a time (openpyxl's read-only mode) and written as it is read. The workbook is a
    ZIP, checked like any other first; then at most MAX_XLSX_CELLS cells are read, in at most
    MAX_XLSX_SECONDS and within the import's time budget. Empty rows are left out; rows are cut
    or padded to the header's width."""
    import openpyxl  # only for workbooks: it takes a while to import

    with open_zip(source):
        pass  # the directory's sizes and ratios, before openpyxl inflates anything
    path = workspace.path(".csv")
    cells_limit = limits.MAX_XLSX_CELLS
    sheet_budget = limits.Budget(source.name, limits.MAX_XLSX_SECONDS, advice=(
        "the limit for a workbook's sheet. Save the sheet as CSV, which is read many times faster, and import that."))
    with source.open() as file:
        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (KeyError, OSError, ValueError, zipfile.BadZipFile, ET.ParseError) as error:
            raise ImportProblem(f"{source.name} is not a workbook Lookdown can read ({error}).") from error
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            with open(path, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                width, cells = None, 0
                for number, row in enumerate(rows, start=1):
                    cells += len(row)
                    if cells > cells_limit:
                        raise OverLimit(f"{source.name}: the sheet holds more than {cells_limit:,} cells (row "
                                        f"{number:,} passes the limit). Export fewer rows or columns at a time.")
                    if number % 1000 == 0:
                        limits.check()
                        sheet_budget.check()
                    values = [_cell_text(value) for value in row]
                    if width is None:
                        width = _header_width(values)
                        values = [v if v is not None else f"Unnamed: {i}" for i, v in enumerate(values[:width])]
                    elif all(v is None for v in values):
                        continue
                    writer.writerow((values + [None] * width)[:width])
        finally:
            book.close()
    return path


def _header_width(values: list[str | None]) -> int:
    """Columns of a sheet: up to its header row's last named cell."""
    named = [i for i, v in enumerate(values) if v not in (None, "")]
    return named[-1] + 1 if named else 0


def _cell_text(value) -> str | None:
    import datetime as dt

    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == 0 and value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


# -- XML ---------------------------------------------------------------------------------------


def xml_root(source: Source) -> str | None:
    """The root element's name ('posts', 'users', ...), read from the first tags only."""
    with source.open() as file:
        try:
            for _, element in ET.iterparse(file, events=("start",)):
                return element.tag.lower()
        except ET.ParseError:
            return None
    return None
