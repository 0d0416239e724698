"""Reading uploaded tables (CSV or XLSX) into plain strings, with problems stated in Indonesian.

Pure: bytes in, a ``Table`` out; no database and no Streamlit. Every importer (attendance sheets,
aspirations, ...) uses this so the same file gives the same reading and the same messages.

- CSV: UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise Windows-1252 (what Excel's plain
  "CSV (Comma delimited)" writes) with a warning, and a problem when even that fails. NUL bytes
  without a UTF-16 BOM (UTF-16 without marker, or a binary file) are a problem, never stripped. The delimiter
  (comma, semicolon as Excel writes it in an Indonesian locale, or tab) is taken from the header line.
- XLSX: the first worksheet, read with openpyxl ``read_only`` and ``data_only=False`` so formula
  cells are seen and rejected with their cell address (a formula's cached value may be stale or
  absent). Macro workbooks (.xlsm, or an .xlsx that holds a VBA project) and old .xls are refused.
- Headers: lower case, trimmed, runs of spaces and punctuation to one underscore, then the caller's
  synonyms ("nama_lengkap" -> "nama"). Duplicated headers are a problem.
- Line numbers (``baris``) are rows as the user sees them in the sheet: the header is row 1 and the
  first data row is row 2 (when the header is the first row). Rows left completely empty are skipped
  but keep their numbers. The DataFrame's index holds these numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = {",": "koma", ";": "titik koma", "\t": "tab"}
CSV_HINT = 'Simpan ulang dari Excel dengan "Save As" -> "CSV UTF-8 (Comma delimited)", atau unggah berkas .xlsx.'


@dataclass(frozen=True)
class ImportProblem:
    """A reason a row (or the file) cannot be imported.

    ``baris`` is the row number as seen in the sheet (header = 1, first data row = 2); 0 means the
    file as a whole. ``kolom`` is the (normalised) column name, or None when not about one column.
    """

    baris: int
    kolom: str | None
    alasan: str


@dataclass
class Table:
    """The result of reading an uploaded table.

    ``data``: every cell as a trimmed string ("" for empty), columns normalised, index = row number.
    ``problems`` are blocking; ``warnings`` are notes for the user (e.g. the encoding guessed).
    """

    data: pd.DataFrame
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kolom_asli: dict[str, str] = field(default_factory=dict)  # normalised name -> header as written
    format: str = ""  # "csv" or "xlsx"

    @property
    def ok(self) -> bool:
        return not self.problems


def problems_frame(problems: Iterable[ImportProblem]) -> pd.DataFrame:
    """Problems as a table for the user: Baris, Kolom, Alasan (file-level problems show '-')."""
    rows = [
        {"Baris": p.baris if p.baris else "-", "Kolom": p.kolom or "-", "Alasan": p.alasan}
        for p in sorted(problems, key=lambda p: (p.baris, p.kolom or ""))
    ]
    return pd.DataFrame(rows, columns=["Baris", "Kolom", "Alasan"]).astype({"Baris": str})


# --------------------------------------------------------------------------- headers


def normalise_header(text: object, synonyms: Mapping[str, str] | None = None) -> str:
    """'  Nama Lengkap ' -> 'nama_lengkap' (then mapped through ``synonyms``, whose keys may be written freely)."""
    raw = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip().lower()
    key = re.sub(r"[^0-9a-z]+", "_", raw).strip("_")
    if synonyms:
        table = {re.sub(r"[^0-9a-z]+", "_", k.strip().lower()).strip("_"): v for k, v in synonyms.items()}
        key = table.get(key, key)
    return key


# --------------------------------------------------------------------------- reading


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    synonyms: Mapping[str, str] | None = None,
    required: Iterable[str] = (),
) -> Table:
    """Read an uploaded CSV or XLSX file (see the module docstring). Never raises on bad input."""
    empty = Table(pd.DataFrame())
    name = (filename or "").strip().lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if len(data) > max_bytes:
        empty.problems.append(
            ImportProblem(0, None, f"Berkas terlalu besar ({_mb(len(data))}); batasnya {_mb(max_bytes)}.")
        )
        return empty
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        empty.problems.append(ImportProblem(0, None, "Berkas kosong."))
        return empty
    if ext in ("xlsm", "xltm", "xlam"):
        empty.problems.append(
            ImportProblem(0, None, "Berkas Excel bermakro (.xlsm) tidak diterima. Simpan sebagai .xlsx atau CSV.")
        )
        return empty
    if ext == "xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        empty.problems.append(
            ImportProblem(0, None, "Format Excel lama (.xls) tidak didukung. Simpan sebagai .xlsx atau CSV UTF-8.")
        )
        return empty
    if ext in ("xlsx", "xltx") or data[:4] == b"PK\x03\x04":
        if ext not in ("xlsx", "xltx"):
            empty.problems.append(ImportProblem(0, None, "Berkas ini arsip ZIP/Excel; beri akhiran .xlsx."))
            return empty
        cells, problems, warnings = _xlsx_rows(data, max_rows)
        fmt = "xlsx"
    elif ext in ("csv", "txt", "tsv", ""):
        cells, problems, warnings = _csv_rows(data, max_rows)
        fmt = "csv"
    else:
        empty.problems.append(ImportProblem(0, None, f"Jenis berkas .{ext} tidak didukung; unggah .csv atau .xlsx."))
        return empty
    if problems and not cells:
        return Table(pd.DataFrame(), problems, warnings, format=fmt)
    tabel = _to_table(cells, synonyms, set(required), problems)
    tabel.warnings = warnings + tabel.warnings
    tabel.format = fmt
    return tabel


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


def _decode(data: bytes) -> tuple[str | None, list[str], list[ImportProblem]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), [], []
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        reason = (
            "Berkas berisi karakter NUL: kemungkinan disimpan sebagai 'Unicode Text' (UTF-16) tanpa penanda "
            f"atau bukan berkas teks. {CSV_HINT}"
        )
        return None, [], [ImportProblem(0, None, reason)]
    try:
        return data.decode("utf-8-sig"), [], []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None, [], [ImportProblem(0, None, f"Berkas bukan teks UTF-8 (baris {line} tidak terbaca). {CSV_HINT}")]
    warning = (
        f"Berkas bukan UTF-8 (mulai baris {line}); dibaca sebagai Windows-1252 (ANSI, bawaan Excel). "
        f"Periksa huruf beraksen pada hasilnya. {CSV_HINT}"
    )
    return text, [warning], []


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line (the first non-empty line): the most frequent of , ; and tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            n += 1
    return n


Rows = list[tuple[int, list[str | None]]]  # (row number, cells)


def _csv_rows(data: bytes, max_rows: int) -> tuple[Rows, list[ImportProblem], list[str]]:
    text, warnings, problems = _decode(data)
    if text is None:
        return [], problems, warnings
    delimiter = _sniff_delimiter(text)
    rows: Rows = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number > max_rows + 1:
                problems.append(ImportProblem(0, None, f"Terlalu banyak baris; batasnya {max_rows:,} baris data."))
                return [], problems, warnings
            rows.append((number, list(cells)))
    except csv.Error as exc:
        problems.append(ImportProblem(0, None, f"CSV tidak dapat dibaca: {exc}. {CSV_HINT}"))
        return [], problems, warnings
    return rows, problems, warnings


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_rows(data: bytes, max_rows: int) -> tuple[Rows, list[ImportProblem], list[str]]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    problems: list[ImportProblem] = []
    warnings: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except Exception:  # BadZipFile, but also UnicodeDecodeError/ValueError/... for a damaged archive (fuzz)
        return [], [ImportProblem(0, None, "Berkas .xlsx rusak atau bukan berkas Excel.")], warnings
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return [], [ImportProblem(0, None, "Berkas berisi makro (VBA) dan tidak diterima. Simpan tanpa makro.")], []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        return [], [ImportProblem(0, None, f"Berkas Excel tidak dapat dibuka ({type(exc).__name__}).")], warnings
    rows: Rows = []
    try:
        sheets = workbook.worksheets
        if not sheets:
            return [], [ImportProblem(0, None, "Berkas Excel tidak berisi lembar kerja.")], warnings
        sheet = sheets[0]
        if len(sheets) > 1:
            warnings.append(f"Hanya lembar pertama ('{sheet.title}') yang dibaca.")
        header: list[str | None] = []
        for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
            if number > max_rows + 1:
                problems.append(ImportProblem(0, None, f"Terlalu banyak baris; batasnya {max_rows:,} baris data."))
                return [], problems, warnings
            cells: list[str | None] = []
            for col, cell in enumerate(row, start=1):
                value = cell.value
                if getattr(cell, "data_type", None) == "f":
                    kolom = header[col - 1] if col - 1 < len(header) and header[col - 1] else None
                    problems.append(
                        ImportProblem(
                            number,
                            normalise_header(kolom) if kolom else None,
                            f"Sel {get_column_letter(col)}{number} berisi rumus ({str(value)[:60]}). "
                            "Salin lalu tempel sebagai nilai (Paste Special -> Values).",
                        )
                    )
                    value = None
                cells.append(_cell_text(value))
            if not header and any(c not in (None, "") for c in cells):
                header = cells
            rows.append((number, cells))
    except Exception as exc:  # a sheet that opens but is damaged inside (found by fuzzing)
        return [], [ImportProblem(0, None, f"Lembar Excel rusak dan tidak dapat dibaca ({type(exc).__name__}).")], []
    finally:
        workbook.close()
    return rows, problems, warnings


def _to_table(
    rows: Rows, synonyms: Mapping[str, str] | None, required: set[str], problems: list[ImportProblem]
) -> Table:
    cleaned = [(n, ["" if c is None else str(c).strip() for c in cells]) for n, cells in rows]
    content = [(n, cells) for n, cells in cleaned if any(cells)]
    if not content:
        return Table(pd.DataFrame(), [*problems, ImportProblem(0, None, "Berkas kosong.")])
    header_no, header = content[0]
    body = content[1:]
    width = len(header)

    names: list[str] = []
    original: dict[str, str] = {}
    seen: dict[str, int] = {}
    keep: list[int] = []
    for i, title in enumerate(header):
        key = normalise_header(title, synonyms)
        if not key:
            if any(i < len(cells) and cells[i] for _, cells in body):
                problems.append(
                    ImportProblem(header_no, None, f"Kolom ke-{i + 1} berisi data tetapi tidak punya judul.")
                )
            continue
        if key in seen:
            problems.append(
                ImportProblem(
                    header_no,
                    key,
                    f"Judul kolom ganda: '{title}' sama dengan '{header[seen[key]]}' (kolom ke-{seen[key] + 1} "
                    f"dan ke-{i + 1}).",
                )
            )
            continue
        seen[key] = i
        names.append(key)
        original[key] = title
        keep.append(i)

    for col in sorted(required - set(names)):
        found = ", ".join(original.values()) or "-"
        problems.append(ImportProblem(header_no, col, f"Kolom '{col}' tidak ada. Kolom yang ditemukan: {found}."))

    records: list[list[str]] = []
    index: list[int] = []
    for number, cells in body:
        extra = [c for c in cells[width:] if c]
        if extra:
            problems.append(
                ImportProblem(
                    number,
                    None,
                    f"Baris ini berisi {len(cells)} kolom, lebih banyak dari judulnya ({width}). "
                    "Periksa pemisah kolom atau tanda kutip.",
                )
            )
            continue
        padded = cells + [""] * (width - len(cells))
        records.append([padded[i] for i in keep])
        index.append(number)
    frame = pd.DataFrame(records, columns=names, index=pd.Index(index, name="baris"), dtype=object)
    if not records and not problems:
        problems.append(ImportProblem(0, None, "Berkas hanya berisi baris judul kolom; belum ada data."))
    return Table(frame, problems, [], original)


def iter_rows(tabel: Table) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every data row."""
    columns = list(tabel.data.columns)
    for number, values in zip(tabel.data.index, tabel.data.itertuples(index=False, name=None), strict=True):
        yield int(number), dict(zip(columns, values, strict=True))


