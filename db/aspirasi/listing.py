"""The aspiration table (paged in SQL), one aspiration's detail, and exports."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.aspirasi import rollups
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.map_data import export_select
from db.aspirasi.status import CHANNELS, SOURCES, is_aspirasi_overdue, status_label
from db.aspirasi.workflow import can_move_to
from db.export import neutralise
from db.format import format_date as format_tanggal
from db.lacak.followup import confirmations_from
from db.schema import Aspirasi, AspirasiRiwayat, Janji, Kategori, Kecamatan, Kelurahan, Opd, Rembuk, RembukKelurahan
from db.sql import rows_frame

# Sortable columns: key -> SQL expression (the labels users pick from are in ui/labels.py).
SORT_ORDER = {
    "diterima": Aspirasi.tanggal_diterima,
    "tenggat": Aspirasi.tenggat,
    "nomor": Aspirasi.nomor,
    "kelurahan": Kelurahan.nama,
    "status": Aspirasi.status,
    "prioritas": Aspirasi.prioritas,
}
PAGE_COLUMNS = [
    "id", "nomor", "diterima", "judul", "kategori", "kelurahan", "rw", "opd", "prioritas", "tenggat", "status",
    "status_label", "lewat_tenggat", "konfirmasi",
]  # fmt: skip


def _table_select(f: AspirasiFilter):
    return f.apply(
        select(
            Aspirasi.id,
            Aspirasi.nomor.label("nomor"),
            Aspirasi.tanggal_diterima.label("diterima"),
            Aspirasi.judul.label("judul"),
            Kategori.nama.label("kategori"),
            Kelurahan.nama.label("kelurahan"),
            Aspirasi.rw.label("rw"),
            Aspirasi.status.label("status"),
            Opd.kode.label("opd"),
            Aspirasi.prioritas.label("prioritas"),
            Aspirasi.tenggat.label("tenggat"),
            Aspirasi.terbuka.label("terbuka"),
        )
        .join(Kategori, Kategori.id == Aspirasi.kategori_id)
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
    )


def count(engine: Engine, f: AspirasiFilter) -> int:
    """Aspirations matching ``f``: from the rollups where they answer it (a count over the archive costs ~50 ms
    at 1,000,000 rows), else counted."""
    counted = rollups.count(engine, f)
    if counted is not None:
        return counted
    with engine.connect() as conn:
        return conn.scalar(f.apply(select(func.count(Aspirasi.id))))


def page(
    engine: Engine, f: AspirasiFilter, today: dt.date, urut: str = "diterima", turun: bool = True,
    nomor_halaman: int = 1, ukuran: int = 50,
) -> pd.DataFrame:  # fmt: skip
    """One page of the filtered aspirations; LIMIT/OFFSET in SQL, so the cost is the page, not the archive.

    Columns: HALAMAN_COLUMNS (``konfirmasi``: the RT/RW answer through a tracking link, or "").
    """
    col = SORT_ORDER.get(urut, Aspirasi.tanggal_diterima)
    order = (col.desc() if turun else col.asc(), Aspirasi.id.desc() if turun else Aspirasi.id.asc())
    stmt = _table_select(f).order_by(*order).limit(ukuran).offset(max(nomor_halaman - 1, 0) * ukuran)
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=PAGE_COLUMNS)
    df["status_label"] = df["status"].map(status_label)
    df["lewat_tenggat"] = [is_aspirasi_overdue(t, d, today) for t, d in zip(df["terbuka"], df["tenggat"], strict=True)]
    # The RT/RW answer through a tracking link (issue 17): "Belum beres" flags a closed aspiration.
    jawaban = confirmations_from(engine, df["id"])
    df["konfirmasi"] = [jawaban.get(i, "") for i in df["id"]]
    return df[PAGE_COLUMNS]


@dataclass(frozen=True)
class Detail:
    id: int
    version: int
    status: str
    info: dict  # field key -> value shown, personal data included (the caller masks by role)
    lat: float | None
    lon: float | None
    kelurahan_kode: str
    riwayat: pd.DataFrame
    janji: pd.DataFrame
    boleh_ke: tuple[str, ...]
    opd_kode: str | None
    prioritas: str
    tenggat: dt.date | None


def detail(engine: Engine, aspirasi_id: int, today: dt.date) -> Detail | None:
    with Session(engine) as session:
        row = session.execute(
            select(Aspirasi, Kategori.nama, Kelurahan.nama, Kecamatan.nama, Opd.kode, Opd.nama)
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
            .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
            .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
            .where(Aspirasi.id == aspirasi_id)
        ).first()
    if row is None:
        return None
    a, kategori, kelurahan, kecamatan, opd_kode, opd_nama = row
    with engine.connect() as conn:
        riwayat = rows_frame(
            conn.execute(
                select(
                    AspirasiRiwayat.waktu,
                    AspirasiRiwayat.oleh,
                    AspirasiRiwayat.dari_status,
                    AspirasiRiwayat.ke_status,
                    AspirasiRiwayat.catatan,
                )
                .where(AspirasiRiwayat.aspirasi_id == aspirasi_id)
                .order_by(AspirasiRiwayat.waktu, AspirasiRiwayat.id)
            ).all(),
            columns=["waktu", "oleh", "dari", "ke", "catatan"],
        )
        rembuk = None
        if a.rembuk_id:
            tanggal = conn.scalar(select(Rembuk.tanggal).where(Rembuk.id == a.rembuk_id))
            hosts = conn.scalars(
                select(Kelurahan.nama).join(RembukKelurahan, RembukKelurahan.kelurahan_kode == Kelurahan.kode)
                .where(RembukKelurahan.rembuk_id == a.rembuk_id)
            ).all()  # fmt: skip
            rembuk = f"{format_tanggal(tanggal, with_weekday=False)} · {', '.join(hosts)}"
        janji = rows_frame(
            conn.execute(
                select(Janji.teks, Opd.kode, Janji.tenggat, Janji.progres, Janji.status)
                .outerjoin(Opd, Opd.id == Janji.opd_id)
                .where(Janji.aspirasi_id == aspirasi_id)
                .order_by(Janji.id)
            ).all(),
            columns=["teks", "opd", "tenggat", "progres", "status"],
        )
    for col in ("dari", "ke"):
        riwayat[col] = riwayat[col].map(lambda s: status_label(s) if s else "–")
    riwayat["catatan"] = riwayat["catatan"].map(lambda c: c or "–")  # never "None" on screen
    overdue = is_aspirasi_overdue(a.terbuka, a.tenggat, today)
    info = {
        "nomor": a.nomor,
        "judul": a.judul,
        "deskripsi": a.deskripsi or "–",
        "kategori": kategori,
        "wilayah": f"{kelurahan}, Kec. {kecamatan}"
        + (f" · RW {a.rw:02d}" if a.rw else "")
        + (f" RT {a.rt:02d}" if a.rt else ""),
        "sumber": SOURCES.get(a.sumber, a.sumber),
        "kanal": CHANNELS.get(a.kanal, a.kanal),
        "diterima": a.tanggal_diterima,
        "status": status_label(a.status) + (" · LEWAT TENGGAT" if overdue else ""),
        "opd": f"{opd_kode} – {opd_nama}" if opd_kode else "–",
        "prioritas": a.prioritas,
        "tenggat": a.tenggat,
        "selesai": a.tanggal_selesai or "–",
        "hari_kerja_selesai": a.hari_kerja_selesai if a.hari_kerja_selesai is not None else "–",
        "rembuk": rembuk or "–",
        "pelapor": a.pelapor_nama or "–",
        "telepon": a.pelapor_telepon or "–",
        "duplikat_dari": a.duplikat_dari_id or "–",
    }
    return Detail(
        a.id, a.version, a.status, info, a.lat, a.lon, a.kelurahan_kode, riwayat, janji, can_move_to(a.status),
        opd_kode, a.prioritas, a.tenggat,
    )  # fmt: skip


def export_rows(engine: Engine, f: AspirasiFilter, dengan_data_pribadi: bool) -> pd.DataFrame:
    """Exactly the filtered rows; reporter name and phone only when explicitly asked for."""
    stmt = export_select(f)
    if dengan_data_pribadi:
        stmt = stmt.add_columns(
            Aspirasi.pelapor_nama.label("pelapor_nama"), Aspirasi.pelapor_telepon.label("pelapor_telepon")
        )
    with engine.connect() as conn:
        return pd.read_sql_query(stmt, conn)


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "aspirasi") -> bytes:
    """XLSX with formulas neutralised (text cells starting with = + - @ get an apostrophe)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise(df).to_excel(writer, index=False, sheet_name=sheet)
    return buffer.getvalue()


