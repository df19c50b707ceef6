"""Reading and writing the CSV registers of CASE_FORMAT §3 and §4.

Encodings (CASE_FORMAT §3): UTF-8 with or without a byte-order mark, and GB18030 (what Excel
saves for Chinese). Detected by decoding strictly as UTF-8 (BOM allowed) and then strictly as
GB18030, or given (`encoding="utf-8"` | `"gb18030"`). Anything else — UTF-16/32 (a BOM, or NUL
bytes in the header line), bytes that neither decoding accepts, or a GB18030 decoding that yields
C1 control, private-use or unassigned characters (the usual sign of Latin-1 or another code
page) — is refused with a message naming the file. Limit: a Latin-1 file whose bytes happen to form plausible GB18030
cannot be told apart by its bytes alone; give `--encoding` to be sure.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2
(a quoted cell spanning several lines is still one row). Blank rows are skipped.

Hostile files end in an InputError naming the file (and the row and column where there is one),
never in a traceback: a file over MAX_FILE_BYTES is refused before it is read; NUL bytes in the
header line mean UTF-16/UTF-32 or a binary file (a workbook is read as one, whatever its name) and refuse the
file, while a stray NUL or other control character in a cell (PostgreSQL cannot even store a NUL)
and a cell over MAX_CELL_CHARS are problems of that row and column; a row with too few or too
many cells names the first missing column or the first extra position. Cells beginning with
`=`, `+`, `-` or `@`, after any blanks, or with a tab or carriage return (what spreadsheets run
as formulas: "CSV injection", OWASP) are found by `looks_like_formula`: on import `formula_problem`
refuses them in each register's free-text columns; on export `safe_writer` prefixes them with `'`.

Shared by both registers: `parse_date` (YYYY-MM-DD, and YYYY/M/D or YYYY-M-D as Excel writes
dates), `mark_duplicates` (a key twice in one file), `ImportResult`, `write_rejected`.

Columns (CASE_FORMAT v2 §3–§4): each register has one table of `Column`s — the English name,
the Chinese name (中文列名) and whether the column is optional (a file may leave it out: older
files stay valid). The header row uses the English names or the Chinese ones, never a mix (a
mixed header is refused naming the file and the columns of each language); the rows are then
read by the English names. A first sheet of an `.xlsx` workbook is read like a CSV file
(engine/registers/xlsxio.py); which one a file is, its bytes say.

Export: UTF-8 **with** a BOM and CRLF line ends — Excel opens that correctly as Unicode (without
the BOM it guesses the ANSI code page and garbles Chinese), and both encodings are accepted back
on import, so an exported file round-trips unchanged.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import gc
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from engine.core.errors import InputError, Problem
from engine.core.paths import refuse_special_file
from engine.registers.seen import FirstRows, KeyList

ENCODINGS = ("utf-8", "gb18030")
MAX_FILE_BYTES = 512 * 1024 * 1024  # a township's register is a few hundred kilobytes; a province's
                                    # million penalties about 160 MB (bench/bench_credit_scan.py)
MAX_CELL_CHARS = 10_000             # no register cell is longer than a paragraph
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")          # OWASP defuses these too: a spreadsheet may drop them and run the rest
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
# the csv module refuses fields over 128 KiB with an error that names neither row nor column;
# the file-size limit bounds every field, and MAX_CELL_CHARS then names the cell. Only raised.
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
R = TypeVar("R")
# validate_row(cells, row_number, file) -> (record | None, problems), (record | None, problems, warnings) or
# (record | None, problems, warnings, the record's canonical cells | None: Row.canonical)
Validator = Callable[[dict[str, str], int, str], tuple[Any, ...]]


@dataclass(frozen=True)
class Column:
    """One column of a register: its English name, its Chinese name (CASE_FORMAT v2 §3–§4), and
    whether a file may leave it out."""

    name: str
    zh: str
    optional: bool = False


def names(table: Sequence[Column]) -> tuple[str, ...]:
    """The English column names of a register, in its order."""
    return tuple(c.name for c in table)


def header_labels(table: Sequence[Column], headers: str = "en") -> tuple[str, ...]:
    """The header row a register file is written with: English (`en`) or Chinese (`zh`) names."""
    if headers not in ("en", "zh"):
        raise ValueError(f"headers must be en or zh, not {headers!r}")
    return tuple(c.zh if headers == "zh" else c.name for c in table)


def english_header(header: Sequence[str], table: Sequence[Column | str], file: str) -> list[str]:
    """The header row read by English names: Chinese names are translated, a header that mixes the
    two is refused naming the columns of each language; then every missing, unknown or duplicate
    column is refused (an optional column may be missing). A table of plain names reads English only."""
    cols: list[Column] = [Column(c, c) if isinstance(c, str) else c for c in table]
    by_zh = {c.zh: c.name for c in cols if c.zh != c.name}
    english = [h for h in header if h in {c.name for c in cols}]
    chinese = [h for h in header if h in by_zh]
    if english and chinese:
        raise InputError([Problem(file, "row 1",
                                  f"表头混用中文列名（{'、'.join(chinese)}）和英文列名（{'、'.join(english)}），"
                                  "一个文件只能用一种 / the header mixes Chinese column names "
                                  f"({', '.join(chinese)}) and English ones ({', '.join(english)}); "
                                  "use one or the other")])
    if chinese:
        translated = [by_zh.get(h, h) for h in header]
        problems = check_header(translated, [c.name for c in cols], file,
                                optional=[c.name for c in cols if c.optional], shown={c.name: c.zh for c in cols})
    else:
        translated = list(header)
        problems = check_header(translated, [c.name for c in cols], file,
                                optional=[c.name for c in cols if c.optional])
    if problems:
        raise InputError(problems)
    return translated


@dataclass
class Row(Generic[R]):
    """One record row of a register file: its cells, and what validating it gave."""

    number: int                      # spreadsheet row number (header = 1)
    cells: dict[str, str]
    record: R | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # the record's canonical cells (its `to_row()`), when the validator gave them beside it (a fourth
    # value): an import then need not write the record back into cells
    canonical: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.problems


class RowCheck:
    """The problems and warnings of one row of a register file, each naming its column (its Chinese
    name from `column_zh`) with a message in both languages."""

    def __init__(self, file: str, n: int, column_zh: Mapping[str, str]):
        self.file, self.n, self.column_zh = file, n, column_zh
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def bad(self, column: str, zh: str, en: str) -> None:
        self.problems.append(Problem(self.file, where(self.n, column), f"{self.column_zh[column]}：{zh} / {en}"))

    def warn(self, column: str, zh: str, en: str) -> None:
        self.warnings.append(Problem(self.file, where(self.n, column), f"{self.column_zh[column]}：{zh} / {en}"))


def where(n: int, column: str | None = None) -> str:
    """The `path` of a problem on a row: "row 5, issued_on" (or "row 5")."""
    return f"row {n}, {column}" if column else f"row {n}"


def decode(raw: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a register file held in memory; gives (text, encoding used) or raises InputError naming the file."""
    codec = detect_encoding(lambda: (raw,), file, encoding)
    return raw.decode(codec), ENCODING_NAMES[codec]