# --------------------------------------------------------------------------- dates

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        ("januari", "jan", "january"),
        ("februari", "feb", "pebruari", "peb", "february"),
        ("maret", "mar", "march"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "jun", "june"),
        ("juli", "jul", "july"),
        ("agustus", "agu", "agt", "ags", "agust", "aug", "august"),
        ("september", "sep", "sept"),
        ("oktober", "okt", "oct", "october"),
        ("november", "nov", "nop", "nopember"),
        ("desember", "des", "dec", "december"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _i

DAYS: dict[str, int] = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
}  # fmt: skip
_DAY_LABEL = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
_WORDS = re.compile(r"^(\d{1,2})[\s.-]+([a-z]+)\.?[\s.-]+(\d{2,4})$")


class InvalidDate(ValueError):
    """A date that cannot be read; the message says why, in Indonesian."""


def parse_date(text: object) -> dt.date | None:
    """Read a date as people write it in Kota Malang; None for an empty cell.

    Accepted: ``2025-11-28``, ``28/11/2025``, ``28-11-2025``, ``28.11.2025`` (day first),
    ``28 November 2025``, ``28 Nov 2025``, ``28-Nov-2025``, with an optional weekday
    (``Jumat, 28 November 2025``, checked against the date). Indonesian and English month names
    and abbreviations (Agustus/Agu/Agt, Mei, Okt, Des, Nop, ...). Raises ``InvalidDate``.
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = "" if text is None else " ".join(str(text).split())
    if not raw:
        return None
    value = raw.lower().replace("jum'at", "jumat").replace("’", "").replace("'", "")
    weekday: int | None = None
    first, _, rest = value.partition(",")
    if rest and first.strip() in DAYS:
        weekday, value = DAYS[first.strip()], rest.strip()
    else:
        head, _, tail = value.partition(" ")
        if head in DAYS and tail:
            weekday, value = DAYS[head], tail.strip()

    if m := _ISO.match(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _NUMERIC.match(value):
        day, month, year = int(m[1]), int(m[2]), _year(m[3], raw)
        if month > 12 and day <= 12:
            raise InvalidDate(
                f"Tanggal '{raw}': bulan {month} tidak ada. Gunakan urutan hari/bulan/tahun, mis. 28/11/2025."
            )
    elif m := _WORDS.match(value):
        day, year = int(m[1]), _year(m[3], raw)
        month = MONTHS.get(m[2])
        if month is None:
            raise InvalidDate(f"Tanggal '{raw}': nama bulan '{m[2]}' tidak dikenali.")
    else:
        raise InvalidDate(
            f"Tanggal '{raw}' tidak dapat dibaca. Tulis seperti 28/11/2025, 2025-11-28 atau 28 November 2025."
        )
    try:
        result = dt.date(year, month, day)
    except ValueError:
        raise InvalidDate(f"Tanggal '{raw}' tidak ada di kalender.") from None
    if weekday is not None and result.weekday() != weekday:
        raise InvalidDate(
            f"Tanggal '{raw}': {result.day}/{result.month}/{result.year} jatuh pada hari "
            f"{_DAY_LABEL[result.weekday()]}, bukan {_DAY_LABEL[weekday]}."
        )
    return result


def _year(text: str, raw: str) -> int:
    if len(text) != 4:
        raise InvalidDate(f"Tanggal '{raw}': tulis tahun dengan empat angka, mis. 2025.")
    return int(text)
