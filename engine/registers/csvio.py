"""Reading and writing the CSV registers of CASE_FORMAT §3 and §4.

Encodings (CASE_FORMAT §3): UTF-8 with or without a byte-order mark, and GB18030 (what Excel
saves for Chinese). Detected by decoding strictly as UTF-8 (BOM allowed) and then strictly as
GB18030, or given (`encoding="utf-8"` | `"gb18030"`). Anything else — UTF-16/32 (a BOM or NUL
bytes), bytes that neither decoding accepts, or a GB18030 decoding that yields control or
private-use characters (the usual sign of Latin-1 or another code page) — is refused with a
message naming the file. Limit: a Latin-1 file whose bytes happen to form plausible GB18030
cannot be told apart by its bytes alone; give `--encoding` to be sure.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2
(a quoted cell spanning several lines is still one row). Blank rows are skipped.

Export: UTF-8 **with** a BOM and CRLF line ends — Excel opens that correctly as Unicode (without
the BOM it guesses the ANSI code page and garbles Chinese), and both encodings are accepted back
on import, so an exported file round-trips unchanged.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Optional, TextIO, TypeVar

from engine.errors import InputError, Problem

ENCODINGS = ("utf-8", "gb18030")
R = TypeVar("R")
# validate_row(cells, row_number, file) -> (record | None, problems) or (record | None, problems, warnings)
Validator = Callable[[dict[str, str], int, str], tuple[Any, ...]]


@dataclass
class Row(Generic[R]):
    """One record row of a register file: its cells, and what validating it gave."""

    number: int                      # spreadsheet row number (header = 1)
    cells: dict[str, str]
    record: Optional[R] = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.problems


def where(n: int, column: str | None = None) -> str:
    """The `path` of a problem on a row: "row 5, issued_on" (or "row 5")."""
    return f"row {n}, {column}" if column else f"row {n}"


def decode(raw: bytes, file: str, encoding: Optional[str] = None) -> tuple[str, str]:
    """Decode a register file; gives (text, encoding used) or raises InputError naming the file."""
    if encoding is not None:
        wanted = encoding.lower().replace("_", "-")
        if wanted in ("utf8", "utf-8-sig"):
            wanted = "utf-8"
        if wanted not in ENCODINGS:
            raise InputError.single(file, f"不支持的编码 {encoding!r}，应为 utf-8 或 gb18030"
                                          f" / unsupported encoding {encoding!r}, expected utf-8 or gb18030")
        encoding = wanted
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            raise _refused(file, f"{name}（带字节顺序标记）", f"{name} (byte-order mark)")
    if b"\x00" in raw:
        raise _refused(file, "含空字节，可能是 UTF-16/UTF-32", "NUL bytes, probably UTF-16 or UTF-32")
    if encoding in (None, "utf-8"):
        try:
            return raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                raise _refused(file, f"不是有效的 UTF-8（第 {exc.start + 1} 字节）",
                               f"not valid UTF-8 (byte {exc.start + 1})") from None
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        if encoding == "gb18030":
            raise _refused(file, f"不是有效的 GB18030（第 {exc.start + 1} 字节）",
                           f"not valid GB18030 (byte {exc.start + 1})") from None
        raise _refused(file, f"既不是 UTF-8 也不是 GB18030（第 {exc.start + 1} 字节无法解码）",
                       f"neither UTF-8 nor GB18030 (byte {exc.start + 1} cannot be decoded)") from None
    odd = next((ch for ch in text if _implausible(ch)), None)
    if odd is not None and encoding is None:
        raise _refused(file, f"按 GB18030 解码得到异常字符 U+{ord(odd):04X}，可能是 Latin-1 等其他编码",
                       f"decoding as GB18030 gives the unlikely character U+{ord(odd):04X}; "
                       "probably Latin-1 or another code page")
    return text, "gb18030"


def _implausible(ch: str) -> bool:
    if ch in "\t\r\n":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Co", "Cs", "Cn")


def _refused(file: str, zh: str, en: str) -> InputError:
    return InputError.single(file, f"文件编码无法识别：{zh}；应为 UTF-8（可带 BOM）或 GB18030"
                                   f" / unreadable encoding: {en}; expected UTF-8 (with or without BOM) or GB18030")


def check_header(header: Sequence[str], columns: Sequence[str], file: str) -> list[Problem]:
    """Problems of a header row against the exact column list: missing, unknown, duplicate columns."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, "row 1", f"列 {name!r} 重复 / duplicate column {name!r}"))
        seen.add(name)
    for name in header:
        if name not in columns:
            problems.append(Problem(file, "row 1", f"未知列 {name!r}，应为：{', '.join(columns)}"
                                                   f" / unknown column {name!r}; expected: {', '.join(columns)}"))
    for name in columns:
        if name not in seen:
            problems.append(Problem(file, "row 1", f"缺少列 {name!r} / missing column {name!r}"))
    return problems


def read_rows(path: Path | str, columns: Sequence[str], validate_row: Validator,
              encoding: Optional[str] = None) -> list[Row[Any]]:
    """Read and validate every row; raises InputError only for the file as a whole
    (unreadable, bad encoding, bad header). Row problems are left on the rows."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(file, f"无法读取文件 / cannot read the file: {exc.strerror or exc}") from None
    text, _ = decode(raw, file, encoding)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError.single(file, f"CSV 格式错误 / malformed CSV: {exc}") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise InputError.single(file, "文件为空或缺少表头行 / empty file or no header row", "row 1")
    header = [cell.strip() for cell in records[0]]
    problems = check_header(header, columns, file)
    if problems:
        raise InputError(problems)
    rows: list[Row[Any]] = []
    for index, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row: Row[Any] = Row(index, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)})
        if len(cells) != len(header):
            row.problems.append(Problem(file, where(index), f"应有 {len(header)} 个字段，实际 {len(cells)} 个"
                                                             f" / expected {len(header)} fields, got {len(cells)}"))
            rows.append(row)
            continue
        result = validate_row(row.cells, index, file)
        row.record, row.problems = result[0], list(result[1])
        row.warnings = list(result[2]) if len(result) > 2 else []
        rows.append(row)
    return rows


def read_register(path: Path | str, columns: Sequence[str], validate_row: Validator,
                  encoding: Optional[str] = None) -> tuple[list[Any], list[Problem], list[Problem]]:
    """Read a register: (records of the good rows, problems of the bad rows, warnings)."""
    rows = read_rows(path, columns, validate_row, encoding)
    return ([r.record for r in rows if r.ok], [p for r in rows for p in r.problems],
            [w for r in rows for w in r.warnings])


def write_register(records: Iterable[Mapping[str, Any]], columns: Sequence[str], stream: TextIO,
                   bom: bool = True) -> None:
    """Write rows (mappings of column → text) as CSV with the header row, to a text stream opened
    with `newline=""` (UTF-8 when it is a file). A BOM is written first unless `bom=False`."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else str(record.get(c)) for c in columns])
