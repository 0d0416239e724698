"""Import aspirations from a CSV or XLSX sheet: every row validated, all or nothing, idempotent.

A row's external reference (column ``ref``, or a fingerprint of its content when empty) is stored
in ``aspirasi.ref_eksternal``; importing the same sheet again reports those rows as already
present and writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, select

from db.aspirasi import AspirasiBaru, insert_new, load_referensi, row_for, validate
from db.auth import Actor
from db.domain import KANAL, PRIORITAS
from db.engine import write_lock
from db.kalender import today as city_today
from db.schema import Aspirasi, Kelurahan
from db.tabular import ImportProblem, TanggalTidakValid, iter_rows, parse_tanggal, problems_frame, read_table
from db.users import log

KOLOM = [
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
WAJIB = ["tanggal", "judul", "kategori", "kelurahan"]
SINONIM = {
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
SUMBER_SINONIM = {
    "rt": "RT", "ketua_rt": "RT", "rw": "RW", "ketua_rw": "RW", "lpmk": "LPMK", "warga": "warga",
    "masyarakat": "warga", "lainnya": "lainnya", "lain_lain": "lainnya", "": "warga",
}  # fmt: skip
KANAL_SINONIM = {
    **{k: k for k in KANAL},
    **{v.lower().replace(" ", "_").replace("/", "_"): k for k, v in KANAL.items()},
    "sambat_online": "sambat", "wa": "telepon", "whatsapp": "telepon", "walk_in": "langsung",
    "datang": "langsung", "rembuk_jumat": "rembuk", "": "langsung",
}  # fmt: skip


@dataclass
class LaporanImpor:
    total_baris: int = 0
    ditambahkan: int = 0
    sudah_ada: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nomor: list[str] = field(default_factory=list)

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


def parse_row(baris: int, cells: dict[str, str], problems: list[ImportProblem]) -> AspirasiBaru:
    """Turn the text cells of one row into an AspirasiBaru; cells that cannot be read are reported
    in ``problems`` and left empty, so the rest of the row is still checked."""
    try:
        tanggal = parse_tanggal(cells.get("tanggal", ""))
    except TanggalTidakValid as exc:
        problems.append(ImportProblem(baris, "tanggal", str(exc)))
        tanggal = None
    sumber = SUMBER_SINONIM.get(_key(cells.get("sumber", "")))
    if sumber is None:
        problems.append(
            ImportProblem(baris, "sumber", f"Sumber '{cells['sumber']}' tidak dikenal (RT, RW, LPMK, warga, lainnya).")
        )
    kanal = KANAL_SINONIM.get(_key(cells.get("kanal", "")))
    if kanal is None:
        problems.append(
            ImportProblem(baris, "kanal", f"Kanal '{cells['kanal']}' tidak dikenal ({', '.join(KANAL.values())}).")
        )
    prioritas = _key(cells.get("prioritas", "")) or "sedang"
    if prioritas not in PRIORITAS:
        problems.append(ImportProblem(baris, "prioritas", f"Prioritas '{cells['prioritas']}' tidak dikenal."))
    rw = _int(cells.get("rw", ""), "rw", baris, problems)
    rt = _int(cells.get("rt", ""), "rt", baris, problems)
    lat = _float(cells.get("lat", ""), "lat", baris, problems)
    lon = _float(cells.get("lon", ""), "lon", baris, problems)
    if tanggal is None and not cells.get("tanggal", "").strip():
        problems.append(ImportProblem(baris, "tanggal", "Tanggal wajib diisi."))
    return AspirasiBaru(
        judul=cells.get("judul", ""),
        deskripsi=cells.get("deskripsi", ""),
        kategori=cells.get("kategori", ""),
        kelurahan=cells.get("kelurahan", ""),
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


def import_aspirasi(
    engine: Engine,
    actor: Actor,
    data: bytes,
    filename: str,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LaporanImpor:
    """Validate every row of the sheet; write all of them in one transaction, or none."""
    actor.wajib("tulis")
    today = today or city_today()
    report = LaporanImpor()
    tabel = read_table(data, filename, synonyms=SINONIM, required=WAJIB)
    report.warnings.extend(tabel.warnings)
    report.total_baris = len(tabel.data)
    if not tabel.ok:
        report.problems = list(tabel.problems)
        return report
    unknown = [c for c in tabel.data.columns if c not in KOLOM]
    if unknown:
        report.warnings.append(f"Kolom diabaikan: {', '.join(tabel.kolom_asli.get(c, c) for c in unknown)}.")

    with engine.begin() as conn:
        write_lock(conn)
        ref = load_referensi(conn)
        kecamatan_of = dict(conn.execute(select(Kelurahan.kode, Kelurahan.kecamatan_kode)).tuples().all())
        parsed: list[tuple[int, AspirasiBaru, dict]] = []
        seen: dict[str, int] = {}
        for baris, cells in iter_rows(tabel):
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
        if report.problems:
            return report  # nothing written
        existing = set()
        refs = [item.ref_eksternal for _, item, _ in parsed]
        for i in range(0, len(refs), 500):
            existing |= set(
                conn.scalars(select(Aspirasi.ref_eksternal).where(Aspirasi.ref_eksternal.in_(refs[i : i + 500])))
            )
        new_rows = [
            row_for(item, values, ref, actor) for _, item, values in parsed if item.ref_eksternal not in existing
        ]
        report.sudah_ada = len(parsed) - len(new_rows)
        created = insert_new(conn, actor, new_rows, progress)
        report.ditambahkan = len(created)
        report.nomor = [nomor for _, nomor in created]
    log(
        engine,
        "impor_aspirasi",
        actor.username,
        berkas=filename,
        ditambahkan=report.ditambahkan,
        sudah_ada=report.sudah_ada,
    )
    return report


CONTOH = {
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
    return pd.DataFrame([CONTOH], columns=KOLOM)


def template_csv() -> bytes:
    return template_frame().to_csv(index=False).encode("utf-8-sig")


def template_xlsx() -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        template_frame().to_excel(writer, index=False, sheet_name="aspirasi")
        petunjuk = pd.DataFrame(
            {
                "kolom": KOLOM,
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
                    ", ".join(KANAL.values()) + " (bawaan Datang langsung)",
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
        engine, actor, file.read_bytes(), file.name, progress=lambda d, t: print(f"\r  {d}/{t} baris", end="")
    )
    print()
    for w in report.warnings:
        print(f"Catatan: {w}")
    if not report.ok:
        print(report.tabel_masalah().to_string(index=False))
    print(report.ringkasan())
    return 0 if report.ok else 1
