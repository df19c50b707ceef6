"""The registers as `.xlsx` workbooks (CASE_FORMAT v2 §3–§4): the first sheet read, a sheet written.

Reading. A register file is a workbook when its bytes are a ZIP archive (what every `.xlsx` is),
whatever its name says; otherwise it is read as CSV (engine/registers/csvio.py). What cannot be a
register workbook is refused with one message naming the file and the problem, never a traceback:
a file named `.xlsx` that is no ZIP (a PDF or a CSV renamed: its first bytes say which), the old
binary `.xls` format, a ZIP that is not a workbook or is damaged, a workbook without a worksheet,
an empty first sheet, a header row with merged cells, more than MAX_UNPACKED_BYTES unpacked.

The first worksheet (in tab order) is the register; row 1 is the header. Rows are numbered as the
spreadsheet numbers them, empty rows included (and skipped). Cells are read as written, not their
cached results: a formula cell reads as its formula (`=…`), which the register refuses like a
CSV cell beginning with `=`. A cell becomes text: a date (or a date-time at midnight) as
YYYY-MM-DD, a whole number without `.0`, anything else as Python writes it.

Writing. Every cell is written as a string cell (data type `s`) with the text a CSV export would
hold: dates as YYYY-MM-DD, and a cell a spreadsheet would run as a formula given a leading `'`
(csvio.defuse_formula; OWASP's defence, the same in both formats). Nothing is ever written as a
formula.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, BinaryIO
from xml.etree.ElementTree import iterparse

from engine.core.errors import InputError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"       # the old binary .xls (and .doc)
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024          # a full Excel sheet of the §4 columns is under 1 GiB
_LOOKS_LIKE = ((b"%PDF", "PDF"), (b"\x89PNG", "PNG 图片 / a PNG image"), (b"\xff\xd8\xff", "JPEG 图片 / a JPEG image"),
               (OLE_MAGIC, "旧版 Excel .xls / the old Excel .xls format"))


def is_workbook(raw: bytes, file: str) -> bool:
    """Whether to read the file as a workbook: its bytes are a ZIP archive. A file named .xlsx/.xls
    whose bytes are not, and the old binary .xls, are refused naming the file and what it looks like."""
    if raw.startswith(ZIP_MAGIC):
        return True
    if raw.startswith(OLE_MAGIC):
        raise _bad(file, "旧版 Excel .xls 格式不能读取，请在 Excel 中另存为 .xlsx 或 CSV",
                   "the old Excel .xls format cannot be read; save it as .xlsx or CSV in Excel")
    if file.lower().endswith((".xlsx", ".xlsm", ".xls")):
        what = next((name for magic, name in _LOOKS_LIKE if raw.startswith(magic)), None)
        zh, en = (f"内容看起来是 {what.split(' / ')[0]}", f"its content looks like {what.split(' / ')[-1]}") \
            if what else ("内容不是 ZIP 压缩包", "its content is not a ZIP archive")
        raise _bad(file, f"不是有效的 .xlsx 工作簿（{zh}）", f"not a valid .xlsx workbook ({en})")
    return False


def _bad(file: str, zh: str, en: str) -> InputError:
    return InputError.single(file, f"{zh} / {en}")


def sheet_rows(raw: bytes, file: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header row (names stripped, trailing empty cells dropped) and an iterator over the other
    rows (each a list of texts; an empty row is []), of the workbook's first worksheet."""
    from openpyxl import load_workbook
    _check_size(raw, file)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - a hostile workbook may fail anywhere in openpyxl
        raise _bad(file, f"无法作为 .xlsx 工作簿打开（{_reason(exc)}）",
                   f"cannot be opened as an .xlsx workbook ({_reason(exc)})") from None
    if not book.worksheets:
        raise _bad(file, "工作簿中没有工作表", "the workbook has no worksheet")
    sheet = book.worksheets[0]
    sheet.reset_dimensions()        # some programs write a wrong <dimension>: read every cell there is
    rows = _guarded(sheet.iter_rows(min_row=1, values_only=True), file)
    first = next(rows, None)
    header = [cell_text(v).strip() for v in (first or ())]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise _bad(file, f"第一个工作表「{sheet.title}」为空或第 1 行（表头行）为空",
                   f"the first sheet “{sheet.title}” is empty or its row 1 (the header) is empty")
    # a merged header shows as a blank name or a lone title; only then is the merge list read
    merged = merged_in_header(raw, sheet._worksheet_path) if "" in header or len(header) < 2 else []
    if merged:
        raise _bad(file, f"表头行有合并单元格（{', '.join(merged)}），请取消合并，第 1 行每格写一个列名",
                   f"the header row has merged cells ({', '.join(merged)}); unmerge them, one column name a cell in row 1")
    return header, ([cell_text(v) for v in row] for row in rows)


def _guarded(rows: Iterator[tuple[Any, ...]], file: str) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; a damaged sheet found while reading is refused naming the file."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - malformed XML, bad shared-string index, …
            raise _bad(file, f"工作表内容损坏（{_reason(exc)}）", f"the sheet is damaged ({_reason(exc)})") from None
        yield row


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_size(raw: bytes, file: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError (a version byte), OSError …
        raise _bad(file, f"不是有效的 .xlsx 工作簿（ZIP 损坏：{_reason(exc)}）",
                   f"not a valid .xlsx workbook (damaged ZIP: {_reason(exc)})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _bad(file, f"工作簿解压后过大（{unpacked} 字节，上限 {MAX_UNPACKED_BYTES} 字节）",
                   f"the workbook unpacks to too much ({unpacked} bytes, at most {MAX_UNPACKED_BYTES})")


def merged_in_header(raw: bytes, sheet_path: str) -> list[str]:
    """The merged ranges (`A1:N1`) of a sheet that touch row 1. The merge list follows the cells in
    the sheet's XML, so the reading stops at the first element after them."""
    found: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive, archive.open(sheet_path.lstrip("/")) as xml:
            for _, element in iterparse(xml, events=("end",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "mergeCell":
                    ref = element.get("ref", "")
                    if _first_row(ref) == 1:
                        found.append(ref)
                elif tag == "row":
                    element.clear()
    except Exception:  # noqa: BLE001 - the cells were read already; a damaged tail is the reading's concern
        return found
    return found


def _first_row(ref: str) -> int | None:
    start = ref.split(":", 1)[0]
    digits = "".join(ch for ch in start if ch.isdigit())
    return int(digits) if digits else None


def cell_text(value: Any) -> str:
    """A cell's value as register text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = getattr(value, "text", None)         # an array formula: its formula text
    return text if isinstance(text, str) else str(value)


def write_sheet(records: Iterable[Mapping[str, Any]], columns: Sequence[str], labels: Sequence[str],
                out: BinaryIO, title: str = "register") -> None:
    """Write rows (column → text) as a one-sheet workbook: `labels` as the header row, every cell a
    string cell, formula-like text defused with a leading `'`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from engine.registers.csvio import defuse_formula
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])

    def text_cell(value: Any) -> WriteOnlyCell | None:
        if value is None or value == "":
            return None
        cell = WriteOnlyCell(sheet, value=defuse_formula(str(value)))
        cell.data_type = "s"           # a string, whatever its text: never a formula
        return cell

    sheet.append([text_cell(label) for label in labels])
    for record in records:
        sheet.append([text_cell(record.get(c)) for c in columns])
    book.save(out)
