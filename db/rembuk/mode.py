"""Data for Mode Rembuk (the projector view)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from db.aspirasi import rollups
from db.aspirasi.status import aspirasi_overdue, janji_overdue
from db.bimtek.reports import cakupan_select
from db.bimtek.services import BimtekFilter
from db.rembuk.brief import OPD_NEEDED_COLUMNS, _kelurahan, _last_held, _opd_needed
from db.rembuk.janji import JANJI_COLUMNS, _janji_frame, _janji_select
from db.schema import Aspirasi, Janji, Kategori, Opd, Rembuk, RembukKelurahan
from db.sql import count_if, rows_frame

# --- Mode Rembuk (projector) ------------------------------------------------------------------------


@dataclass(frozen=True)
class BimtekCakupan:
    """Bimtek coverage of a kelurahan's institutions (units with an attended participant of their role)."""

    rt_terlatih: int
    rt_total: int
    rw_terlatih: int
    rw_total: int
    lpmk: bool

    @property
    def rt_persen(self) -> float:
        return round(100 * self.rt_terlatih / self.rt_total, 1) if self.rt_total else 0.0

    @property
    def rw_persen(self) -> float:
        return round(100 * self.rw_terlatih / self.rw_total, 1) if self.rw_total else 0.0


@dataclass(frozen=True)
class ModeRembuk:
    """Everything the projector shows for a host kelurahan. Aggregates only: no personal data,
    no reporter names or phones, no aspiration texts; points are averaged per RW."""

    kelurahan_kode: str
    nama: str
    kecamatan: str
    tanggal: dt.date
    rembuk_hari_ini: int | None  # id of today's rembuk of this kelurahan, if recorded
    total: int  # all aspirations of the kelurahan
    terbuka: int
    lewat_tenggat: int
    hari_ini: int  # received today (grows while staff capture during the rembuk)
    hari_ini_terbuka: int
    terbuka_per_kategori: pd.DataFrame  # kategori, terbuka, lewat_tenggat (largest first)
    rembuk_terakhir: dt.date | None  # last rembuk held there before today
    janji_terakhir: pd.DataFrame  # teks, opd, tenggat, progres, status, status_label, lewat_tenggat
    lewat_tenggat_per_opd: pd.DataFrame  # opd, aspirasi, janji (overdue counts)
    bimtek: BimtekCakupan
    titik_rw: pd.DataFrame  # rw, lat, lon, jumlah, terbuka, status (lewat_tenggat/terbuka/selesai)
    opd_perlu_hadir: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPD_NEEDED_COLUMNS))


def bimtek_coverage(conn, kelurahan_kode: str) -> BimtekCakupan:
    """The kelurahan's coverage over every bimtek, by the Bimtek page's rule (db.bimtek.reports.cakupan_select)."""
    row = conn.execute(cakupan_select(BimtekFilter(kelurahan=(kelurahan_kode,)))).one()
    return BimtekCakupan(
        int(row.rt_terlatih), int(row.jumlah_rt), int(row.rw_terlatih), int(row.jumlah_rw), bool(row.lpmk_terlatih)
    )


def _count_per(conn, key, counted, *where, join=None) -> dict:
    """key -> count of ``counted`` over the rows matching ``where`` (``join``: (table, on) to reach the key)."""
    stmt = select(key, func.count(counted))
    if join is not None:
        stmt = stmt.join(*join)
    return dict(conn.execute(stmt.where(*where).group_by(key)).tuples().all())