ENCODING_NAMES = {"utf-8-sig": "utf-8", "gb18030": "gb18030"}
READ_CHUNK = 1 << 20                # bytes read at a time when a file is checked or read


def detect_encoding(chunks: Callable[[], Iterable[bytes]], file: str, encoding: str | None = None) -> str:
    """The codec a register file is read with ("utf-8-sig" or "gb18030"), found by decoding its bytes
    whole, a chunk at a time, nothing kept (`chunks()` gives them from the start, each call anew);
    raises InputError naming the file (and the byte where it is) when it is neither."""
    wanted = _wanted_encoding(encoding, file)
    with contextlib.closing(_generator(chunks())) as start:
        first = next(start, b"")
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if first.startswith(bom):
            raise _refused(file, f"{name}（带字节顺序标记）", f"{name} (byte-order mark)")
    if b"\x00" in first.split(b"\n", 1)[0]:   # the header is plain column names: NULs there are no text
        raise _refused(file, "表头行含空字节，可能是 UTF-16/UTF-32 或二进制文件（如 .xlsx）",
                       "NUL bytes in the header line, probably UTF-16/UTF-32 or a binary file (such as .xlsx)")
    if wanted in (None, "utf-8"):
        bad_byte, _ = _first_undecodable(chunks(), "utf-8-sig", plausible=False)
        if bad_byte is None:
            return "utf-8-sig"
        if wanted == "utf-8":
            raise _refused(file, f"不是有效的 UTF-8（第 {bad_byte} 字节）", f"not valid UTF-8 (byte {bad_byte})")
    bad_byte, odd = _first_undecodable(chunks(), "gb18030", plausible=wanted is None)
    if bad_byte is not None:
        if wanted == "gb18030":
            raise _refused(file, f"不是有效的 GB18030（第 {bad_byte} 字节）", f"not valid GB18030 (byte {bad_byte})")
        raise _refused(file, f"既不是 UTF-8 也不是 GB18030（第 {bad_byte} 字节无法解码）",
                       f"neither UTF-8 nor GB18030 (byte {bad_byte} cannot be decoded)")
    if odd is not None:
        raise _refused(file, f"按 GB18030 解码得到异常字符 U+{ord(odd):04X}，可能是 Latin-1 等其他编码",
                       f"decoding as GB18030 gives the unlikely character U+{ord(odd):04X}; "
                       "probably Latin-1 or another code page")
    return "gb18030"


