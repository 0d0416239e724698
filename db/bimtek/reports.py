"""Bimtek reports: peserta tables, partisipasi, cakupan, trend and who never attended."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, exists, func, literal, select, true
from sqlalchemy.sql import ColumnElement

from db.aspirasi.status import PESERTA_ROLES
from db.auth.roles import Actor
from db.bimtek.services import BimtekFilter, _frame
from db.schema import Bimtek, BimtekPeserta, Kecamatan, Kelurahan, Lembaga
from db.sql import count_if, select_all_kelurahan

KINDS: dict[str, str] = {"RT": "RT", "RW": "RW", "LPMK": "LPMK", "lainnya": "Lainnya"}
ROLE_RT = ("ketua_rt", "pengurus_rt")
ROLE_RW = ("ketua_rw", "pengurus_rw")
ROLE_LPMK = ("ketua_lpmk", "pengurus_lpmk")


def _kind_expr():
    p = BimtekPeserta.peran
    return case(
        (p.in_(ROLE_RT), literal("RT")),
        (p.in_(ROLE_RW), literal("RW")),
        (p.in_(ROLE_LPMK), literal("LPMK")),
        else_=literal("lainnya"),
    )


# --------------------------------------------------------------------------- participants: the table


MASKED_NAME = "•••"


def peserta_table(engine: Engine, bimtek_id: int, actor: Actor | None) -> pd.DataFrame:
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
    if actor is None or not actor.can("data_pribadi"):
        df["Nama"] = MASKED_NAME
    df.insert(2, "Peran", df["peran"].map(PESERTA_ROLES))
    for col in ("RW", "RT"):
        df[col] = df[col].astype("Int64")
    return df


# --------------------------------------------------------------------------- participation


def participation(engine: Engine, f: BimtekFilter, per: str) -> pd.DataFrame:
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
            jenis = _kind_expr().label("jenis")
            rows = dict(
                (j, (u, h)) for j, u, h in conn.execute(select(jenis, *counts).where(*conds).group_by(jenis)).all()
            )
            levels = [j for j in KINDS if not f.jenis or j in f.jenis]
            return pd.DataFrame(
                [
                    {"jenis": j, "label": KINDS[j], "diundang": rows.get(j, (0, 0))[0], "hadir": rows.get(j, (0, 0))[1]}
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


def _attended_conds(f: BimtekFilter) -> list[ColumnElement[bool]]:
    return [*f.kondisi_peserta(dengan_jenis=False), BimtekPeserta.hadir.is_(True)]


def _unit_rw() -> ColumnElement[bool]:
    """A participant who makes their RW reached (when attended): an RW role with a known RW."""
    p = BimtekPeserta
    return and_(p.peran.in_(ROLE_RW), p.rw.is_not(None))


def _unit_rt() -> ColumnElement[bool]:
    """A participant who makes their (RW, RT) reached: an RT role with a known RW and RT."""
    p = BimtekPeserta
    return and_(p.peran.in_(ROLE_RT), p.rw.is_not(None), p.rt.is_not(None))


def _units_rw(f: BimtekFilter):
    p = BimtekPeserta
    return select(p.kelurahan_kode, p.rw).where(*_attended_conds(f), _unit_rw()).distinct().subquery()


def _units_rt(f: BimtekFilter):
    p = BimtekPeserta
    return select(p.kelurahan_kode, p.rw, p.rt).where(*_attended_conds(f), _unit_rt()).distinct().subquery()


CAKUPAN_COLUMNS = [
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
            count_if(p.peran.in_(ROLE_LPMK)).label("lpmk_hadir"),
        )
        .where(*_attended_conds(f))
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
        df = _frame(conn, stmt, CAKUPAN_COLUMNS[:10])
    for col in CAKUPAN_COLUMNS[4:10]:
        df[col] = df[col].astype(int)
    df["cakupan_rw"] = _share(df["rw_terlatih"], df["jumlah_rw"])
    df["cakupan_rt"] = _share(df["rt_terlatih"], df["jumlah_rt"])
    return df.set_index("kode", drop=False)


def _share(covered: pd.Series, total: pd.Series) -> pd.Series:
    return (covered / total.where(total > 0)).fillna(0.0).clip(upper=1.0).astype(float)


@dataclass(frozen=True)
class CakupanSummary:
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


def summarize(df: pd.DataFrame) -> CakupanSummary:
    """City (or region) totals of a ``cakupan`` frame: the metrics are sums of the table shown."""
    return CakupanSummary(
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


TREND_COLUMNS = [
    "bimtek_id", "tanggal", "judul", "diundang", "hadir",
    "kelurahan_kum", "rw_kum", "rt_kum", "lpmk_kum", "cakupan_rw_kum", "cakupan_rt_kum", "cakupan_lpmk_kum",
]  # fmt: skip


def trend(engine: Engine, f: BimtekFilter) -> pd.DataFrame:
    """One row per event (oldest first): its participants and the coverage reached so far.

    ``*_kum`` count the distinct units reached at this event or an earlier one (among the filtered
    events); shares are over the region's indicative totals. Each unit's first event date is found
    in SQL and only (date, count) pairs leave the database.
    """
    p = BimtekPeserta
    per_event = participation(engine, f, "bimtek")
    joined = and_(*_attended_conds(f))

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
    lpmk = first_dates([p.kelurahan_kode], p.peran.in_(ROLE_LPMK))

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
    return df[TREND_COLUMNS]


# --------------------------------------------------------------------------- never reached


LEVEL_ORDER = {"LPMK": 0, "RW": 1, "RT": 2}
NEVER_ATTENDED_COLUMNS = ["kecamatan", "kelurahan", "kode", "tingkat", "rw", "rt", "lembaga", "pernah_diundang"]


def never_attended(engine: Engine, f: BimtekFilter) -> pd.DataFrame:
    """RW, RT and LPMK (from the Lembaga table) of the filtered region with no trained representative
    in the filtered events; ``f.jenis`` picks the levels listed (default RW, RT and LPMK).

    ``pernah_diundang``: someone of that unit was invited but nobody attended.
    Columns: kecamatan, kelurahan, kode, tingkat, rw, rt, lembaga (e.g. 'RT 02 / RW 03'), pernah_diundang.
    """
    p = BimtekPeserta
    L = Lembaga
    levels = [j for j in ("LPMK", "RW", "RT") if not f.jenis or j in f.jenis]
    base = f.kondisi_peserta(dengan_jenis=False)
    roles = {"RT": ROLE_RT, "RW": ROLE_RW, "LPMK": ROLE_LPMK}

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
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=NEVER_ATTENDED_COLUMNS)
    if df.empty:
        return pd.DataFrame(columns=NEVER_ATTENDED_COLUMNS)
    df["rw"] = df["rw"].astype("Int64")
    df["rt"] = df["rt"].astype("Int64")
    df["pernah_diundang"] = df["pernah_diundang"].astype(bool)
    df["lembaga"] = [_lembaga_label(t, rw, rt) for t, rw, rt in zip(df["tingkat"], df["rw"], df["rt"], strict=True)]
    df["_urut"] = df["tingkat"].map(LEVEL_ORDER)
    df = df.sort_values(["kecamatan", "kelurahan", "_urut", "rw", "rt"], na_position="first").drop(columns="_urut")
    return df[NEVER_ATTENDED_COLUMNS].reset_index(drop=True)


def _lembaga_label(tingkat: str, rw, rt) -> str:
    if tingkat == "LPMK":
        return "LPMK"
    if tingkat == "RW":
        return f"RW {int(rw):02d}"
    return f"RT {int(rt):02d} / RW {int(rw):02d}"


def list_invitations(df: pd.DataFrame) -> pd.DataFrame:
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


@dataclass(frozen=True)
class BimtekHeadline:
    events: int
    peserta_hadir: int
    kelurahan_terjangkau: int
    kelurahan_total: int
    terakhir: dt.date | None


def bimtek_headline(engine: Engine) -> BimtekHeadline:
    with engine.connect() as conn:
        events, last = conn.execute(select(func.count(Bimtek.id), func.max(Bimtek.tanggal))).one()
        hadir, reached = conn.execute(
            select(func.count(BimtekPeserta.id), func.count(BimtekPeserta.kelurahan_kode.distinct())).where(
                BimtekPeserta.hadir
            )
        ).one()
        total = conn.scalar(select(func.count(Kelurahan.kode)))
    return BimtekHeadline(int(events), int(hadir), int(reached), int(total), last)