def mode_rembuk_data(engine: Engine, kelurahan_kode: str, today: dt.date) -> ModeRembuk:
    """The projector view of a host kelurahan (aggregated in SQL; no personal data)."""
    kel = Aspirasi.kelurahan_kode == kelurahan_kode
    overdue = aspirasi_overdue(today)
    with engine.connect() as conn:
        nama, kecamatan, _, _ = _kelurahan(conn, kelurahan_kode)
        # The kelurahan's totals, open ones per kategori and dots per RW come from the rollups (they would
        # read every aspiration the kelurahan ever had); the archive is read only for today's receipts and
        # the overdue ones (the open index), or for everything when the rollups are off.
        totals = rollups.kelurahan_totals(conn, kelurahan_kode, today)
        if totals is None:
            totals = conn.execute(
                select(func.count(Aspirasi.id), count_if(Aspirasi.terbuka.is_(True)), count_if(overdue)).where(kel)
            ).one()
        total, terbuka, lewat = totals
        hari_ini, hari_ini_terbuka = conn.execute(
            select(func.count(Aspirasi.id), count_if(Aspirasi.terbuka.is_(True))).where(
                kel, Aspirasi.tanggal_diterima == today
            )
        ).one()
        open_kategori = rollups.open_per_kategori(conn, kelurahan_kode)
        if open_kategori is None:
            open_kategori = conn.execute(
                select(Kategori.nama, func.count(Aspirasi.id))
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .where(kel, Aspirasi.terbuka.is_(True))
                .group_by(Kategori.nama)
            ).all()
        lewat_kategori = _count_per(
            conn, Kategori.nama, Aspirasi.id, kel, overdue, join=(Kategori, Kategori.id == Aspirasi.kategori_id)
        )
        per_kategori = pd.DataFrame(
            sorted(
                ((nama, int(n), int(lewat_kategori.get(nama, 0))) for nama, n in open_kategori),
                key=lambda r: (-r[1], r[0]),
            ),
            columns=["kategori", "terbuka", "lewat_tenggat"],
        )
        today_id = conn.scalar(
            select(Rembuk.id)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(
                RembukKelurahan.kelurahan_kode == kelurahan_kode,
                Rembuk.tanggal == today,
                Rembuk.status.in_(("terlaksana", "dijadwalkan")),
            )
            .order_by(Rembuk.id)
            .limit(1)
        )
        last = _last_held(conn, kelurahan_kode, today)
        janji = pd.DataFrame(columns=JANJI_COLUMNS)
        if last is not None:
            janji = _janji_frame(
                conn.execute(
                    _janji_select(today)
                    .where(Janji.rembuk_id == last.id, Janji.kelurahan_kode == kelurahan_kode)
                    .order_by(Janji.id)
                )
                .mappings()
                .all()
            )
        asp_opd = _count_per(conn, Opd.kode, Aspirasi.id, kel, overdue, join=(Opd, Opd.id == Aspirasi.opd_id))
        janji_opd = _count_per(
            conn,
            Opd.kode,
            Janji.id,
            Janji.kelurahan_kode == kelurahan_kode,
            janji_overdue(today),
            join=(Opd, Opd.id == Janji.opd_id),
        )
        bimtek = bimtek_coverage(conn, kelurahan_kode)
        located_rw = and_(kel, Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None), Aspirasi.rw.is_not(None))
        rw_rows = rollups.per_rw(conn, kelurahan_kode)
        if rw_rows is None:
            rw_rows = conn.execute(
                select(
                    Aspirasi.rw,
                    func.avg(Aspirasi.lat),
                    func.avg(Aspirasi.lon),
                    func.count(Aspirasi.id),
                    count_if(Aspirasi.terbuka.is_(True)),
                )
                .where(located_rw)
                .group_by(Aspirasi.rw)
                .order_by(Aspirasi.rw)
            ).all()
        lewat_rw = _count_per(conn, Aspirasi.rw, Aspirasi.id, located_rw, overdue)
        titik = rows_frame(
            [(*r, int(lewat_rw.get(r[0], 0))) for r in rw_rows],
            columns=["rw", "lat", "lon", "jumlah", "terbuka", "lewat"],
        )
    per_opd = pd.DataFrame(
        [
            {"opd": o, "aspirasi": int(asp_opd.get(o, 0)), "janji": int(janji_opd.get(o, 0))}
            for o in sorted(set(asp_opd) | set(janji_opd))
        ],
        columns=["opd", "aspirasi", "janji"],
    )
    if not per_opd.empty:
        per_opd = per_opd.assign(_n=per_opd["aspirasi"] + per_opd["janji"])
        per_opd = per_opd.sort_values(["_n", "opd"], ascending=[False, True]).drop(columns="_n")
        per_opd = per_opd.reset_index(drop=True)
    titik["lat"] = titik["lat"].astype(float)
    titik["lon"] = titik["lon"].astype(float)
    titik["status"] = [
        "lewat_tenggat" if lw else ("terbuka" if tb else "selesai")
        for tb, lw in zip(titik["terbuka"], titik["lewat"], strict=True)
    ]
    titik = titik.drop(columns="lewat")
    keep = ["teks", "opd", "tenggat", "progres", "status", "status_label", "lewat_tenggat"]
    return ModeRembuk(
        kelurahan_kode=kelurahan_kode,
        nama=nama,
        kecamatan=kecamatan,
        tanggal=today,
        rembuk_hari_ini=today_id,
        total=int(total),
        terbuka=int(terbuka),
        lewat_tenggat=int(lewat),
        hari_ini=int(hari_ini),
        hari_ini_terbuka=int(hari_ini_terbuka),
        terbuka_per_kategori=per_kategori,
        rembuk_terakhir=last.tanggal if last is not None else None,
        janji_terakhir=janji[keep].reset_index(drop=True),
        lewat_tenggat_per_opd=per_opd,
        bimtek=bimtek,
        titik_rw=titik,
        opd_perlu_hadir=_opd_needed(engine, kelurahan_kode, today),
    )
