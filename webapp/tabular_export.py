"""The one writer of spreadsheet exports: CSV for French Excel and XLSX, from a header and
rows of text, numbers or nothing. The search results and the buyers' shortlists export
through it.

Cells come from data anyone can submit (names, notes, websites): text that a spreadsheet
would read as a formula is defused (OWASP "CSV injection"), and what XML refuses is
cleaned (``domain.text.clean_text``: rows stored before input was cleaned may hold it).

It lives in ``webapp`` beside the pages that serve it, not in ``importers.tabular`` (the
reading side): pages import no importer, importers write through the app's services.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from domain.text import clean_text

Cell = str | int | float | None

# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters a sheet title may not hold, and its length.
_NOT_IN_TITLE = str.maketrans("", "", "[]:*?/\\")
_TITLE_MAX = 31


def defuse(value: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]], decimal_comma: bool) -> bytes:
    """``;``-separated UTF-8 with a BOM and CRLF line ends: what Excel set to French opens
    without a wizard. Text is defused, numbers written as they are (with a decimal comma
    for French readers), nothing as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(cell, decimal_comma) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(cell: Cell, decimal_comma: bool) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return defuse(cell)
    text = str(cell)
    return text.replace(".", ",") if decimal_comma else text


def to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    title: str,
    fallback_title: str,
    widths: Sequence[float],
) -> bytes:
    """One sheet: the header row frozen, columns ``widths`` wide, text always stored as
    text (a cell's type is explicit in XLSX: "=..." needs no visible quote, only not to be
    typed a formula). ``title`` is made a valid sheet name, ``fallback_title`` if nothing
    of it is left."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title) or fallback_title
    sheet.append(list(headers))
    for row in rows:
        sheet.append([clean_text(cell) if isinstance(cell, str) else cell for cell in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl reads a leading "=" as a formula
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(text: str) -> str:
    """``text`` as a sheet name: 31 characters at most, none of []:*?/\\ (empty when
    nothing is left)."""
    return clean_text(text).translate(_NOT_IN_TITLE).strip()[:_TITLE_MAX]
