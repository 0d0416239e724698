"""Import aspirations from a CSV or XLSX sheet: every row validated, all or nothing, idempotent.

Checking happens before any write transaction; the write lock is held only for the final batch insert
(issue 12 §5: a 50,000-row import used to hold SQLite's write lock for a minute; see docs/PERFORMANCE.md).

A row's external reference (column ``ref``, or a fingerprint of its content when empty) is stored
in ``aspirasi.ref_eksternal``; importing the same sheet again reports those rows as already
present and writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, cast, func, insert, literal, null, select
from sqlalchemy.exc import IntegrityError

from db.aspirasi import rollups
from db.aspirasi.services import NewAspirasi, load_reference_data, row_for, validate
from db.aspirasi.status import CHANNELS, PRIORITIES
from db.auth.roles import Actor
from db.auth.users import log
from db.engine import write_lock
from db.schema import Aspirasi, AspirasiRiwayat, Kelurahan
from db.tabular import ImportProblem, InvalidDate, iter_rows, parse_date, problems_frame, read_table
from db.workdays import today as city_today
from geo.names import resolve_kelurahan

COLUMNS = [
    "ref",
    "tanggal",
    "judul",
    "deskripsi",
    "kategori",
    "kelurahan",
    "rw",
    "rt",
    "sumber",
    "kanal",
    "prioritas",
    "pelapor_nama",
    "pelapor_telepon",
    "lat",
    "lon",
]
REQUIRED = ["tanggal", "judul", "kategori", "kelurahan"]
SYNONYMS = {
    "no_ref": "ref",
    "referensi": "ref",
    "id": "ref",
    "nomor_referensi": "ref",
    "tanggal_diterima": "tanggal",
    "tgl": "tanggal",
    "tgl_diterima": "tanggal",
    "uraian": "deskripsi",
    "keterangan": "deskripsi",
    "kel": "kelurahan",
    "desa_kelurahan": "kelurahan",
    "nama_pelapor": "pelapor_nama",
    "pelapor": "pelapor_nama",
    "telepon": "pelapor_telepon",
    "no_hp": "pelapor_telepon",
    "hp": "pelapor_telepon",
    "telepon_pelapor": "pelapor_telepon",
    "latitude": "lat",
    "lintang": "lat",
    "longitude": "lon",
    "bujur": "lon",
    "lng": "lon",
}
SOURCE_SYNONYMS = {
    "rt": "RT", "ketua_rt": "RT", "rw": "RW", "ketua_rw": "RW", "lpmk": "LPMK", "warga": "warga",
    "masyarakat": "warga", "lainnya": "lainnya", "lain_lain": "lainnya", "": "warga",
}  # fmt: skip
CHANNEL_SYNONYMS = {
    **{k: k for k in CHANNELS},
    **{v.lower().replace(" ", "_").replace("/", "_"): k for k, v in CHANNELS.items()},
    "sambat_online": "sambat", "wa": "telepon", "whatsapp": "telepon", "walk_in": "langsung",
    "datang": "langsung", "rembuk_jumat": "rembuk", "": "langsung",
}  # fmt: skip


@dataclass
class ImportReport:
    total_baris: int = 0
    ditambahkan: int = 0
    sudah_ada: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nomor: list[str] = field(default_factory=list)
    detik_kunci: float = 0.0  # seconds the database's write lock was held (the final insert)
    detik_total: float = 0.0
    detik_kunci_cpu: float = 0.0  # CPU seconds of this thread inside the lock (what an idle machine needs)

    @property
    def ok(self) -> bool:
        return not self.problems

    def tabel_masalah(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def ringkasan(self) -> str:
        if not self.ok:
            return (
                f"Tidak ada yang disimpan: {len(self.problems)} masalah pada berkas "
                f"({self.total_baris} baris data). Perbaiki baris yang disebut lalu unggah lagi."
            )
        return (
            f"{self.ditambahkan} aspirasi ditambahkan, {self.sudah_ada} sudah ada (dilewati), "
            f"dari {self.total_baris} baris."
        )


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def _int(value: str, kolom: str, baris: int, problems: list[ImportProblem]) -> int | None:
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        problems.append(ImportProblem(baris, kolom, f"'{value}' bukan angka."))
        return None
    if not number.is_integer() or number < 1:
        problems.append(ImportProblem(baris, kolom, f"'{value}' harus bilangan bulat positif."))
        return None
    return int(number)


def _float(value: str, kolom: str, baris: int, problems: list[ImportProblem]) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        problems.append(ImportProblem(baris, kolom, f"'{value}' bukan angka desimal."))
        return None


def fingerprint(cells: dict[str, str]) -> str:
    """A stable reference for a row without one: the same content gives the same reference."""
    basis = "|".join(
        " ".join(cells.get(k, "").lower().split())
        for k in ("tanggal", "judul", "kelurahan", "rw", "rt", "pelapor_nama")
    )
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:40]


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> dt.date | InvalidDate | None:
    """parse_tanggal, remembered: a sheet repeats the same few hundred dates."""
    try:
        return parse_date(text)
    except InvalidDate as exc:
        return exc


@functools.lru_cache(maxsize=4096)
def _kelurahan(text: str) -> str:
    """The code of a known kelurahan spelling (validated again, cheaply, by code); unknown text unchanged so
    the message names what was written."""
    match = resolve_kelurahan(text)
    return match.kode if match.found else text


def parse_row(baris: int, cells: dict[str, str], problems: list[ImportProblem]) -> NewAspirasi:
    """Turn the text cells of one row into an AspirasiBaru; cells that cannot be read are reported
    in ``problems`` and left empty, so the rest of the row is still checked."""
    tanggal = _date(cells.get("tanggal", ""))
    if isinstance(tanggal, InvalidDate):
        problems.append(ImportProblem(baris, "tanggal", str(tanggal)))
        tanggal = None
    sumber = SOURCE_SYNONYMS.get(_key(cells.get("sumber", "")))
    if sumber is None:
        problems.append(
            ImportProblem(baris, "sumber", f"Sumber '{cells['sumber']}' tidak dikenal (RT, RW, LPMK, warga, lainnya).")
        )
    kanal = CHANNEL_SYNONYMS.get(_key(cells.get("kanal", "")))
    if kanal is None:
        problems.append(
            ImportProblem(baris, "kanal", f"Kanal '{cells['kanal']}' tidak dikenal ({', '.join(CHANNELS.values())}).")
        )
    prioritas = _key(cells.get("prioritas", "")) or "sedang"
    if prioritas not in PRIORITIES:
        problems.append(ImportProblem(baris, "prioritas", f"Prioritas '{cells['prioritas']}' tidak dikenal."))
    rw = _int(cells.get("rw", ""), "rw", baris, problems)
    rt = _int(cells.get("rt", ""), "rt", baris, problems)
    lat = _float(cells.get("lat", ""), "lat", baris, problems)
    lon = _float(cells.get("lon", ""), "lon", baris, problems)
    if tanggal is None and not cells.get("tanggal", "").strip():
        problems.append(ImportProblem(baris, "tanggal", "Tanggal wajib diisi."))
    return NewAspirasi(
        judul=cells.get("judul", ""),
        deskripsi=cells.get("deskripsi", ""),
        kategori=cells.get("kategori", ""),
        kelurahan=_kelurahan(cells.get("kelurahan", "")),
        rw=rw,
        rt=rt,
        sumber=sumber or "warga",
        kanal=kanal or "langsung",
        prioritas=prioritas,
        tanggal_diterima=tanggal,
        pelapor_nama=cells.get("pelapor_nama") or None,
        pelapor_telepon=cells.get("pelapor_telepon") or None,
        lat=lat,
        lon=lon,
        ref_eksternal=(cells.get("ref") or fingerprint(cells))[:64],
    )


class _CalendarCache:
    """The city's working-day calendar with ``add_hari_kerja`` remembered per (start, n): an import of
    50,000 rows asks for a few hundred distinct due dates."""

    def __init__(self, kalender):
        self._kalender = kalender
        self._memo: dict[tuple[dt.date, int], dt.date] = {}

    def add_hari_kerja(self, start: dt.date, n: int) -> dt.date:
        key = (start, n)
        if key not in self._memo:
            self._memo[key] = self._kalender.add_hari_kerja(start, n)
        return self._memo[key]

    def __getattr__(self, name):
        return getattr(self._kalender, name)


def _existing_refs(conn, refs: list[str]) -> set[str]:
    existing: set[str] = set()
    for i in range(0, len(refs), 500):
        existing |= set(
            conn.scalars(select(Aspirasi.ref_eksternal).where(Aspirasi.ref_eksternal.in_(refs[i : i + 500])))
        )
    return existing


def _staging_table(name: str, names: tuple[str, ...]) -> Table:
    """A temporary table shaped like the new aspirasi rows, plus (tahun, urut): the year of the ticket
    number and the row's place among that year's new rows. Temporary tables are private to the
    connection and (SQLite) live outside the main database file: filling one takes no write lock."""
    columns = [Column(c.name, c.type) for c in Aspirasi.__table__.columns if c.name in names]
    return Table(
        name,
        MetaData(),
        *columns,
        Column("tahun", Integer),
        Column("urut", Integer),
        prefixes=["TEMPORARY"],
    )


def _nomor_expr(conn, staging: Table, tahun: int, base: int):
    """'ASP-2026-000123' for a staged row: the year's first free number + its place (SQL, both databases)."""
    seq = staging.c.urut + base - 1
    digits = func.printf("%06d", seq) if conn.dialect.name == "sqlite" else func.lpad(cast(seq, String), 6, "0")
    return (literal(f"ASP-{tahun}-") + digits).label("nomor")


