"""Bimtek (training events): the filter, the events and their peserta, and the services that write them
(with Actor checks and an audit entry). The reports (participation, coverage, trend, "belum pernah ikut")
are in db/bimtek/reports.py and follow the definitions below.

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
(``db.rembuk.mode.bimtek_coverage``) and the rotation score (``db.rotasi.data``) all count with it.

Everything that grows with the number of participants is aggregated in SQL; pandas only sees one
row per kelurahan, per event or per unit listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import Engine, and_, false, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from db.aspirasi.status import PESERTA_ROLES
from db.audit import write_audit
from db.auth.roles import Actor
from db.schema import Bimtek, BimtekPeserta, Kelurahan, Lembaga
from db.sql import count_if, rows_frame

# Role -> level of the institution it represents.
ROLE_KINDS: dict[str, str] = {
    "ketua_rt": "RT",
    "pengurus_rt": "RT",
    "ketua_rw": "RW",
    "pengurus_rw": "RW",
    "ketua_lpmk": "LPMK",
    "pengurus_lpmk": "LPMK",
    "lainnya": "lainnya",
}
MAX_NAME = 120
MAX_TITLE = 200


class BimtekError(ValueError):
    """A write was refused (message in Indonesian); ``kolom`` names the field when it is about one."""

    def __init__(self, alasan: str, kolom: str | None = None):
        super().__init__(alasan)
        self.alasan = alasan
        self.kolom = kolom


def role_of(jenis: Iterable[str]) -> tuple[str, ...]:
    """The roles of the given levels ('RT', 'RW', 'LPMK', 'lainnya')."""
    wanted = set(jenis)
    return tuple(p for p, j in ROLE_KINDS.items() if j in wanted)


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
            conds.append(p.peran.in_(role_of(self.jenis)))
        return conds


def _frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:
    return rows_frame(conn.execute(stmt).all(), columns=columns)


def data_version(engine: Engine) -> tuple:
    """The data fingerprint of the caches (bimtek tables included): db.fingerprint.get_fingerprint."""
    from db.fingerprint import get_fingerprint

    return get_fingerprint(engine)


# --------------------------------------------------------------------------- events: read


def list_bimtek(engine: Engine, f: BimtekFilter | None = None) -> pd.DataFrame:
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
class BimtekData:
    judul: str
    tanggal: dt.date
    tempat: str | None = None
    penyelenggara: str | None = None
    topik: str | None = None


def get_bimtek(engine: Engine, bimtek_id: int) -> BimtekData | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(Bimtek.judul, Bimtek.tanggal, Bimtek.tempat, Bimtek.penyelenggara, Bimtek.topik).where(
                Bimtek.id == bimtek_id
            )
        ).one_or_none()
    return BimtekData(*row) if row else None


# --------------------------------------------------------------------------- events: write


def _text(
    value: str | None, kolom: str, label: str, *, wajib: bool = False, maks: int | None = MAX_TITLE
) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if wajib:
            raise BimtekError(f"{label} wajib diisi.", kolom)
        return None
    if maks and len(text) > maks:
        raise BimtekError(f"{label} terlalu panjang ({len(text)} karakter; maksimal {maks}).", kolom)
    return text


def _clean_bimtek(data: BimtekData) -> dict:
    if not isinstance(data.tanggal, dt.date):
        raise BimtekError("Tanggal wajib diisi.", "tanggal")
    topik = (data.topik or "").strip() or None
    if topik and len(topik) > 2000:
        raise BimtekError("Topik terlalu panjang (maksimal 2000 karakter).", "topik")
    return {
        "judul": _text(data.judul, "judul", "Judul", wajib=True),
        "tanggal": data.tanggal,
        "tempat": _text(data.tempat, "tempat", "Tempat"),
        "penyelenggara": _text(data.penyelenggara, "penyelenggara", "Penyelenggara"),
        "topik": topik,
    }


def create_bimtek(engine: Engine, actor: Actor, data: BimtekData) -> int:
    """Create an event; returns its id."""
    actor.require("tulis")
    values = _clean_bimtek(data)
    with engine.begin() as conn:
        new_id = conn.execute(insert(Bimtek).values(**values, is_demo=False).returning(Bimtek.id)).scalar_one()
        write_audit(conn, "bimtek_dibuat", actor.username, bimtek_id=new_id, **values)
    return int(new_id)


def update_bimtek(
    engine: Engine, actor: Actor, bimtek_id: int, data: BimtekData, *, sebelum: BimtekData | None = None
) -> None:
    """Edit an event. With ``sebelum`` (what the user saw), a concurrent change is refused, not overwritten."""
    actor.require("tulis")
    values = _clean_bimtek(data)
    with engine.begin() as conn:
        current = conn.execute(
            select(Bimtek.judul, Bimtek.tanggal, Bimtek.tempat, Bimtek.penyelenggara, Bimtek.topik)
            .where(Bimtek.id == bimtek_id)
            .with_for_update()
        ).one_or_none()
        if current is None:
            raise BimtekError("Bimtek tidak ditemukan.")
        if sebelum is not None and BimtekData(*current) != sebelum:
            raise BimtekError("Bimtek ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi perubahan.")
        conn.execute(update(Bimtek).where(Bimtek.id == bimtek_id).values(**values))
        write_audit(
            conn, "bimtek_diubah", actor.username, bimtek_id=bimtek_id, dari=asdict(BimtekData(*current)), ke=values
        )


# --------------------------------------------------------------------------- participants: validation


Units = dict[str, dict[int, set[int]]]  # kelurahan code -> RW -> RTs (from the Lembaga table)


def load_units(conn: Connection, kode: Iterable[str]) -> Units:
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


def _range(values: Iterable[int]) -> str:
    v = sorted(values)
    return f"{v[0]}–{v[-1]}" if v else "tidak ada"


def check_units(
    units: Units, kode: str, nama_kelurahan: str, peran: str, rw: int | None, rt: int | None
) -> tuple[int | None, int | None]:
    """Validate and normalise (rw, rt) for a role; raises BimtekError(kolom='rw'/'rt').

    LPMK roles: (None, None). RW roles: RW required and existing, RT dropped. RT roles: RW required,
    RT optional (unknown RT) but existing when given. 'lainnya': both optional, existing when given.
    """
    jenis = ROLE_KINDS.get(peran)
    if jenis is None:
        raise BimtekError(f"Peran '{peran}' tidak dikenal.", "jabatan")
    if jenis == "LPMK":
        return None, None
    rws = units.get(kode, {})
    if rw is None:
        if jenis in ("RT", "RW"):
            raise BimtekError(f"Nomor RW wajib diisi untuk {PESERTA_ROLES[peran]}.", "rw")
        if rt is not None:
            raise BimtekError("RT diisi tanpa RW; RT dinomori di dalam RW.", "rw")
        return None, None
    if rw not in rws:
        raise BimtekError(f"RW {rw} tidak ada di Kelurahan {nama_kelurahan} (RW {_range(rws)}).", "rw")
    if jenis == "RW":
        return rw, None
    if rt is None:
        return rw, None
    if rt not in rws[rw]:
        raise BimtekError(
            f"RT {rt} tidak ada di RW {rw} Kelurahan {nama_kelurahan} (RT {_range(rws[rw])}; data indikatif).",
            "rt",
        )
    return rw, rt


# --------------------------------------------------------------------------- participants: write


@dataclass(frozen=True)
class PesertaData:
    nama: str
    peran: str
    kelurahan_kode: str
    rw: int | None = None
    rt: int | None = None
    hadir: bool = True
    diundang: bool = True


def _clean_peserta(conn: Connection, actor: Actor, data: PesertaData) -> dict:
    nama = _text(data.nama, "nama", "Nama", wajib=True, maks=MAX_NAME)
    if data.peran not in PESERTA_ROLES:
        raise BimtekError(f"Peran '{data.peran}' tidak dikenal.", "jabatan")
    kel = conn.execute(
        select(Kelurahan.nama, Kelurahan.kecamatan_kode).where(Kelurahan.kode == data.kelurahan_kode)
    ).one_or_none()
    if kel is None:
        raise BimtekError(f"Kelurahan '{data.kelurahan_kode}' tidak ditemukan.", "kelurahan")
    actor.require_area(kel.kecamatan_kode)
    units = load_units(conn, [data.kelurahan_kode])
    rw, rt = check_units(units, data.kelurahan_kode, kel.nama, data.peran, data.rw, data.rt)
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


def peserta_key(bimtek_id: int, kelurahan_kode: str, peran: str, rw, rt, nama_kunci: str) -> tuple:
    """The identity of a participant within an event (the columns of uq_peserta)."""
    return (int(bimtek_id), kelurahan_kode, peran, rw, rt, nama_kunci)


def _same(values: dict, bimtek_id: int) -> ColumnElement[bool]:
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


def _lock_bimtek(conn: Connection, bimtek_id: int) -> None:
    """Lock the event row (PostgreSQL), so concurrent writes of its participants queue up."""
    if conn.execute(select(Bimtek.id).where(Bimtek.id == bimtek_id).with_for_update()).scalar() is None:
        raise BimtekError("Bimtek tidak ditemukan.")


def add_peserta(engine: Engine, actor: Actor, bimtek_id: int, data: PesertaData) -> int:
    """Add one participant by hand; the same person (name, role, unit) twice in an event is refused."""
    actor.require("tulis")
    with engine.begin() as conn:
        _lock_bimtek(conn, bimtek_id)
        values = _clean_peserta(conn, actor, data)
        if conn.scalar(select(BimtekPeserta.id).where(_same(values, bimtek_id))):
            raise BimtekError("Peserta ini sudah terdaftar di bimtek tersebut.", "nama")
        try:
            new_id = conn.execute(
                insert(BimtekPeserta).values(bimtek_id=bimtek_id, **values).returning(BimtekPeserta.id)
            ).scalar_one()
        except IntegrityError:
            raise BimtekError("Peserta ini sudah terdaftar di bimtek tersebut.", "nama") from None
        write_audit(conn, "peserta_ditambah", actor.username, bimtek_id=bimtek_id, peserta_id=new_id)
    return int(new_id)


def update_peserta(engine: Engine, actor: Actor, peserta_id: int, data: PesertaData) -> None:
    actor.require("tulis")
    with engine.begin() as conn:
        row = conn.execute(
            select(BimtekPeserta.bimtek_id, BimtekPeserta.kelurahan_kode).where(BimtekPeserta.id == peserta_id)
        ).one_or_none()
        if row is None:
            raise BimtekError("Peserta tidak ditemukan.")
        _lock_bimtek(conn, row.bimtek_id)
        old_kec = conn.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == row.kelurahan_kode))
        actor.require_area(old_kec)
        values = _clean_peserta(conn, actor, data)
        other = conn.scalar(
            select(BimtekPeserta.id).where(_same(values, row.bimtek_id), BimtekPeserta.id != peserta_id)
        )
        if other:
            raise BimtekError("Sudah ada peserta lain yang sama persis di bimtek ini.", "nama")
        conn.execute(update(BimtekPeserta).where(BimtekPeserta.id == peserta_id).values(**values))
        write_audit(conn, "peserta_diubah", actor.username, bimtek_id=row.bimtek_id, peserta_id=peserta_id)


def delete_peserta(engine: Engine, actor: Actor, peserta_id: int) -> None:
    actor.require("tulis")
    with engine.begin() as conn:
        row = conn.execute(
            select(BimtekPeserta.bimtek_id, Kelurahan.kecamatan_kode)
            .join(Kelurahan, Kelurahan.kode == BimtekPeserta.kelurahan_kode)
            .where(BimtekPeserta.id == peserta_id)
        ).one_or_none()
        if row is None:
            raise BimtekError("Peserta tidak ditemukan.")
        actor.require_area(row.kecamatan_kode)
        conn.execute(BimtekPeserta.__table__.delete().where(BimtekPeserta.id == peserta_id))
        write_audit(conn, "peserta_dihapus", actor.username, bimtek_id=row.bimtek_id, peserta_id=peserta_id)


def name_key_peserta(nama: str) -> str:
    """A participant's name folded for de-duplication (case and spacing ignored)."""
    return " ".join(str(nama).lower().split())
