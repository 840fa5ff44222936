"""Reading CSV and XLSX files row by row, with the line number each row starts on, and JSON
files whole.

This is the import boundary: every header, cell and JSON string comes out cleaned
(``domain.text.clean_text``: no NUL or other control character, tabs and line breaks
kept), so no importer has to strip them again."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from domain.text import clean_data, clean_text


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing of it is imported."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    error: str | None = None  # set when the row itself is unreadable (e.g. bad encoding)


def read_rows(
    source: str | Path | BinaryIO, *, encoding: str = "utf-8"
) -> tuple[list[str], Iterator[Row]]:
    """The header and an iterator over the rows of a CSV or XLSX file."""
    data = _read_bytes(source)
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    return _csv_rows(data, encoding)


def read_json(source: str | Path | BinaryIO) -> Any:
    """The JSON document of a file (UTF-8, with or without a BOM; gzipped when its name
    ends in .gz), every string in it cleaned; ``ImportFileError`` if it is not JSON."""
    data = _read_bytes(source)
    try:
        return clean_data(json.loads(data.decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"not a JSON file ({exc})") from exc


def _read_bytes(source: str | Path | BinaryIO) -> bytes:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ImportFileError(f"no such file: {path}")
        data = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            data = gzip.decompress(data)
        return data
    return source.read()


def _csv_rows(data: bytes, encoding: str) -> tuple[list[str], Iterator[Row]]:
    # surrogateescape keeps undecodable bytes visible per field, so one bad row is rejected
    # with its line number instead of the whole file failing to decode.
    text = data.decode(encoding, errors="surrogateescape").removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError("the file is empty")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"line 1: unreadable header ({exc})") from exc
    if _has_undecodable(names):
        raise ImportFileError(f"line 1: the header is not valid {encoding}")
    header = [clean_text(name).strip() for name in names]
    if len(set(header)) != len(header):
        raise ImportFileError("line 1: the header names a column twice")
    return header, _iter_csv(reader, header, encoding)


def _delimiter(header_line: str) -> str:
    """Comma, semicolon (French spreadsheets) or tab, as the header uses it; the sniffer
    understands quoted column names that contain another candidate."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;\t").delimiter
    except csv.Error:
        return max(",;\t", key=header_line.count)


def _iter_csv(reader, header: list[str], encoding: str) -> Iterator[Row]:
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A broken quote swallows the rest of the file: the whole file is refused.
            raise ImportFileError(f"line {start}: malformed CSV ({exc})") from exc
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            yield Row(start, {}, f"expected {len(header)} columns, found {len(cells)}")
            continue
        values = dict(zip(header, cells, strict=True))
        bad = [name for name, value in values.items() if _has_undecodable([value])]
        if bad:
            yield Row(start, {}, f"invalid {encoding} bytes in column(s) {', '.join(bad)}")
            continue
        # Cleaned after the check: undecodable bytes are surrogates, which cleaning removes.
        yield Row(start, {name: clean_text(value) for name, value in values.items()})


def _has_undecodable(values: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for value in values for ch in value)


def _xlsx_rows(data: bytes) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt archive
        raise ImportFileError(f"unreadable XLSX file ({exc})") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(cell) for cell in next(rows)]
    except StopIteration:
        raise ImportFileError("the spreadsheet is empty") from None
    while header and not header[-1]:
        header.pop()
    if len(set(header)) != len(header):
        raise ImportFileError("line 1: the header names a column twice")

    def iterate() -> Iterator[Row]:
        for number, cells in enumerate(rows, start=2):
            texts = [_cell_text(cell) for cell in cells[: len(header)]]
            if not any(texts):
                continue
            texts += [""] * (len(header) - len(texts))
            yield Row(number, dict(zip(header, texts, strict=True)))
        workbook.close()

    return header, iterate()


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return clean_text(str(cell)).strip()