def _insert_staged(conn, actor: Actor, staging: Table, names: tuple[str, ...], years: dict[int, int]) -> list[str]:
    """In ``conn``'s write-locked transaction: copy the staged rows into aspirasi with ticket numbers that
    continue each year's highest number (read under the lock), then their first history entry. A few
    INSERT ... SELECT statements, no per-row round trip (the caller adds the rollup counts). Returns the
    numbers given, in file order."""
    from db.aspirasi.services import _next_nomor

    nomor: list[str] = []
    for tahun, count in sorted(years.items()):
        base = int(_next_nomor(conn, tahun).rsplit("-", 1)[1])
        cols = [staging.c[name] for name in names]
        conn.execute(
            insert(Aspirasi).from_select(
                [*names, "nomor"],
                select(*cols, _nomor_expr(conn, staging, tahun, base)).where(staging.c.tahun == tahun),
            )
        )
        first, last = f"ASP-{tahun}-{base:06d}", f"ASP-{tahun}-{base + count - 1:06d}"
        conn.execute(
            insert(AspirasiRiwayat).from_select(
                ["aspirasi_id", "oleh", "dari_status", "ke_status", "catatan", "waktu"],
                select(
                    Aspirasi.id,
                    literal(actor.username),
                    null(),
                    literal("diterima"),
                    literal("Aspirasi dicatat"),
                    Aspirasi.dibuat_pada,
                ).where(Aspirasi.nomor >= first, Aspirasi.nomor <= last),
            )
        )
        nomor += [f"ASP-{tahun}-{base + i:06d}" for i in range(count)]
    return nomor


