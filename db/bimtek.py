"""Bimtek (training events): services that write (with Actor checks and an audit entry) and the
queries behind the Bimtek page: participation, coverage, trend and "belum pernah ikut".

Definitions (the same everywhere: tables, charts, map, tests):
- a participant is *trained* when ``hadir`` is true; *invited* when ``diundang`` is true;
- an RW is *reached* when at least one attended participant with an RW role (ketua_rw/pengurus_rw)
  of that RW exists; an RT when an attended RT-role participant of that (RW, RT) exists;
  participants with an unknown RT (NULL) count as participants but not at RT level;
- the LPMK of a kelurahan is *reached* with at least one attended ketua_lpmk/pengurus_lpmk;
- reached units are capped at the kelurahan's jumlah_rw (or jumlah_rt); coverage share = reached
  units / that count. Those counts are indicative (geo/data/rt_rw.csv), and the UI says so: an RW
  numbered above an (indicative) jumlah_rw still counts as reached, within the cap.

This rule has one home, :func:`cakupan_select`: the Bimtek page, Mode Rembuk
(``db.rembuk.bimtek_coverage``) and the rotation score (``db.rotasi_data``) all count with it.

Everything that grows with the number of participants is aggregated in SQL; pandas only sees one
row per kelurahan, per event or per unit listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, exists, false, func, insert, literal, select, true, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from db.audit import write_audit
from db.auth import Actor
from db.domain import PERAN_PESERTA, name_key_peserta
from db.schema import Bimtek, BimtekPeserta, Kecamatan, Kelurahan, Lembaga
from db.sql import count_if, select_all_kelurahan

# Role -> level of the institution it represents.
JENIS_PERAN: dict[str, str] = {
    "ketua_rt": "RT",
    "pengurus_rt": "RT",
    "ketua_rw": "RW",
    "pengurus_rw": "RW",
    "ketua_lpmk": "LPMK",
    "pengurus_lpmk": "LPMK",
    "lainnya": "lainnya",
}
JENIS: dict[str, str] = {"RT": "RT", "RW": "RW", "LPMK": "LPMK", "lainnya": "Lainnya"}
PERAN_RT = ("ketua_rt", "pengurus_rt")
PERAN_RW = ("ketua_rw", "pengurus_rw")
PERAN_LPMK = ("ketua_lpmk", "pengurus_lpmk")
MAX_NAMA = 120
MAX_JUDUL = 200


class BimtekError(ValueError):
    """A write was refused (message in Indonesian); ``kolom`` names the field when it is about one."""

    def __init__(self, alasan: str, kolom: str | None = None):
        super().__init__(alasan)
        self.alasan = alasan
        self.kolom = kolom


def peran_of(jenis: Iterable[str]) -> tuple[str, ...]:
    """The roles of the given levels ('RT', 'RW', 'LPMK', 'lainnya')."""
    wanted = set(jenis)
    return tuple(p for p, j in JENIS_PERAN.items() if j in wanted)


# --------------------------------------------------------------------------- filter


@dataclass(frozen=True)
class BimtekFilter:
    """Plain filter data for every query here; empty = everything."""

    bimtek: tuple[int, ...] = ()  # event ids
    kecamatan: tuple[str, ...] = ()
    kelurahan: tuple[str, ...] = ()
    jenis: tuple[str, ...] = ()  # RT / RW / LPMK / lainnya: participation only (coverage is per level)
    dari: dt.date | None = None  # event date on or after
    sampai: dt.date | None = None  # event date on or before

    def kondisi_bimtek(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.bimtek:
            conds.append(Bimtek.id.in_(self.bimtek))
        if self.dari and self.sampai and self.dari > self.sampai:
            conds.append(false())
        if self.dari:
            conds.append(Bimtek.tanggal >= self.dari)
        if self.sampai:
            conds.append(Bimtek.tanggal <= self.sampai)
        return conds

    def kondisi_wilayah(self, kode: ColumnElement) -> list[ColumnElement[bool]]:
        """Conditions on a kelurahan-code column."""
        conds: list[ColumnElement[bool]] = []
        if self.kelurahan:
            conds.append(kode.in_(self.kelurahan))
        if self.kecamatan:
            conds.append(
                kode.in_(select(Kelurahan.kode).where(Kelurahan.kecamatan_kode.in_(self.kecamatan)).correlate(None))
            )
        return conds

    def kondisi_peserta(self, *, dengan_jenis: bool = True) -> list[ColumnElement[bool]]:
        p = BimtekPeserta
        conds = self.kondisi_wilayah(p.kelurahan_kode)
        event_conds = self.kondisi_bimtek()
        if event_conds:
            conds.append(p.bimtek_id.in_(select(Bimtek.id).where(*event_conds).correlate(None)))
        if dengan_jenis and self.jenis:
            conds.append(p.peran.in_(peran_of(self.jenis)))
        return conds


def _jenis_expr():
    p = BimtekPeserta.peran
    return case(
        (p.in_(PERAN_RT), literal("RT")),
        (p.in_(PERAN_RW), literal("RW")),
        (p.in_(PERAN_LPMK), literal("LPMK")),
        else_=literal("lainnya"),
    )


def _frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


def data_version(engine: Engine) -> tuple:
    """The data fingerprint of the caches (bimtek tables included): db.fingerprint.get_fingerprint."""
    from db.fingerprint import get_fingerprint

    return get_fingerprint(engine)


# --------------------------------------------------------------------------- events: read


def daftar_bimtek(engine: Engine, f: BimtekFilter | None = None) -> pd.DataFrame:
    """Events (newest first) with their counts of invited and attended participants (all roles, all places)."""
    f = f or BimtekFilter()
    p = BimtekPeserta
    agg = (
        select(
            p.bimtek_id,
            count_if(p.diundang.is_(True)).label("diundang"),
            count_if(p.hadir.is_(True)).label("hadir"),
        )
        .group_by(p.bimtek_id)
        .subquery()
    )
    stmt = (
        select(
            Bimtek.id,
            Bimtek.tanggal,
            Bimtek.judul,
            Bimtek.tempat,
            Bimtek.penyelenggara,
            Bimtek.topik,
            func.coalesce(agg.c.diundang, 0),
            func.coalesce(agg.c.hadir, 0),
        )
        .outerjoin(agg, agg.c.bimtek_id == Bimtek.id)
        .where(*f.kondisi_bimtek())
        .order_by(Bimtek.tanggal.desc(), Bimtek.id.desc())
    )
    cols = ["id", "tanggal", "judul", "tempat", "penyelenggara", "topik", "diundang", "hadir"]
    with engine.connect() as conn:
        return _frame(conn, stmt, cols)


@dataclass(frozen=True)
class DataBimtek:
    judul: str
    tanggal: dt.date
    tempat: str | None = None
    penyelenggara: str | None = None
    topik: str | None = None


def ambil_bimtek(engine: Engine, bimtek_id: int) -> DataBimtek | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(Bimtek.judul, Bimtek.tanggal, Bimtek.tempat, Bimtek.penyelenggara, Bimtek.topik).where(
                Bimtek.id == bimtek_id
            )
        ).one_or_none()
    return DataBimtek(*row) if row else None


# --------------------------------------------------------------------------- events: write


def _teks(
    value: str | None, kolom: str, label: str, *, wajib: bool = False, maks: int | None = MAX_JUDUL
) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if wajib:
            raise BimtekError(f"{label} wajib diisi.", kolom)
        return None
    if maks and len(text) > maks:
        raise BimtekError(f"{label} terlalu panjang ({len(text)} karakter; maksimal {maks}).", kolom)
    return text


def _bersihkan_bimtek(data: DataBimtek) -> dict:
    if not isinstance(data.tanggal, dt.date):
        raise BimtekError("Tanggal wajib diisi.", "tanggal")
    topik = (data.topik or "").strip() or None
    if topik and len(topik) > 2000:
        raise BimtekError("Topik terlalu panjang (maksimal 2000 karakter).", "topik")
    return {
        "judul": _teks(data.judul, "judul", "Judul", wajib=True),
        "tanggal": data.tanggal,
        "tempat": _teks(data.tempat, "tempat", "Tempat"),
        "penyelenggara": _teks(data.penyelenggara, "penyelenggara", "Penyelenggara"),
        "topik": topik,
    }


def buat_bimtek(engine: Engine, actor: Actor, data: DataBimtek) -> int:
    """Create an event; returns its id."""
    actor.wajib("tulis")
    values = _bersihkan_bimtek(data)
    with engine.begin() as conn:
        new_id = conn.execute(insert(Bimtek).values(**values, is_demo=False).returning(Bimtek.id)).scalar_one()
        write_audit(conn, "bimtek_dibuat", actor.username, bimtek_id=new_id, **values)
    return int(new_id)


def ubah_bimtek(
    engine: Engine, actor: Actor, bimtek_id: int, data: DataBimtek, *, sebelum: DataBimtek | None = None
) -> None:
    """Edit an event. With ``sebelum`` (what the user saw), a concurrent change is refused, not overwritten."""
    actor.wajib("tulis")
    values = _bersihkan_bimtek(data)
    with engine.begin() as conn:
        current = conn.execute(
            select(Bimtek.judul, Bimtek.tanggal, Bimtek.tempat, Bimtek.penyelenggara, Bimtek.topik)
            .where(Bimtek.id == bimtek_id)
            .with_for_update()
        ).one_or_none()
        if current is None:
            raise BimtekError("Bimtek tidak ditemukan.")
        if sebelum is not None and DataBimtek(*current) != sebelum:
            raise BimtekError("Bimtek ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi perubahan.")
        conn.execute(update(Bimtek).where(Bimtek.id == bimtek_id).values(**values))
        write_audit(
            conn, "bimtek_diubah", actor.username, bimtek_id=bimtek_id, dari=asdict(DataBimtek(*current)), ke=values
        )


# --------------------------------------------------------------------------- participants: validation


Units = dict[str, dict[int, set[int]]]  # kelurahan code -> RW -> RTs (from the Lembaga table)


def muat_unit(conn: Connection, kode: Iterable[str]) -> Units:
    """The RW and RT of the given kelurahan as recorded in the Lembaga table."""
    codes = sorted(set(kode))
    units: Units = {c: {} for c in codes}
    if not codes:
        return units
    rows = conn.execute(
        select(Lembaga.kelurahan_kode, Lembaga.jenis, Lembaga.rw, Lembaga.rt).where(
            Lembaga.kelurahan_kode.in_(codes), Lembaga.jenis.in_(("RW", "RT"))
        )
    ).all()
    for kode_kel, jenis, rw, rt in rows:
        rts = units[kode_kel].setdefault(int(rw), set())
        if jenis == "RT":
            rts.add(int(rt))
    return units


def _rentang(values: Iterable[int]) -> str:
    v = sorted(values)
    return f"{v[0]}–{v[-1]}" if v else "tidak ada"


def periksa_unit(
    units: Units, kode: str, nama_kelurahan: str, peran: str, rw: int | None, rt: int | None
) -> tuple[int | None, int | None]:
    """Validate and normalise (rw, rt) for a role; raises BimtekError(kolom='rw'/'rt').

    LPMK roles: (None, None). RW roles: RW required and existing, RT dropped. RT roles: RW required,
    RT optional (unknown RT) but existing when given. 'lainnya': both optional, existing when given.
    """
    jenis = JENIS_PERAN.get(peran)
    if jenis is None:
        raise BimtekError(f"Peran '{peran}' tidak dikenal.", "jabatan")
    if jenis == "LPMK":
        return None, None
    rws = units.get(kode, {})
    if rw is None:
        if jenis in ("RT", "RW"):
            raise BimtekError(f"Nomor RW wajib diisi untuk {PERAN_PESERTA[peran]}.", "rw")
        if rt is not None:
            raise BimtekError("RT diisi tanpa RW; RT dinomori di dalam RW.", "rw")
        return None, None
    if rw not in rws:
        raise BimtekError(f"RW {rw} tidak ada di Kelurahan {nama_kelurahan} (RW {_rentang(rws)}).", "rw")
    if jenis == "RW":
        return rw, None
    if rt is None:
        return rw, None
    if rt not in rws[rw]:
        raise BimtekError(
            f"RT {rt} tidak ada di RW {rw} Kelurahan {nama_kelurahan} (RT {_rentang(rws[rw])}; data indikatif).",
            "rt",
        )
    return rw, rt


# --------------------------------------------------------------------------- participants: write


@dataclass(frozen=True)
class DataPeserta:
    nama: str
    peran: str
    kelurahan_kode: str
    rw: int | None = None
    rt: int | None = None
    hadir: bool = True
    diundang: bool = True


def _bersihkan_peserta(conn: Connection, actor: Actor, data: DataPeserta) -> dict:
    nama = _teks(data.nama, "nama", "Nama", wajib=True, maks=MAX_NAMA)
    if data.peran not in PERAN_PESERTA:
        raise BimtekError(f"Peran '{data.peran}' tidak dikenal.", "jabatan")
    kel = conn.execute(
        select(Kelurahan.nama, Kelurahan.kecamatan_kode).where(Kelurahan.kode == data.kelurahan_kode)
    ).one_or_none()
    if kel is None:
        raise BimtekError(f"Kelurahan '{data.kelurahan_kode}' tidak ditemukan.", "kelurahan")
    actor.wajib_wilayah(kel.kecamatan_kode)
    units = muat_unit(conn, [data.kelurahan_kode])
    rw, rt = periksa_unit(units, data.kelurahan_kode, kel.nama, data.peran, data.rw, data.rt)
    return {
        "nama": nama,
        "nama_kunci": name_key_peserta(nama),
        "peran": data.peran,
        "kelurahan_kode": data.kelurahan_kode,
        "rw": rw,
        "rt": rt,
        "hadir": bool(data.hadir),
        "diundang": bool(data.diundang),
    }


def kunci_peserta(bimtek_id: int, kelurahan_kode: str, peran: str, rw, rt, nama_kunci: str) -> tuple:
    """The identity of a participant within an event (the columns of uq_peserta)."""
    return (int(bimtek_id), kelurahan_kode, peran, rw, rt, nama_kunci)


def _sama(values: dict, bimtek_id: int) -> ColumnElement[bool]:
    """Same identity as ``values`` (NULL-aware: the unique constraint treats NULLs as distinct)."""
    p = BimtekPeserta
    return and_(
        p.bimtek_id == bimtek_id,
        p.kelurahan_kode == values["kelurahan_kode"],
        p.peran == values["peran"],
        p.rw.is_(None) if values["rw"] is None else p.rw == values["rw"],
        p.rt.is_(None) if values["rt"] is None else p.rt == values["rt"],
        p.nama_kunci == values["nama_kunci"],
    )


def _kunci_bimtek(conn: Connection, bimtek_id: int) -> None:
    """Lock the event row (PostgreSQL), so concurrent writes of its participants queue up."""
    if conn.execute(select(Bimtek.id).where(Bimtek.id == bimtek_id).with_for_update()).scalar() is None:
        raise BimtekError("Bimtek tidak ditemukan.")


def tambah_peserta(engine: Engine, actor: Actor, bimtek_id: int, data: DataPeserta) -> int:
    """Add one participant by hand; the same person (name, role, unit) twice in an event is refused."""
    actor.wajib("tulis")
    with engine.begin() as conn:
        _kunci_bimtek(conn, bimtek_id)
        values = _bersihkan_peserta(conn, actor, data)
        if conn.scalar(select(BimtekPeserta.id).where(_sama(values, bimtek_id))):
            raise BimtekError("Peserta ini sudah terdaftar di bimtek tersebut.", "nama")
        try:
            new_id = conn.execute(
                insert(BimtekPeserta).values(bimtek_id=bimtek_id, **values).returning(BimtekPeserta.id)
            ).scalar_one()
        except IntegrityError:
            raise BimtekError("Peserta ini sudah terdaftar di bimtek tersebut.", "nama") from None
        write_audit(conn, "peserta_ditambah", actor.username, bimtek_id=bimtek_id, peserta_id=new_id)
    return int(new_id)


def ubah_peserta(engine: Engine, actor: Actor, peserta_id: int, data: DataPeserta) -> None:
    actor.wajib("tulis")
    with engine.begin() as conn:
        row = conn.execute(
            select(BimtekPeserta.bimtek_id, BimtekPeserta.kelurahan_kode).where(BimtekPeserta.id == peserta_id)
        ).one_or_none()
        if row is None:
            raise BimtekError("Peserta tidak ditemukan.")
        _kunci_bimtek(conn, row.bimtek_id)
        old_kec = conn.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == row.kelurahan_kode))
        actor.wajib_wilayah(old_kec)
        values = _bersihkan_peserta(conn, actor, data)
        other = conn.scalar(
            select(BimtekPeserta.id).where(_sama(values, row.bimtek_id), BimtekPeserta.id != peserta_id)
        )
        if other:
            raise BimtekError("Sudah ada peserta lain yang sama persis di bimtek ini.", "nama")
        conn.execute(update(BimtekPeserta).where(BimtekPeserta.id == peserta_id).values(**values))
        write_audit(conn, "peserta_diubah", actor.username, bimtek_id=row.bimtek_id, peserta_id=peserta_id)


def hapus_peserta(engine: Engine, actor: Actor, peserta_id: int) -> None:
    actor.wajib("tulis")
    with engine.begin() as conn:
        row = conn.execute(
            select(BimtekPeserta.bimtek_id, Kelurahan.kecamatan_kode)
            .join(Kelurahan, Kelurahan.kode == BimtekPeserta.kelurahan_kode)
            .where(BimtekPeserta.id == peserta_id)
        ).one_or_none()
        if row is None:
            raise BimtekError("Peserta tidak ditemukan.")
        actor.wajib_wilayah(row.kecamatan_kode)
        conn.execute(BimtekPeserta.__table__.delete().where(BimtekPeserta.id == peserta_id))
        write_audit(conn, "peserta_dihapus", actor.username, bimtek_id=row.bimtek_id, peserta_id=peserta_id)


# --------------------------------------------------------------------------- participants: the table


NAMA_TERSAMAR = "•••"


def tabel_peserta(engine: Engine, bimtek_id: int, actor: Actor | None) -> pd.DataFrame:
    """THE participant table of an event (the only place names leave the database).

    Names are shown only to an actor allowed to see personal data; otherwise masked.
    """
    p = BimtekPeserta
    stmt = (
        select(p.id, p.nama, p.peran, Kelurahan.nama, Kecamatan.nama, p.rw, p.rt, p.diundang, p.hadir, p.kelurahan_kode)
        .join(Kelurahan, Kelurahan.kode == p.kelurahan_kode)
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .where(p.bimtek_id == bimtek_id)
        .order_by(Kecamatan.nama, Kelurahan.nama, p.rw, p.rt, p.peran, p.nama_kunci)
    )
    cols = ["id", "Nama", "peran", "Kelurahan", "Kecamatan", "RW", "RT", "Diundang", "Hadir", "kelurahan_kode"]
    with engine.connect() as conn:
        df = _frame(conn, stmt, cols)
    if actor is None or not actor.boleh("data_pribadi"):
        df["Nama"] = NAMA_TERSAMAR
    df.insert(2, "Peran", df["peran"].map(PERAN_PESERTA))
    for col in ("RW", "RT"):
        df[col] = df[col].astype("Int64")
    return df


# --------------------------------------------------------------------------- participation


def partisipasi(engine: Engine, f: BimtekFilter, per: str) -> pd.DataFrame:
    """Invited and attended participants grouped ``per`` 'bimtek', 'kecamatan', 'kelurahan' or 'jenis'.

    Every group within the filter is listed, with zeros where nobody came. Columns: the group's
    columns, then ``diundang`` and ``hadir``.
    """
    p = BimtekPeserta
    conds = f.kondisi_peserta()
    counts = (
        count_if(p.diundang.is_(True)).label("diundang"),
        count_if(p.hadir.is_(True)).label("hadir"),
    )
    with engine.connect() as conn:
        if per == "jenis":
            jenis = _jenis_expr().label("jenis")
            rows = dict(
                (j, (u, h)) for j, u, h in conn.execute(select(jenis, *counts).where(*conds).group_by(jenis)).all()
            )
            levels = [j for j in JENIS if not f.jenis or j in f.jenis]
            return pd.DataFrame(
                [
                    {"jenis": j, "label": JENIS[j], "diundang": rows.get(j, (0, 0))[0], "hadir": rows.get(j, (0, 0))[1]}
                    for j in levels
                ],
                columns=["jenis", "label", "diundang", "hadir"],
            ).astype({"diundang": int, "hadir": int})
        if per == "bimtek":
            agg = select(p.bimtek_id.label("k"), *counts).where(*conds).group_by(p.bimtek_id).subquery()
            stmt = (
                select(
                    Bimtek.id,
                    Bimtek.tanggal,
                    Bimtek.judul,
                    func.coalesce(agg.c.diundang, 0),
                    func.coalesce(agg.c.hadir, 0),
                )
                .outerjoin(agg, agg.c.k == Bimtek.id)
                .where(*f.kondisi_bimtek())
                .order_by(Bimtek.tanggal, Bimtek.id)
            )
            df = _frame(conn, stmt, ["bimtek_id", "tanggal", "judul", "diundang", "hadir"])
        elif per == "kelurahan":
            agg = select(p.kelurahan_kode.label("kode"), *counts).where(*conds).group_by(p.kelurahan_kode).subquery()
            stmt = (
                select_all_kelurahan(Kelurahan.kode, Kelurahan.nama, Kecamatan.nama, counts=[agg])
                .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
                .where(*f.kondisi_wilayah(Kelurahan.kode))
                .order_by(Kecamatan.nama, Kelurahan.nama)
            )
            df = _frame(conn, stmt, ["kode", "kelurahan", "kecamatan", "diundang", "hadir"])
        elif per == "kecamatan":
            agg = (
                select(Kelurahan.kecamatan_kode.label("k"), *counts)
                .join(Kelurahan, Kelurahan.kode == p.kelurahan_kode)
                .where(*conds)
                .group_by(Kelurahan.kecamatan_kode)
                .subquery()
            )
            region = select(Kelurahan.kecamatan_kode).where(*f.kondisi_wilayah(Kelurahan.kode))
            stmt = (
                select(Kecamatan.kode, Kecamatan.nama, func.coalesce(agg.c.diundang, 0), func.coalesce(agg.c.hadir, 0))
                .outerjoin(agg, agg.c.k == Kecamatan.kode)
                .where(Kecamatan.kode.in_(region))
                .order_by(Kecamatan.nama)
            )
            df = _frame(conn, stmt, ["kode", "kecamatan", "diundang", "hadir"])
        else:
            raise ValueError(f"per={per!r}")
    return df.astype({"diundang": int, "hadir": int})


# --------------------------------------------------------------------------- coverage


def _hadir_conds(f: BimtekFilter) -> list[ColumnElement[bool]]:
    return [*f.kondisi_peserta(dengan_jenis=False), BimtekPeserta.hadir.is_(True)]


def _unit_rw() -> ColumnElement[bool]:
    """A participant who makes their RW reached (when attended): an RW role with a known RW."""
    p = BimtekPeserta
    return and_(p.peran.in_(PERAN_RW), p.rw.is_not(None))


def _unit_rt() -> ColumnElement[bool]:
    """A participant who makes their (RW, RT) reached: an RT role with a known RW and RT."""
    p = BimtekPeserta
    return and_(p.peran.in_(PERAN_RT), p.rw.is_not(None), p.rt.is_not(None))


def _units_rw(f: BimtekFilter):
    p = BimtekPeserta
    return select(p.kelurahan_kode, p.rw).where(*_hadir_conds(f), _unit_rw()).distinct().subquery()


def _units_rt(f: BimtekFilter):
    p = BimtekPeserta
    return select(p.kelurahan_kode, p.rw, p.rt).where(*_hadir_conds(f), _unit_rt()).distinct().subquery()


CAKUPAN_KOLOM = [
    "kode", "kelurahan", "kecamatan_kode", "kecamatan", "jumlah_rw", "jumlah_rt", "peserta_hadir",
    "rw_terlatih", "rt_terlatih", "lpmk_terlatih", "cakupan_rw", "cakupan_rt",
]  # fmt: skip


def _at_most(n, total):
    return case((n > total, total), else_=n)


def cakupan_select(f: BimtekFilter) -> Select:
    """THE trained-unit rule (see the module docstring), one row per kelurahan of the filtered region
    over the filtered events (``f.jenis`` is ignored: coverage is per level).

    Columns: kode, jumlah_rw, jumlah_rt, peserta_hadir, rw_terlatih, rt_terlatih (distinct reached
    units, capped at the kelurahan's count), lpmk_terlatih (0/1).
    """
    p = BimtekPeserta
    rw = _units_rw(f)
    rt = _units_rt(f)
    n_rw = select(rw.c.kelurahan_kode.label("kode"), func.count().label("rw_unit")).group_by(rw.c.kelurahan_kode)
    n_rt = select(rt.c.kelurahan_kode.label("kode"), func.count().label("rt_unit")).group_by(rt.c.kelurahan_kode)
    hadir = (
        select(
            p.kelurahan_kode.label("kode"),
            func.count(p.id).label("peserta_hadir"),
            count_if(p.peran.in_(PERAN_LPMK)).label("lpmk_hadir"),
        )
        .where(*_hadir_conds(f))
        .group_by(p.kelurahan_kode)
    )
    per = (
        select_all_kelurahan(
            Kelurahan.kode,
            Kelurahan.jumlah_rw,
            Kelurahan.jumlah_rt,
            counts=[hadir.subquery(), n_rw.subquery(), n_rt.subquery()],
        )
        .where(*f.kondisi_wilayah(Kelurahan.kode))
        .subquery()
    )
    return select(
        per.c.kode,
        per.c.jumlah_rw,
        per.c.jumlah_rt,
        per.c.peserta_hadir,
        _at_most(per.c.rw_unit, per.c.jumlah_rw).label("rw_terlatih"),
        _at_most(per.c.rt_unit, per.c.jumlah_rt).label("rt_terlatih"),
        case((per.c.lpmk_hadir > 0, 1), else_=0).label("lpmk_terlatih"),
    )


def cakupan(engine: Engine, f: BimtekFilter) -> pd.DataFrame:
    """Coverage per kelurahan of the filtered region over the filtered events (``f.jenis`` is ignored).

    Columns: kode, kelurahan, kecamatan_kode, kecamatan, jumlah_rw, jumlah_rt, peserta_hadir,
    rw_terlatih, rt_terlatih (distinct reached units, capped at the kelurahan's count), lpmk_terlatih
    (0/1), cakupan_rw, cakupan_rt (shares 0..1).
    """
    cov = cakupan_select(f).subquery()
    stmt = (
        select(
            Kelurahan.kode,
            Kelurahan.nama,
            Kelurahan.kecamatan_kode,
            Kecamatan.nama,
            cov.c.jumlah_rw,
            cov.c.jumlah_rt,
            cov.c.peserta_hadir,
            cov.c.rw_terlatih,
            cov.c.rt_terlatih,
            cov.c.lpmk_terlatih,
        )
        .join(cov, cov.c.kode == Kelurahan.kode)
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .order_by(Kelurahan.kode)
    )
    with engine.connect() as conn:
        df = _frame(conn, stmt, CAKUPAN_KOLOM[:10])
    for col in CAKUPAN_KOLOM[4:10]:
        df[col] = df[col].astype(int)
    df["cakupan_rw"] = _share(df["rw_terlatih"], df["jumlah_rw"])
    df["cakupan_rt"] = _share(df["rt_terlatih"], df["jumlah_rt"])
    return df.set_index("kode", drop=False)


def _share(covered: pd.Series, total: pd.Series) -> pd.Series:
    return (covered / total.where(total > 0)).fillna(0.0).clip(upper=1.0).astype(float)


@dataclass(frozen=True)
class RingkasanCakupan:
    kelurahan_total: int
    kelurahan_terjangkau: int  # at least one attended participant (any role)
    rw_total: int
    rw_terlatih: int
    rt_total: int
    rt_terlatih: int
    lpmk_total: int
    lpmk_terlatih: int
    peserta_hadir: int

    def share(self, what: str) -> float | None:
        total = getattr(self, f"{what}_total")
        return (
            getattr(self, f"{what}_terlatih" if what != "kelurahan" else "kelurahan_terjangkau") / total
            if total
            else None
        )


def ringkas(df: pd.DataFrame) -> RingkasanCakupan:
    """City (or region) totals of a ``cakupan`` frame: the metrics are sums of the table shown."""
    return RingkasanCakupan(
        kelurahan_total=len(df),
        kelurahan_terjangkau=int((df["peserta_hadir"] > 0).sum()),
        rw_total=int(df["jumlah_rw"].sum()),
        rw_terlatih=int(df["rw_terlatih"].sum()),
        rt_total=int(df["jumlah_rt"].sum()),
        rt_terlatih=int(df["rt_terlatih"].sum()),
        lpmk_total=len(df),
        lpmk_terlatih=int(df["lpmk_terlatih"].sum()),
        peserta_hadir=int(df["peserta_hadir"].sum()),
    )


# --------------------------------------------------------------------------- trend


TREN_KOLOM = [
    "bimtek_id", "tanggal", "judul", "diundang", "hadir",
    "kelurahan_kum", "rw_kum", "rt_kum", "lpmk_kum", "cakupan_rw_kum", "cakupan_rt_kum", "cakupan_lpmk_kum",
]  # fmt: skip


def tren(engine: Engine, f: BimtekFilter) -> pd.DataFrame:
    """One row per event (oldest first): its participants and the coverage reached so far.

    ``*_kum`` count the distinct units reached at this event or an earlier one (among the filtered
    events); shares are over the region's indicative totals. Each unit's first event date is found
    in SQL and only (date, count) pairs leave the database.
    """
    p = BimtekPeserta
    per_event = partisipasi(engine, f, "bimtek")
    joined = and_(*_hadir_conds(f))

    def first_dates(unit_cols, role_cond) -> pd.Series:
        first = (
            select(*unit_cols, func.min(Bimtek.tanggal).label("pertama"))
            .join(Bimtek, Bimtek.id == p.bimtek_id)
            .where(joined, role_cond)
            .group_by(*unit_cols)
            .subquery()
        )
        stmt = select(first.c.pertama, func.count()).group_by(first.c.pertama)
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return pd.Series({d: int(n) for d, n in rows}, dtype=int)

    kel = first_dates([p.kelurahan_kode], true())
    rw = first_dates([p.kelurahan_kode, p.rw], _unit_rw())
    rt = first_dates([p.kelurahan_kode, p.rw, p.rt], _unit_rt())
    lpmk = first_dates([p.kelurahan_kode], p.peran.in_(PERAN_LPMK))

    with engine.connect() as conn:
        totals = conn.execute(
            select(
                func.coalesce(func.sum(Kelurahan.jumlah_rw), 0),
                func.coalesce(func.sum(Kelurahan.jumlah_rt), 0),
                func.count(),
            ).where(*f.kondisi_wilayah(Kelurahan.kode))
        ).one()
    total_rw, total_rt, total_kel = (int(v) for v in totals)

    def upto(series: pd.Series, day: dt.date) -> int:
        return int(series[[d <= day for d in series.index]].sum()) if len(series) else 0

    df = per_event.copy()
    for name, series in (("kelurahan_kum", kel), ("rw_kum", rw), ("rt_kum", rt), ("lpmk_kum", lpmk)):
        df[name] = [upto(series, d) for d in df["tanggal"]]
    df["cakupan_rw_kum"] = df["rw_kum"] / total_rw if total_rw else 0.0
    df["cakupan_rt_kum"] = df["rt_kum"] / total_rt if total_rt else 0.0
    df["cakupan_lpmk_kum"] = df["lpmk_kum"] / total_kel if total_kel else 0.0
    return df[TREN_KOLOM]


# --------------------------------------------------------------------------- never reached


TINGKAT_URUT = {"LPMK": 0, "RW": 1, "RT": 2}
BELUM_KOLOM = ["kecamatan", "kelurahan", "kode", "tingkat", "rw", "rt", "lembaga", "pernah_diundang"]


def belum_pernah_ikut(engine: Engine, f: BimtekFilter) -> pd.DataFrame:
    """RW, RT and LPMK (from the Lembaga table) of the filtered region with no trained representative
    in the filtered events; ``f.jenis`` picks the levels listed (default RW, RT and LPMK).

    ``pernah_diundang``: someone of that unit was invited but nobody attended.
    Columns: kecamatan, kelurahan, kode, tingkat, rw, rt, lembaga (e.g. 'RT 02 / RW 03'), pernah_diundang.
    """
    p = BimtekPeserta
    L = Lembaga
    levels = [j for j in ("LPMK", "RW", "RT") if not f.jenis or j in f.jenis]
    base = f.kondisi_peserta(dengan_jenis=False)
    roles = {"RT": PERAN_RT, "RW": PERAN_RW, "LPMK": PERAN_LPMK}

    def match(level: str) -> list[ColumnElement[bool]]:
        conds = [p.kelurahan_kode == L.kelurahan_kode, p.peran.in_(roles[level])]
        if level in ("RW", "RT"):
            conds.append(p.rw == L.rw)
        if level == "RT":
            conds.append(p.rt == L.rt)
        return conds

    frames = []
    with engine.connect() as conn:
        for level in levels:
            reached = exists(select(p.id).where(*base, p.hadir.is_(True), *match(level)))
            invited = exists(select(p.id).where(*base, p.diundang.is_(True), *match(level)))
            stmt = (
                select(Kecamatan.nama, Kelurahan.nama, L.kelurahan_kode, L.jenis, L.rw, L.rt, invited)
                .join(Kelurahan, Kelurahan.kode == L.kelurahan_kode)
                .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
                .where(L.jenis == level, ~reached, *f.kondisi_wilayah(L.kelurahan_kode))
            )
            frames.append(
                _frame(conn, stmt, ["kecamatan", "kelurahan", "kode", "tingkat", "rw", "rt", "pernah_diundang"])
            )
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BELUM_KOLOM)
    if df.empty:
        return pd.DataFrame(columns=BELUM_KOLOM)
    df["rw"] = df["rw"].astype("Int64")
    df["rt"] = df["rt"].astype("Int64")
    df["pernah_diundang"] = df["pernah_diundang"].astype(bool)
    df["lembaga"] = [_label_lembaga(t, rw, rt) for t, rw, rt in zip(df["tingkat"], df["rw"], df["rt"], strict=True)]
    df["_urut"] = df["tingkat"].map(TINGKAT_URUT)
    df = df.sort_values(["kecamatan", "kelurahan", "_urut", "rw", "rt"], na_position="first").drop(columns="_urut")
    return df[BELUM_KOLOM].reset_index(drop=True)


def _label_lembaga(tingkat: str, rw, rt) -> str:
    if tingkat == "LPMK":
        return "LPMK"
    if tingkat == "RW":
        return f"RW {int(rw):02d}"
    return f"RT {int(rt):02d} / RW {int(rw):02d}"


def daftar_undangan(df: pd.DataFrame) -> pd.DataFrame:
    """The 'belum pernah ikut' list shaped as an invitation list for the next bimtek (for CSV/XLSX)."""
    return pd.DataFrame(
        {
            "Kecamatan": df["kecamatan"],
            "Kelurahan": df["kelurahan"],
            "Kode kelurahan": df["kode"],
            "Lembaga": df["lembaga"],
            "RW": df["rw"],
            "RT": df["rt"],
            "Pernah diundang, tidak hadir": df["pernah_diundang"].map({True: "ya", False: "tidak"}),
            "Nama undangan": "",
            "Keterangan": "",
        }
    )
