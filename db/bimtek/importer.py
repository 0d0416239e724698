"""Import of a bimtek attendance sheet ("daftar hadir", CSV or XLSX).

Columns: nama, jabatan, kelurahan, rw, rt, hadir (common other spellings of the headers are
accepted; ``hadir`` may be left out, then everyone listed counts as attended).

- Every row is validated first: the name, the role (mapped from common spellings, ``map_role``),
  the kelurahan (through geo.names: the one normalisation plus the alias table), RW/RT against the
  Lembaga table, and ``hadir`` (``parse_attended``). Any problem: nothing is written, and the report
  lists every problem with its row number (as seen in the sheet) and reason.
- All rows are written in ONE transaction. A participant already recorded for the event (same
  kelurahan, role, RW, RT and folded name: the columns of uq_peserta) is skipped and counted as
  "sudah ada, dilewati", so importing the same sheet again writes nothing twice. The check is done
  in Python because the unique constraint treats NULL RW/RT (LPMK rows) as distinct.
- ``progress(done, total)`` is called while validating and writing, for a progress bar.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from db.aspirasi.status import PESERTA_ROLES
from db.audit import write_audit
from db.auth.roles import Actor
from db.bimtek.services import BimtekError, check_units, load_units, name_key_peserta, peserta_key
from db.schema import Bimtek, BimtekPeserta, Kelurahan
from db.tabular import ImportProblem, Table, iter_rows, problems_frame, read_table
from geo.names import resolve_kelurahan

COLUMNS = ["nama", "jabatan", "kelurahan", "rw", "rt", "hadir"]
REQUIRED = ("nama", "jabatan", "kelurahan", "rw", "rt")
SYNONYMS = {
    "nama_lengkap": "nama",
    "nama_peserta": "nama",
    "nama_peserta_bimtek": "nama",
    "peran": "jabatan",
    "jabatan_lembaga": "jabatan",
    "jabatan_di_lembaga": "jabatan",
    "kedudukan": "jabatan",
    "kel": "kelurahan",
    "desa": "kelurahan",
    "desa_kelurahan": "kelurahan",
    "kelurahan_desa": "kelurahan",
    "nama_kelurahan": "kelurahan",
    "no_rw": "rw",
    "nomor_rw": "rw",
    "rukun_warga": "rw",
    "no_rt": "rt",
    "nomor_rt": "rt",
    "rukun_tetangga": "rt",
    "kehadiran": "hadir",
    "status_hadir": "hadir",
    "hadir_tidak": "hadir",
    "hadir_ya_tidak": "hadir",
    "presensi": "hadir",
    "absen": "hadir",
    "tanda_tangan": "hadir",
    "ttd": "hadir",
}
CHUNK = 500
Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- roles and values

_CHAIR = {"ketua", "ka", "kt", "ktua", "pak", "bu", "bapak", "ibu"}
_BOARD = {
    "pengurus", "sekretaris", "sekertaris", "sekretariat", "sekr", "sek", "sekre", "bendahara", "bendahari",
    "bend", "bdh", "wakil", "waka", "wk", "anggota", "seksi", "sie", "koordinator", "korlap",
}  # fmt: skip
_OTHER = {"lainnya", "lain", "lain_lain", "undangan", "tamu", "staf", "staff", "lurah", "kasi", "kepala", "kelurahan"}
_UNIT_PHRASES = [
    ("lembaga pemberdayaan masyarakat kelurahan", "lpmk"),
    ("lembaga pemberdayaan masyarakat", "lpmk"),
    ("rukun tetangga", "rt"),
    ("rukun warga", "rw"),
]
EXAMPLE_POSITIONS = "Ketua RT, Pengurus RT, Ketua RW, Sekretaris RW, Ketua LPMK, Pengurus LPMK, Lainnya"


def _tokens(text: str) -> list[str]:
    value = unicodedata.normalize("NFKC", str(text)).lower()
    for phrase, short in _UNIT_PHRASES:
        value = value.replace(phrase, f" {short} ")
    value = re.sub(r"l\W*p\W*m\W*k", " lpmk ", value)  # L.P.M.K
    value = re.sub(r"\br\s*\.\s*([tw])\b", r" r\1 ", value)  # R.T., R.W.
    value = re.sub(r"\d+", " ", value)  # "Ketua RT 03"
    tokens = [t for t in re.split(r"[^a-z]+", value) if t]
    return tokens


def map_role(text: str | None) -> str | None:
    """A role code of PERAN_PESERTA from a spelling on a sheet, or None when it cannot be told.

    'Ketua RT', 'ketua rt.', 'Ka. RT', 'Pak RT' -> ketua_rt; 'Sekretaris RW', 'Bendahara RT',
    'Wakil Ketua RW', 'Pengurus LPMK' -> pengurus_*; 'Ketua LPMK' -> ketua_lpmk; a bare 'LPMK',
    'RW' or 'RT' -> pengurus_* (a representative whose post is not stated); 'Lainnya' -> lainnya.
    Codes themselves ('ketua_rt') are accepted too.
    """
    if text is None:
        return None
    raw = str(text).strip().lower()
    if raw in PESERTA_ROLES:
        return raw
    tokens = _tokens(raw)
    if not tokens:
        return None
    units = {t for t in tokens if t in ("rt", "rw", "lpmk", "lpm")}
    units = {"lpmk" if u == "lpm" else u for u in units}
    if len(units) > 1:
        return None  # e.g. "Ketua RT/RW": which one?
    words = set(tokens) - {"rt", "rw", "lpmk", "lpm"}
    if not units:
        return "lainnya" if words and words <= _OTHER | {"lain", "lainnya"} else None
    unit = units.pop()
    unknown = words - _CHAIR - _BOARD
    if unknown:
        return None
    if words & _BOARD:  # "wakil ketua", "sekretaris", ... (checked before "ketua")
        return f"pengurus_{unit}"
    if words & _CHAIR:
        return f"ketua_{unit}"
    return f"pengurus_{unit}"


_YES = {"ya", "y", "yes", "1", "hadir", "true", "benar", "v", "ok", "✓", "✔", "√", "☑", "✅"}
_NO = {"tidak", "tdk", "tak", "n", "no", "0", "tidak hadir", "tdk hadir", "absen", "false", "salah", "✗", "✘", "-"}


def parse_attended(text: str | None) -> bool | None:
    """True/False from ya/tidak/y/n/1/0/hadir/tidak hadir/✓ (and a few more); None when unreadable."""
    value = " ".join(str(text or "").lower().replace(".", " ").split())
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def parse_nomor(text: str | None, label: str) -> int | None:
    """'05', '5', 'RW 05', '5.0' -> 5; '' -> None; raises ValueError with a reason otherwise."""
    value = str(text or "").strip()
    if not value or value in ("-", "–"):
        return None
    m = re.fullmatch(rf"(?:{label}\s*\.?\s*)?0*(\d{{1,3}})(?:\.0+)?", value, flags=re.IGNORECASE)
    if not m:
        raise ValueError(f"{label} '{value}' bukan nomor (contoh: 3 atau 03).")
    number = int(m[1])
    if number < 1:
        raise ValueError(f"{label} harus 1 atau lebih.")
    return number


# --------------------------------------------------------------------------- result


@dataclass
class ImportResult:
    """The outcome of an import (or of its validation, when it failed)."""

    total_baris: int = 0
    ditambahkan: int = 0
    sudah_ada: int = 0  # already recorded for this event: skipped
    ganda_dalam_berkas: int = 0  # the same participant twice in the sheet: counted once
    hadir_berbeda: int = 0  # among sudah_ada: the sheet says otherwise about attendance (not changed)
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def ringkasan(self) -> str:
        if not self.ok:
            rows = len({p.baris for p in self.problems if p.baris})
            return (
                f"Impor dibatalkan: {len(self.problems)} masalah pada {rows} "
                f"dari {self.total_baris} baris data. "
                "Tidak ada data yang disimpan; perbaiki berkas lalu unggah ulang."
            )
        parts = [f"{self.ditambahkan} peserta ditambahkan", f"{self.sudah_ada} sudah ada, dilewati"]
        if self.ganda_dalam_berkas:
            parts.append(f"{self.ganda_dalam_berkas} baris ganda dalam berkas, dihitung sekali")
        text = f"Impor selesai dari {self.total_baris} baris: " + "; ".join(parts) + "."
        if self.hadir_berbeda:
            text += (
                f" {self.hadir_berbeda} peserta yang sudah ada berbeda status hadirnya di berkas ini; "
                "status lama dipertahankan (ubah manual bila perlu)."
            )
        return text


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class _Row:
    baris: int
    values: dict


def _validate(
    tabel: Table, conn, actor: Actor, progress: Progress | None, total: int
) -> tuple[list[_Row], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    rows = list(iter_rows(tabel))
    resolved: dict[str, object] = {}
    kelurahan_info = {
        kode: (nama, kec)
        for kode, nama, kec in conn.execute(select(Kelurahan.kode, Kelurahan.nama, Kelurahan.kecamatan_kode))
    }
    for _, row in rows:
        name = row.get("kelurahan", "")
        if name not in resolved:
            resolved[name] = resolve_kelurahan(name)
    codes = {m.kode for m in resolved.values() if m.found}  # type: ignore[attr-defined]
    units = load_units(conn, codes)
    has_hadir = "hadir" in tabel.data.columns

    valid: list[_Row] = []
    for i, (baris, row) in enumerate(rows, start=1):
        row_problems: list[ImportProblem] = []

        def bad(kolom: str | None, alasan: str, _b: int = baris, _p: list = row_problems) -> None:
            _p.append(ImportProblem(_b, kolom, alasan))

        nama = " ".join(row.get("nama", "").split())
        if not nama:
            bad("nama", "Nama kosong.")
        elif len(nama) > 120:
            bad("nama", f"Nama terlalu panjang ({len(nama)} karakter; maksimal 120).")
        jabatan = row.get("jabatan", "")
        peran = map_role(jabatan)
        if not jabatan:
            bad("jabatan", f"Jabatan kosong. Contoh: {EXAMPLE_POSITIONS}.")
        elif peran is None:
            bad("jabatan", f"Jabatan '{jabatan}' tidak dikenali. Contoh yang diterima: {EXAMPLE_POSITIONS}.")
        kel_text = row.get("kelurahan", "")
        match = resolved[kel_text]
        kode = None
        if not kel_text:
            bad("kelurahan", "Kelurahan kosong.")
        elif not match.found:  # type: ignore[attr-defined]
            bad("kelurahan", match.message())  # type: ignore[attr-defined]
        else:
            kode = match.kode  # type: ignore[attr-defined]
            if actor.kecamatan_kode and kelurahan_info[kode][1] != actor.kecamatan_kode:
                bad("kelurahan", "Kelurahan ini di luar kecamatan akun Anda.")
        rw = rt = None
        try:
            rw = parse_nomor(row.get("rw"), "RW")
        except ValueError as exc:
            bad("rw", str(exc))
        try:
            rt = parse_nomor(row.get("rt"), "RT")
        except ValueError as exc:
            bad("rt", str(exc))
        hadir = True
        if has_hadir:
            parsed = parse_attended(row.get("hadir"))
            if parsed is None:
                shown = row.get("hadir") or "(kosong)"
                bad("hadir", f"Isi hadir '{shown}' tidak dikenali; tulis ya atau tidak.")
            else:
                hadir = parsed
        if kode and peran and not any(p.kolom in ("rw", "rt") for p in row_problems):
            try:
                rw, rt = check_units(units, kode, kelurahan_info[kode][0], peran, rw, rt)
            except BimtekError as exc:
                bad(exc.kolom, exc.alasan)
        if row_problems:
            problems.extend(row_problems)
        else:
            valid.append(
                _Row(
                    baris,
                    {
                        "nama": nama,
                        "nama_kunci": name_key_peserta(nama),
                        "peran": peran,
                        "kelurahan_kode": kode,
                        "rw": rw,
                        "rt": rt,
                        "diundang": True,
                        "hadir": hadir,
                    },
                )
            )
        if progress and (i % 200 == 0 or i == len(rows)):
            progress(i, total)
    return valid, problems


def import_peserta(
    engine: Engine,
    actor: Actor,
    bimtek_id: int,
    data: bytes,
    filename: str,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import an attendance sheet for one event: everything or nothing."""
    actor.require("tulis")
    tabel = read_table(data, filename, synonyms=SYNONYMS, required=REQUIRED)
    hasil = ImportResult(total_baris=len(tabel.data), warnings=list(tabel.warnings))
    if not tabel.ok:
        hasil.problems = tabel.problems
        return hasil
    if "hadir" not in tabel.data.columns:
        hasil.warnings.append("Kolom 'hadir' tidak ada: semua orang dalam berkas dianggap hadir.")
    n = len(tabel.data)
    total = 2 * n
    try:
        with engine.begin() as conn:
            if conn.execute(select(Bimtek.id).where(Bimtek.id == bimtek_id).with_for_update()).scalar() is None:
                hasil.problems = [ImportProblem(0, None, f"Bimtek dengan id {bimtek_id} tidak ditemukan.")]
                return hasil
            valid, problems = _validate(tabel, conn, actor, progress, total)
            if problems:
                hasil.problems = problems
                return hasil
            existing = {
                peserta_key(bimtek_id, k, p, rw, rt, nk): h
                for k, p, rw, rt, nk, h in conn.execute(
                    select(
                        BimtekPeserta.kelurahan_kode,
                        BimtekPeserta.peran,
                        BimtekPeserta.rw,
                        BimtekPeserta.rt,
                        BimtekPeserta.nama_kunci,
                        BimtekPeserta.hadir,
                    ).where(BimtekPeserta.bimtek_id == bimtek_id)
                )
            }
            new: dict[tuple, _Row] = {}
            for row in valid:
                v = row.values
                key = peserta_key(bimtek_id, v["kelurahan_kode"], v["peran"], v["rw"], v["rt"], v["nama_kunci"])
                if key in existing:
                    hasil.sudah_ada += 1
                    hasil.hadir_berbeda += int(bool(existing[key]) != v["hadir"])
                elif key in new:
                    first = new[key]
                    if first.values["hadir"] != v["hadir"]:
                        problems.append(
                            ImportProblem(
                                row.baris,
                                "hadir",
                                f"Peserta yang sama dengan baris {first.baris}, tetapi status hadirnya berbeda.",
                            )
                        )
                    hasil.ganda_dalam_berkas += 1
                else:
                    new[key] = row
            if problems:
                hasil.problems = problems
                hasil.ganda_dalam_berkas = hasil.sudah_ada = hasil.hadir_berbeda = 0
                return hasil
            rows = [{"bimtek_id": bimtek_id, **r.values} for r in new.values()]
            done = n
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                conn.execute(insert(BimtekPeserta), chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            hasil.ditambahkan = len(rows)
            write_audit(
                conn,
                "impor_peserta",
                actor.username,
                bimtek_id=bimtek_id,
                berkas=filename,
                baris=n,
                ditambahkan=hasil.ditambahkan,
                sudah_ada=hasil.sudah_ada,
            )
    except (IntegrityError, OperationalError) as exc:
        hasil.ditambahkan = 0
        hasil.problems = [
            ImportProblem(
                0,
                None,
                "Basis data sedang sibuk atau ada perubahan bersamaan pada bimtek yang sama; "
                f"tidak ada yang disimpan. Ulangi impor sebentar lagi ({type(exc).__name__}).",
            )
        ]
        return hasil
    if progress:
        progress(total, total)
    return hasil


# --------------------------------------------------------------------------- template


EXAMPLE = [
    ("Budi Santoso", "Ketua RT", "Gading Kasri", "3", "2", "ya"),
    ("Siti Aminah", "Sekretaris RW", "Oro-Oro Dowo", "5", "", "ya"),
    ("Agus Wibowo", "Ketua LPMK", "Tunjungsekar", "", "", "tidak"),
]
INSTRUCTIONS = [
    ("nama", "Nama lengkap peserta (wajib)."),
    ("jabatan", f"Jabatan di lembaga (wajib), mis. {EXAMPLE_POSITIONS}."),
    ("kelurahan", "Nama kelurahan (wajib); ejaan umum diterima, mis. Gadingasri = Gading Kasri."),
    ("rw", "Nomor RW (wajib untuk jabatan RT dan RW; kosongkan untuk LPMK)."),
    ("rt", "Nomor RT di dalam RW itu (untuk jabatan RT; boleh kosong bila tidak diketahui)."),
    ("hadir", "ya / tidak (juga y/n, 1/0, hadir/tidak hadir, ✓)."),
]


def template_csv() -> bytes:
    """Header-only CSV template (UTF-8 with BOM, comma-separated)."""
    return (",".join(COLUMNS) + "\r\n").encode("utf-8-sig")


def template_xlsx() -> bytes:
    """XLSX template: sheet 'Daftar hadir' (headers, drop-down lists) and sheet 'Petunjuk' with examples."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Daftar hadir"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEF", (32, 18, 22, 6, 6, 8), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    roles = DataValidation(
        type="list", formula1='"' + ",".join(PESERTA_ROLES.values()) + '"', allow_blank=True, showErrorMessage=False
    )
    hadir = DataValidation(type="list", formula1='"ya,tidak"', allow_blank=True)
    ws.add_data_validation(roles)
    ws.add_data_validation(hadir)
    roles.add("B2:B5000")
    hadir.add("F2:F5000")
    help_ws = wb.create_sheet("Petunjuk")
    help_ws.append(["Kolom", "Isi"])
    for row in INSTRUCTIONS:
        help_ws.append(list(row))
    help_ws.append([])
    help_ws.append(["Contoh baris (isi di lembar 'Daftar hadir'; lembar ini tidak dibaca):"])
    help_ws.append(COLUMNS)
    for row in EXAMPLE:
        help_ws.append(list(row))
    help_ws.column_dimensions["A"].width = 18
    help_ws.column_dimensions["B"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- command line


def cli_import_peserta(path: str, bimtek_id: int, engine: Engine, *, out=None) -> int:
    """`python -m db import-peserta FILE --bimtek ID`: import as the system actor and print the report.

    Exit codes: 0 imported (or nothing new), 1 the sheet has problems (nothing written), 2 no such file.
    """
    from db.auth.roles import SYSTEM

    out = out or sys.stdout
    file = Path(path)
    if not file.is_file():
        print(f"Berkas tidak ditemukan: {path}", file=out)
        return 2
    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = done * 100 // total if total else 100
        if pct // 10 != last[0] // 10:
            last[0] = pct
            print(f"  ... {pct}%", file=sys.stderr)

    hasil = import_peserta(engine, SYSTEM, bimtek_id, file.read_bytes(), file.name, progress=progress)
    for warning in hasil.warnings:
        print(f"Catatan: {warning}", file=out)
    print(hasil.ringkasan(), file=out)
    if not hasil.ok:
        print(hasil.problems_frame().to_string(index=False), file=out)
        return 1
    return 0