def export(
    engine: Engine, actor, f: AspirasiFilter, kind: str, dengan_data_pribadi: bool, keterangan_filter: str
) -> bytes:
    """CSV or XLSX of the filtered rows for ``actor``; personal data needs the role; every export is logged."""
    from db.auth.users import log
    from db.export import to_csv_bytes

    actor.require("lihat")
    if dengan_data_pribadi:
        actor.require("data_pribadi")
    df = export_rows(engine, f, dengan_data_pribadi)
    log(
        engine,
        "ekspor",
        actor.username,
        format=kind,
        filter=keterangan_filter,
        data_pribadi=dengan_data_pribadi,
        baris=len(df),
    )
    return to_csv_bytes(df) if kind == "csv" else to_xlsx_bytes(df)


def id_from_nomor(engine: Engine, nomor: str) -> int | None:
    """The id of an aspirasi by its ticket number (as typed: case and spaces ignored)."""
    with engine.connect() as conn:
        return conn.scalar(select(Aspirasi.id).where(Aspirasi.nomor == nomor.strip().upper()))


def hosts(engine: Engine, rembuk_id: int) -> list[str]:
    """Codes of the host kelurahan of a rembuk."""
    with engine.connect() as conn:
        return list(conn.scalars(select(RembukKelurahan.kelurahan_kode).where(RembukKelurahan.rembuk_id == rembuk_id)))


def rw_rt(engine: Engine, kode: str) -> dict[int, list[int]]:
    """RW -> the RT numbers that exist in it, for one kelurahan (from the lembaga table)."""
    from db.schema import Lembaga

    out: dict[int, list[int]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Lembaga.rw, Lembaga.rt)
            .where(Lembaga.kelurahan_kode == kode, Lembaga.jenis == "RT")
            .order_by(Lembaga.rw, Lembaga.rt)
        )
        for rw, rt in rows:
            out.setdefault(rw, []).append(rt)
    return out