def _wanted_encoding(encoding: str | None, file: str) -> str | None:
    if encoding is None:
        return None
    wanted = encoding.lower().replace("_", "-")
    if wanted in ("utf8", "utf-8-sig"):
        wanted = "utf-8"
    if wanted not in ENCODINGS:
        raise InputError.single(file, f"不支持的编码 {encoding!r}，应为 utf-8 或 gb18030"
                                      f" / unsupported encoding {encoding!r}, expected utf-8 or gb18030")
    return wanted


# what every Chinese register is made of: a character outside these is looked at one by one
_COMMON = re.compile("[^\x00-\x7f\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")


def _first_undecodable(chunks: Iterable[bytes], codec: str, plausible: bool) -> tuple[int | None, str | None]:
    """(the 1-based number of the first byte `codec` cannot decode, None), or (None, the first
    implausible character when `plausible` is asked for), or (None, None): the bytes are that codec."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with contextlib.closing(_generator(chunks)) as source:
        for chunk in itertools.chain(source, [b""]):
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start + 1, None
            offset += len(chunk)
            if plausible:
                odd = next((m.group() for m in _COMMON.finditer(text) if _implausible(m.group())), None)
                if odd is not None:
                    return None, odd
    return None, None


def _generator(chunks: Iterable[bytes]) -> Generator[bytes, None, None]:
    """The chunks as a generator, which `contextlib.closing` ends (and so closes the file they come from)."""
    yield from chunks


def _implausible(ch: str) -> bool:
    if ch < "\x20" or ch == "\x7f":   # ASCII controls are the same bytes in every encoding: a cell's problem
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Co", "Cs", "Cn")


def _refused(file: str, zh: str, en: str) -> InputError:
    return InputError.single(file, f"文件编码无法识别：{zh}；应为 UTF-8（可带 BOM）或 GB18030"
                                   f" / unreadable encoding: {en}; expected UTF-8 (with or without BOM) or GB18030")


def check_header(header: Sequence[str], columns: Sequence[str], file: str, optional: Sequence[str] = (),
                 shown: Mapping[str, str] | None = None) -> list[Problem]:
    """Problems of a header row against the column list: missing (unless optional), unknown,
    duplicate columns. `shown` names the columns as the file does (the Chinese names)."""
    def say(name: str) -> str:
        return (shown or {}).get(name, name)
    expected = ", ".join(say(c) for c in columns)
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, "row 1", f"列 {say(name)!r} 重复 / duplicate column {say(name)!r}"))
        seen.add(name)
    for name in header:
        if name not in columns:
            problems.append(Problem(file, "row 1", f"未知列 {say(name)!r}，应为：{expected}"
                                                   f" / unknown column {say(name)!r}; expected: {expected}"))
    for name in columns:
        if name not in seen and name not in optional:
            problems.append(Problem(file, "row 1", f"缺少列 {say(name)!r} / missing column {say(name)!r}"))
    return problems


def read_rows(path: Path | str, columns: Sequence[Column | str], validate_row: Validator,
              encoding: str | None = None) -> list[Row[Any]]:
    """Read and validate every row; raises InputError only for the file as a whole
    (unreadable, too large, bad encoding, malformed CSV, bad header). Row problems are left on the rows."""
    with without_cyclic_gc():
        return list(iter_rows(path, columns, validate_row, encoding))


@contextlib.contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Build a large acyclic structure (a register's rows) without the cyclic collector rescanning
    it again and again as it grows (about a quarter of the reading time at 300,000 rows); what is
    kept is then frozen out of later collections."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def iter_rows(path: Path | str, columns: Sequence[Column | str], validate_row: Validator,
              encoding: str | None = None) -> Iterator[Row[Any]]:
    """Read and validate the rows one at a time, streaming the file (a register of any size is never
    held whole: its bytes are decoded once to learn the encoding, then read as rows). The file as a
    whole (size, encoding, header) is checked before the first row is given; a malformed CSV record
    raises InputError naming its row when the reading reaches it. A workbook (.xlsx) is read from its
    first sheet (held in memory; a sheet has at most 1,048,576 rows); `encoding` is then not used."""
    from engine.registers import xlsxio
    path = Path(path)
    file = str(path)
    size = _checked_size(path, file)
    start = _read_bytes(path, file, limit=64) if size else b""
    if xlsxio.is_workbook(start, file):
        raw = _read_bytes(path, file)
        sheet_header, sheet = xlsxio.sheet_rows(raw, file)
        del raw
        header = english_header(sheet_header, columns, file)
        return _validated(_fitted(sheet, len(header)), header, validate_row, file)
    codec = detect_encoding(lambda: _chunks(path, file), file, encoding)
    records = _records(_open_text(path, file, codec), file)
    try:
        first = next(records, None)
        if first is None or not any(cell.strip() for cell in first):
            raise InputError.single(file, "文件为空或缺少表头行 / empty file or no header row", "row 1")
        header = english_header([cell.strip() for cell in first], columns, file)
    except InputError:
        records.close()                  # and the file with it
        raise
    return _validated(records, header, validate_row, file)


def count_lines(path: Path | str) -> int:
    """The line ends of a file (a register's rows, give or take a cell spanning lines): a progress bar's total."""
    file = str(path)
    return sum(chunk.count(b"\n") for chunk in _chunks(Path(path), file))


def _chunks(path: Path, file: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(READ_CHUNK):
                yield chunk
    except OSError as exc:
        raise InputError.single(file, f"无法读取文件 / cannot read the file: {exc.strerror or exc}") from None


def _open_text(path: Path, file: str, codec: str) -> TextIO:
    try:
        return open(path, encoding=codec, newline="")
    except OSError as exc:
        raise InputError.single(file, f"无法读取文件 / cannot read the file: {exc.strerror or exc}") from None


def _fitted(rows: Iterator[list[str]], width: int) -> Iterator[list[str]]:
    """A sheet's rows to the header's width: a spreadsheet leaves out empty cells at a row's end
    (filled in) and may keep empty cells past the last column (dropped); text there stays, and
    the row is refused as too long."""
    for cells in rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells)) if cells else cells
        elif len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        yield cells


def _validated(records: Iterator[list[str]], header: list[str], validate_row: Validator,
               file: str) -> Iterator[Row[Any]]:
    width = len(header)
    for index, cells in enumerate(records, start=2):
        joined = "".join(cells)
        if not joined.strip():           # every cell blank
            continue
        row: Row[Any] = Row(index, dict(zip(header, cells)) if len(cells) == width else
                            {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)})
        if len(cells) != width:
            row.problems.extend(_ragged(cells, header, index, file))
        elif _suspect(cells, joined):
            row.problems.extend(_bad_cells(cells, header, index, file))
        if not row.problems:
            result = validate_row(row.cells, index, file)
            row.record, row.problems = result[0], list(result[1])
            row.warnings = list(result[2]) if len(result) > 2 else []
            if len(result) > 3:
                row.canonical = result[3]
        yield row


def _checked_size(path: Path, file: str) -> int:
    """The file's size; a special file, an unreadable one or one over MAX_FILE_BYTES is refused."""
    refuse_special_file(path, file)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError.single(file, f"无法读取文件 / cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputError.single(file, f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES} 字节）"
                                      f" / file too large ({size} bytes, at most {MAX_FILE_BYTES})")
    return size


def _read_bytes(path: Path, file: str, limit: int = -1) -> bytes:
    """The file's bytes (its first `limit` bytes), checked as `_checked_size` says."""
    _checked_size(path, file)
    try:
        with open(path, "rb") as stream:
            return stream.read(limit)
    except OSError as exc:
        raise InputError.single(file, f"无法读取文件 / cannot read the file: {exc.strerror or exc}") from None


def _records(source: TextIO | str, file: str) -> Generator[list[str], None, None]:
    """The CSV records of a text stream (closed at the end) or of a text, one at a time; a
    malformed record is refused naming its row."""
    stream = io.StringIO(source, newline="") if isinstance(source, str) else source
    with stream:
        reader = csv.reader(stream)
        n = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError.single(file, f"CSV 格式错误 / malformed CSV: {exc}", where(n + 1)) from None
            except UnicodeDecodeError as exc:      # the file changed after its encoding was checked
                raise _refused(file, str(exc), str(exc)) from None
            n += 1
            yield record


def _ragged(cells: Sequence[str], header: Sequence[str], n: int, file: str) -> list[Problem]:
    """A row with too few cells names the first missing column; too many, the first extra position."""
    if len(cells) == len(header):
        return []
    column = header[len(cells)] if len(cells) < len(header) else f"column {len(header) + 1}"
    return [Problem(file, where(n, column), f"应有 {len(header)} 个字段，实际 {len(cells)} 个"
                                            f" / expected {len(header)} fields, got {len(cells)}")]


def _bad_cells(cells: Sequence[str], header: Sequence[str], n: int, file: str) -> list[Problem]:
    """Cells no register may hold: longer than MAX_CELL_CHARS, or with a control character
    (tab and line ends excepted: a quoted cell may span lines)."""
    problems = []
    for name, cell in zip(header, cells):
        if len(cell) > MAX_CELL_CHARS:
            problems.append(Problem(file, where(n, name),
                                    f"内容过长（{len(cell)} 字，上限 {MAX_CELL_CHARS} 字） / cell too long "
                                    f"({len(cell)} characters, at most {MAX_CELL_CHARS})"))
            continue
        found = _CONTROL.search(cell)
        control = found.start() if found else None
        if control is not None:
            code = f"U+{ord(cell[control]):04X}"
            problems.append(Problem(file, where(n, name), f"第 {control + 1} 个字符是控制字符 {code}"
                                                          f" / character {control + 1} is the control "
                                                          f"character {code}"))
    return problems


# Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F; tab and line ends are allowed
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control(ch: str) -> bool:
    return _CONTROL.match(ch) is not None


def _suspect(cells: Sequence[str], joined: str) -> bool:
    """Whether a row may hold a bad cell (too long, or a control character): one test for the row
    (`joined`: its cells joined)."""
    return len(joined) > MAX_CELL_CHARS and max(map(len, cells)) > MAX_CELL_CHARS or \
        _CONTROL.search(joined) is not None


def looks_like_formula(cell: str) -> bool:
    """Whether a spreadsheet could run the cell: it begins with =, +, - or @ (after any leading
    blanks), or with a tab or carriage return (OWASP's list for CSV injection)."""
    return cell.startswith(CONTROL_STARTS) or cell.lstrip().startswith(FORMULA_STARTS)


def formula_problem(text: str) -> tuple[str, str] | None:
    """(Chinese, English) when a cell begins as a spreadsheet formula would (=, +, -, @): the one
    check both registers apply to their free-text columns on import."""
    if not looks_like_formula(text):
        return None
    zh, en = ("制表符或回车", "a tab or carriage return") if text.startswith(CONTROL_STARTS) else \
        (text.lstrip()[0],) * 2
    return (f"不得以 {zh} 开头（电子表格会当作公式执行）",
            f"must not begin with {en} (a spreadsheet would run it as a formula)")


def defuse_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, with a leading `'` (OWASP's defence against CSV
    injection); every other cell as it is. Imports refuse such cells, so only rows stored before
    that, or text from elsewhere (a rejected row, a follow-up message), are ever changed."""
    return "'" + cell if looks_like_formula(cell) else cell


def record_from_mapping(values: Mapping[str, Any], label: str, columns: Sequence[str],
                        validate_row: Validator) -> Any:
    """A register row given as a mapping (a rule file's test case: lists for `;` columns) validated
    as a CSV row would be; InputError with every problem, unknown fields included."""
    cells = {k: (";".join(str(x) for x in v) if isinstance(v, list) else "" if v is None else str(v))
             for k, v in values.items()}
    result = validate_row(cells, 1, label)
    problems = list(result[1]) + [Problem(label, k, f"未知字段 {k!r}，应为 {' | '.join(columns)} 之一 / unknown field")
                                  for k in sorted(set(cells) - set(columns))]
    if problems:
        raise InputError(problems)
    return result[0]


@functools.lru_cache(maxsize=8192)        # a register's dates repeat: a few thousand distinct days
def parse_date(text: str) -> date | None:
    """A register date: YYYY-MM-DD, or YYYY/M/D and YYYY-M-D as Excel writes them; None if invalid."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def iso_date(text: str) -> date | None:
    """The day `text` writes as its ISO text (YYYY-MM-DD, what `date.isoformat` gives), or None:
    a date written otherwise (`parse_date` reads more spellings) or no date. A row whose dates are
    all written so is already canonical (engine/credit/use_cases.validate_imported_row)."""
    day = parse_date(text)
    return day if day is not None and day.isoformat() == text else None


def mark_duplicates(rows: Iterable[Row[Any]], column: str, label: tuple[str, str], file: str) -> None:
    """Refuse every row whose `column` repeats an earlier row's (the first one stays good)."""
    for _ in unique_by_column(rows, column, label, file):
        pass


def unique_by_column(rows: Iterable[Row[Any]], column: str, label: tuple[str, str],
                     file: str) -> Iterator[Row[Any]]:
    """The rows as they are read, each whose `column` repeats an earlier row's refused (the first
    one stays good): what `mark_duplicates` does, for a register streamed row by row."""
    return unique_by(rows, lambda row: (row.cells.get(column) or "").strip(), column, file, repeated(label))


def unique_by(rows: Iterable[Row[Any]], key: Callable[[Row[Any]], str | None], column: str, file: str,
              said: Callable[[str, int], str]) -> Iterator[Row[Any]]:
    """The rows as they are read, each whose key (`key(row)`; None or empty: it has none) repeats an
    earlier row's refused on `column` with `said(key, the earlier row's number)`; the first stays good.
    Every key's first row is remembered in a few bytes (engine/registers/seen.FirstRows)."""
    first = FirstRows()
    for row in rows:
        k = key(row)
        if k and (earlier := first.first(k, row.number)) is not None:
            row.problems.append(Problem(file, where(row.number, column), said(k, earlier)))
            row.record = row.canonical = None
        yield row


def repeated(label: tuple[str, str]) -> Callable[[str, int], str]:
    """How `unique_by` says a key is repeated, the column named by its (Chinese, English) label."""
    zh, en = label
    return lambda key, first: f"{zh}：{key} 与第 {first} 行重复 / duplicate {en} {key}, already on row {first}"


@dataclass
class ImportResult:
    """What an import did: keys imported, updated, unchanged (each read like a list, held in a few
    bytes a key: a million of them); problems of rejected rows; warnings."""

    imported: KeyList = field(default_factory=KeyList)
    updated: KeyList = field(default_factory=KeyList)
    unchanged: KeyList = field(default_factory=KeyList)
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def reason_of(row: Row[Any]) -> str:
    """A rejected row's problems as one cell: "row 5, decided_on: …；row 5, category: …"."""
    return "；".join(f"{p.path}: {p.message}" for p in row.problems)


def write_rejected(rows: Iterable[Row[Any]], columns: Sequence[str], target: Path | str | TextIO) -> None:
    """The rejected rows as a register file: the columns as given, plus `reason` (to a path or a stream).

    The file is opened in a spreadsheet to be corrected, and its cells came from an untrusted
    file: a cell that would run as a formula is written with a leading `'` (the usual defence
    against CSV injection; its reason says what to correct). Every other cell is as given.
    """
    records = ({**r.cells, "reason": reason_of(r)} for r in rows)      # cells defused by write_register
    if isinstance(target, (str, Path)):
        with open(target, "w", encoding="utf-8", newline="") as stream:
            write_register(records, tuple(columns) + ("reason",), stream)
    else:
        write_register(records, tuple(columns) + ("reason",), target)


def read_register(path: Path | str, columns: Sequence[Column], validate_row: Validator,
                  encoding: str | None = None) -> tuple[list[Any], list[Problem], list[Problem]]:
    """Read a register: (records of the good rows, problems of the bad rows, warnings)."""
    rows = read_rows(path, columns, validate_row, encoding)
    return ([r.record for r in rows if r.ok], [p for r in rows for p in r.problems],
            [w for r in rows for w in r.warnings])


def write_register(records: Iterable[Mapping[str, Any]], columns: Sequence[str], stream: TextIO,
                   bom: bool = True, labels: Sequence[str] | None = None) -> None:
    """Write rows (mappings of column → text) as CSV with the header row (`labels`, default the
    column names), to a text stream opened with `newline=""` (UTF-8 when it is a file). A BOM is
    written first unless `bom=False`."""
    if bom:
        stream.write("\ufeff")
    writer = safe_writer(stream)
    writer.writerow(labels or columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else str(record.get(c)) for c in columns])


def shown_columns(table: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> tuple[Column, ...]:
    """The columns a register file is written with: every required one, and an optional one when a
    row has it (a register that never used it is written exactly as before the column existed)."""
    return tuple(c for c in table if not c.optional or any(r.get(c.name) for r in rows))


def write_table(rows: Sequence[Mapping[str, Any]], table: Sequence[Column], stream: Any, fmt: str = "csv",
                headers: str = "en", bom: bool = True, title: str = "register", every_column: bool = False) -> int:
    """Write a register's rows as CSV (to a text stream opened with `newline=""`) or as an .xlsx
    workbook (to a binary stream), with English or Chinese headers; gives the number of rows. The
    columns are `shown_columns` (an optional one when a row has it), or every one of `table`."""
    from engine.registers.xlsxio import write_sheet
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"format must be csv or xlsx, not {fmt!r}")
    columns = tuple(table) if every_column else shown_columns(table, rows)
    labels = header_labels(columns, headers)
    if fmt == "xlsx":
        write_sheet(rows, names(columns), labels, stream, title)
    else:
        write_register(rows, names(columns), stream, bom=bom, labels=labels)
    return len(rows)


class safe_writer:  # noqa: N801 - used like csv.writer
    """csv.writer (CRLF lines) whose every cell is defused: no formula reaches a spreadsheet from a
    register export, a rejected-rows file, a scan worklist or a follow-up list."""

    def __init__(self, stream: TextIO):
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, cells: Iterable[Any]) -> Any:
        return self._writer.writerow([defuse_formula(c) if isinstance(c, str) else c for c in cells])