BATCH = 5_000  # rows per executemany batch
SQLITE_CACHE_KIB = 256 * 1024  # page cache of the importing connection while it imports


def import_aspirasi(
    engine: Engine,
    actor: Actor,
    data: bytes,
    filename: str,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every row of the sheet; write all of them in one transaction, or none.

    Reading, checking and preparing the rows (and looking up which references already exist) happen
    outside any write transaction; the database's write lock is held only for the final batch insert
    with its ticket numbers (``LaporanImpor.detik_kunci``), so other saves go on during a long import.
    ``progress(rows checked, total)`` is called while checking.
    """
    actor.require("tulis")
    started = time.perf_counter()
    today = today or city_today()
    report = ImportReport()
    tabel = read_table(data, filename, synonyms=SYNONYMS, required=REQUIRED)
    report.warnings.extend(tabel.warnings)
    report.total_baris = len(tabel.data)
    if not tabel.ok:
        report.problems = list(tabel.problems)
        return report
    unknown = [c for c in tabel.data.columns if c not in COLUMNS]
    if unknown:
        report.warnings.append(f"Kolom diabaikan: {', '.join(tabel.kolom_asli.get(c, c) for c in unknown)}.")

    with engine.connect() as conn:  # reads only: no lock held
        ref = load_reference_data(conn)
        kecamatan_of = dict(conn.execute(select(Kelurahan.kode, Kelurahan.kecamatan_kode)).tuples().all())
    ref = replace(ref, kalender=_CalendarCache(ref.kalender))
    parsed: list[tuple[int, NewAspirasi, dict]] = []
    seen: dict[str, int] = {}
    total = report.total_baris
    for i, (baris, cells) in enumerate(iter_rows(tabel), start=1):
        before = len(report.problems)
        item = parse_row(baris, cells, report.problems)
        errors, warnings, values = validate(item, ref, today)
        for kolom, alasan in errors.items():
            report.problems.append(ImportProblem(baris, "kelurahan" if kolom == "lokasi" else kolom, alasan))
        report.warnings.extend(f"Baris {baris}: {w}" for w in warnings)
        if item.ref_eksternal in seen:
            report.problems.append(
                ImportProblem(
                    baris, "ref", f"Referensi '{item.ref_eksternal}' sama dengan baris {seen[item.ref_eksternal]}."
                )
            )
        seen.setdefault(item.ref_eksternal, baris)
        kode = values.get("kelurahan_kode")
        if actor.kecamatan_kode and kode and kecamatan_of.get(kode) != actor.kecamatan_kode:
            report.problems.append(ImportProblem(baris, "kelurahan", "Di luar kecamatan akun Anda."))
        if not errors and len(report.problems) == before:
            parsed.append((baris, item, values))
        if progress and (i % PROGRESS_EVERY == 0 or i == total):
            progress(i, total)
    if report.problems:
        report.detik_total = time.perf_counter() - started
        return report  # nothing written

    refs = [item.ref_eksternal for _, item, _ in parsed]
    prepared = [(item.ref_eksternal, row_for(item, values, ref, actor)) for _, item, values in parsed]
    for attempt in range(3):
        with engine.connect() as conn:
            existing = _existing_refs(conn, refs)
            conn.rollback()  # end the read transaction: nothing may hold a snapshot while we stage
            new_rows = [dict(row) for r, row in prepared if r not in existing]
            report.nomor = _write(conn, actor, new_rows, report) if new_rows else []
        if report.nomor or not new_rows:
            break
        if attempt == 2:
            raise RuntimeError("Impor gagal: referensi terus bertabrakan dengan impor lain.")
    report.sudah_ada = len(parsed) - len(new_rows)
    report.ditambahkan = len(new_rows)
    log(
        engine,
        "impor_aspirasi",
        actor.username,
        berkas=filename,
        ditambahkan=report.ditambahkan,
        sudah_ada=report.sudah_ada,
    )
    report.detik_total = time.perf_counter() - started
    return report


PROGRESS_EVERY = 500  # rows checked between two progress calls


def _write(conn, actor: Actor, rows: list[dict], report: ImportReport) -> list[str]:
    """Stage ``rows`` in a temporary table (no lock), then insert them under the write lock in one
    transaction. Returns the ticket numbers, or [] when another import wrote some of the same references
    meanwhile (nothing written; the caller looks again)."""
    names = tuple(rows[0])
    staging = _staging_table(f"impor_{uuid.uuid4().hex[:12]}", names)
    if conn.dialect.name == "sqlite":
        # Keep the staged rows and the B-tree pages the insert touches in memory, so the locked part does
        # not spill pages to disk halfway (the defaults are a 2 MB cache and a file for temp tables).
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        conn.rollback()
    # The rollup counts of the new rows, worked out and staged now: under the lock one statement per table adds them.
    delta = rollups.delta_of((None, row) for row in rows)
    years: dict[int, int] = {}
    for row in rows:
        tahun = row["tanggal_diterima"].year
        years[tahun] = years.get(tahun, 0) + 1
        row["tahun"], row["urut"] = tahun, years[tahun]
    try:
        with conn.begin():
            staging.create(conn)
            for i in range(0, len(rows), BATCH):
                conn.execute(insert(staging), rows[i : i + BATCH])
        with rollups.staged_delta(conn, delta) as add_counts:
            try:
                with conn.begin():
                    locked, cpu = time.perf_counter(), time.thread_time()
                    write_lock(conn)
                    nomor = _insert_staged(conn, actor, staging, names, years)
                    add_counts(conn)
                report.detik_kunci = time.perf_counter() - locked
                report.detik_kunci_cpu = time.thread_time() - cpu
                return nomor
            except IntegrityError as exc:
                if "ref_eksternal" not in str(exc.orig):
                    raise
                return []
    finally:
        with conn.begin():
            staging.drop(conn, checkfirst=True)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-2000")  # the pooled connection goes back as it was
            conn.exec_driver_sql("PRAGMA temp_store=DEFAULT")
            conn.rollback()


EXAMPLE = {
    "ref": "SURAT-2025-0142",
    "tanggal": "28 November 2025",
    "judul": "Lampu jalan mati di gang 3",
    "deskripsi": "Sudah dua minggu gelap (contoh, hapus baris ini)",
    "kategori": "Penerangan jalan (PJU)",
    "kelurahan": "Gadingkasri",
    "rw": "2",
    "rt": "1",
    "sumber": "RT",
    "kanal": "surat",
    "prioritas": "sedang",
    "pelapor_nama": "",
    "pelapor_telepon": "",
    "lat": "",
    "lon": "",
}


def template_frame() -> pd.DataFrame:
    return pd.DataFrame([EXAMPLE], columns=COLUMNS)


def template_csv() -> bytes:
    return template_frame().to_csv(index=False).encode("utf-8-sig")


def template_xlsx() -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        template_frame().to_excel(writer, index=False, sheet_name="aspirasi")
        petunjuk = pd.DataFrame(
            {
                "kolom": COLUMNS,
                "keterangan": [
                    "referensi unik dari sumber (mis. nomor surat); mencegah impor ganda",
                    "wajib; 2025-11-28, 28/11/2025 atau 28 November 2025",
                    "wajib; maks. 200 karakter",
                    "opsional",
                    "wajib; kode atau nama kategori",
                    "wajib; nama (ejaan apa pun yang dikenal) atau kode Kemendagri",
                    "opsional; harus ada di kelurahan itu",
                    "opsional; harus ada di RW itu",
                    "RT, RW, LPMK, warga atau lainnya (bawaan warga)",
                    ", ".join(CHANNELS.values()) + " (bawaan Datang langsung)",
                    "rendah, sedang, tinggi, darurat (bawaan sedang)",
                    "data pribadi; opsional",
                    "data pribadi; opsional",
                    "opsional; lintang desimal, mis. -7.9666",
                    "opsional; bujur desimal, mis. 112.6326",
                ],
            }
        )
        petunjuk.to_excel(writer, index=False, sheet_name="petunjuk")
    return buffer.getvalue()


def cli_import_aspirasi(engine: Engine, actor: Actor, path: str) -> int:
    """`python -m db import-aspirasi FILE`: prints the report; exit code 0 only when imported."""
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        print(f"Berkas tidak ditemukan: {path}")
        return 2
    report = import_aspirasi(
        engine,
        actor,
        file.read_bytes(),
        file.name,
        progress=lambda d, t: print(f"\r  {d}/{t} baris diperiksa", end=""),
    )
    print()
    for w in report.warnings:
        print(f"Catatan: {w}")
    if not report.ok:
        print(report.tabel_masalah().to_string(index=False))
    print(report.ringkasan())
    return 0 if report.ok else 1
