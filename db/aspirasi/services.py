"""Write services of an aspirasi: create, move through the workflow, assign, mark as duplicate.

Every function takes the acting user (Actor) and checks the role first; every change is one
transaction that also writes the status history (who, when, from, to, note). Concurrent edits
use the version column: an update names the version it was based on, and a stale version is
refused with VersionConflict instead of silently overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db.aspirasi import rollups
from db.aspirasi.status import CHANNELS, PRIORITIES, SOURCES, is_open_status, status_label
from db.aspirasi.workflow import check_transition
from db.auth.roles import Actor
from db.engine import write_lock
from db.errors import VersionConflict
from db.foto.services import check_completion_evidence
from db.schema import Aspirasi, AspirasiRiwayat, CutiBersama, Kategori, Kelurahan, Lembaga, Opd, RembukKelurahan, utcnow
from db.workdays import WorkCalendar
from db.workdays import today as city_today
from geo.names import resolve_kelurahan
from geo.spatial import kelurahan_at

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


class ValidationError(ValueError):
    """Input that cannot be saved; ``errors`` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _conflict(nomor: str | None) -> VersionConflict:
    """Someone else saved this aspirasi since it was opened; nothing was written."""
    return VersionConflict(
        f"Aspirasi {nomor or ''}",
        pesan=f"Aspirasi {nomor or ''} sudah diubah orang lain sejak Anda membukanya. Perubahan Anda "
        "belum disimpan: muat ulang data terbaru, lalu terapkan lagi isian Anda.",
    )


@dataclass
class NewAspirasi:
    """What a user (or an import row) provides for a new aspirasi."""

    judul: str
    kategori: str  # kategori code (or its name)
    kelurahan: str  # code or any known spelling of the name
    sumber: str = "warga"
    kanal: str = "langsung"
    deskripsi: str = ""
    rw: int | None = None
    rt: int | None = None
    pelapor_nama: str | None = None
    pelapor_telepon: str | None = None
    tanggal_diterima: dt.date | None = None  # default: today (WIB)
    rembuk_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    prioritas: str = "sedang"
    ref_eksternal: str | None = None


@dataclass
class Result:
    id: int
    nomor: str
    peringatan: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReferenceData:
    """Lookup tables needed to validate and complete new aspirations (loaded once per batch)."""

    kategori: dict[str, tuple[int, int | None, int]]  # code and lower-case name -> (id, opd_id, sla)
    rw_count: dict[str, int]
    rt_units: frozenset[tuple[str, int, int]]  # (kelurahan, rw, rt) that exist
    lembaga: dict[tuple, int]
    kalender: WorkCalendar
    rembuk_hosts: dict[int, frozenset[str]]


def load_reference_data(conn: Connection) -> ReferenceData:
    kategori: dict[str, tuple[int, int | None, int]] = {}
    for kid, kode, nama, opd_id, sla in conn.execute(
        select(Kategori.id, Kategori.kode, Kategori.nama, Kategori.opd_id, Kategori.sla_hari_kerja)
    ):
        kategori[kode] = kategori[nama.lower()] = (kid, opd_id, sla)
    lembaga = {
        (k, j, rw, rt): i
        for i, k, j, rw, rt in conn.execute(
            select(Lembaga.id, Lembaga.kelurahan_kode, Lembaga.jenis, Lembaga.rw, Lembaga.rt)
        )
    }
    hosts: dict[int, set[str]] = {}
    for rid, kode in conn.execute(select(RembukKelurahan.rembuk_id, RembukKelurahan.kelurahan_kode)):
        hosts.setdefault(rid, set()).add(kode)
    return ReferenceData(
        kategori=kategori,
        rw_count=dict(conn.execute(select(Kelurahan.kode, Kelurahan.jumlah_rw)).tuples().all()),
        rt_units=frozenset((k, rw, rt) for (k, j, rw, rt) in lembaga if j == "RT"),
        lembaga=lembaga,
        kalender=WorkCalendar(conn.scalars(select(CutiBersama.tanggal)).all()),
        rembuk_hosts={k: frozenset(v) for k, v in hosts.items()},
    )


def city_calendar(conn: Connection) -> WorkCalendar:
    return WorkCalendar(conn.scalars(select(CutiBersama.tanggal)).all())


def validate(data: NewAspirasi, ref: ReferenceData, today: dt.date) -> tuple[dict[str, str], list[str], dict]:
    """Check a new aspirasi. Returns (errors by field, warnings, normalised values)."""
    errors: dict[str, str] = {}
    warnings: list[str] = []
    judul = " ".join((data.judul or "").split())
    if not judul:
        errors["judul"] = "Judul wajib diisi."
    elif len(judul) > MAX_TITLE:
        errors["judul"] = f"Judul paling banyak {MAX_TITLE} karakter (sekarang {len(judul)})."
    deskripsi = (data.deskripsi or "").strip()
    if len(deskripsi) > MAX_DESCRIPTION:
        errors["deskripsi"] = f"Deskripsi paling banyak {MAX_DESCRIPTION} karakter."
    kat = ref.kategori.get(data.kategori) or ref.kategori.get(str(data.kategori or "").strip().lower())
    if kat is None:
        errors["kategori"] = f"Kategori '{data.kategori}' tidak dikenal." if data.kategori else "Pilih kategori."
    match = resolve_kelurahan(data.kelurahan)
    kode = match.kode
    if not match.found:
        errors["kelurahan"] = match.message() if data.kelurahan else "Pilih kelurahan."
    if data.rw is not None and kode:
        if not 1 <= data.rw <= ref.rw_count.get(kode, 0):
            errors["rw"] = f"RW {data.rw} tidak ada di {match.nama} (RW 1–{ref.rw_count.get(kode, 0)})."
        elif data.rt is not None and (kode, data.rw, data.rt) not in ref.rt_units:
            errors["rt"] = f"RT {data.rt} tidak ada di RW {data.rw} {match.nama}."
    if data.rt is not None and data.rw is None:
        errors["rw"] = "Isi RW bila RT diisi."
    if data.sumber not in SOURCES:
        errors["sumber"] = f"Sumber harus salah satu dari: {', '.join(SOURCES.values())}."
    if data.kanal not in CHANNELS:
        errors["kanal"] = f"Kanal harus salah satu dari: {', '.join(CHANNELS.values())}."
    if data.prioritas not in PRIORITIES:
        errors["prioritas"] = "Prioritas tidak dikenal."
    received = data.tanggal_diterima or today
    if received > today:
        errors["tanggal_diterima"] = "Tanggal diterima tidak boleh di masa depan."
    phone = (data.pelapor_telepon or "").strip()
    if phone and not _PHONE.match(phone):
        errors["pelapor_telepon"] = "Nomor telepon hanya angka, spasi, tanda - dan + (6–20 karakter)."
    nama = " ".join((data.pelapor_nama or "").split()) or None
    if nama and len(nama) > 120:
        errors["pelapor_nama"] = "Nama pelapor paling banyak 120 karakter."
    if (data.lat is None) != (data.lon is None):
        errors["lokasi"] = "Isi lintang dan bujur sekaligus, atau kosongkan keduanya."
    elif data.lat is not None:
        if not (-90 <= data.lat <= 90 and -180 <= data.lon <= 180):
            errors["lokasi"] = "Koordinat tidak valid."
        elif kode and kelurahan_at(data.lon, data.lat) != kode:
            where = kelurahan_at(data.lon, data.lat)
            warnings.append(
                f"Titik lokasi berada di luar {match.nama}"
                + (f" (di {resolve_kelurahan(where).nama})." if where else " (di luar Kota Malang).")
            )
    if data.rembuk_id is not None:
        hosts = ref.rembuk_hosts.get(data.rembuk_id)
        if hosts is None:
            errors["rembuk_id"] = "Rembuk tidak ditemukan."
        elif kode and kode not in hosts:
            warnings.append("Kelurahan ini bukan tuan rumah rembuk yang dipilih.")
    ref_ext = (data.ref_eksternal or "").strip() or None
    values = {
        "judul": judul,
        "deskripsi": deskripsi,
        "kategori": kat,
        "kelurahan_kode": kode,
        "tanggal_diterima": received,
        "pelapor_nama": nama,
        "pelapor_telepon": phone or None,
        "ref_eksternal": ref_ext,
    }
    return errors, warnings, values


def _next_nomor(conn: Connection, year: int) -> str:
    if conn.dialect.name == "postgresql":
        # Serialise ticket numbering until commit: under READ COMMITTED concurrent saves would read the
        # same maximum and one would fail on uq_aspirasi_nomor. (SQLite already serialises writers.)
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('kulakan.aspirasi.nomor'))"))
    prefix = f"ASP-{year}-"
    last = conn.scalar(select(func.max(Aspirasi.nomor)).where(Aspirasi.nomor.like(f"{prefix}%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def row_for(data: NewAspirasi, values: dict, ref: ReferenceData, actor: Actor) -> dict:
    """The aspirasi row for validated input: default OPD from the category, due date in working days."""
    kat_id, opd_id, sla = values["kategori"]
    kode = values["kelurahan_kode"]
    lembaga_key = {
        "RT": (kode, "RT", data.rw, data.rt),
        "RW": (kode, "RW", data.rw, None),
        "LPMK": (kode, "LPMK", None, None),
    }.get(data.sumber)
    now = utcnow()
    return {
        "judul": values["judul"],
        "deskripsi": values["deskripsi"],
        "kategori_id": kat_id,
        "kelurahan_kode": kode,
        "rw": data.rw,
        "rt": data.rt,
        "sumber": data.sumber,
        "lembaga_id": ref.lembaga.get(lembaga_key) if lembaga_key else None,
        "pelapor_nama": values["pelapor_nama"],
        "pelapor_telepon": values["pelapor_telepon"],
        "lat": data.lat,
        "lon": data.lon,
        "kanal": data.kanal,
        "tanggal_diterima": values["tanggal_diterima"],
        "rembuk_id": data.rembuk_id,
        "status": "diterima",
        "terbuka": True,
        "opd_id": opd_id,
        "prioritas": data.prioritas,
        "tenggat": ref.kalender.add_hari_kerja(values["tanggal_diterima"], sla),
        "ref_eksternal": values["ref_eksternal"],
        "is_demo": False,
        "dibuat_oleh": actor.username,
        "dibuat_pada": now,
        "diubah_pada": now,
        "version": 1,
    }


def insert_new(conn: Connection, actor: Actor, rows: list[dict], progress=None) -> list[tuple[int, str]]:
    """Insert prepared rows with fresh ticket numbers and their first history entry (in ``conn``'s
    transaction). Returns (id, nomor) per row; ``progress(done, total)`` is called along the way."""
    out = []
    next_seq: dict[int, int] = {}
    for i, row in enumerate(rows, start=1):
        year = row["tanggal_diterima"].year
        if year not in next_seq:
            next_seq[year] = int(_next_nomor(conn, year).rsplit("-", 1)[1])
        nomor = f"ASP-{year}-{next_seq[year]:06d}"
        next_seq[year] += 1
        new_id = conn.execute(insert(Aspirasi).values(**row, nomor=nomor).returning(Aspirasi.id)).scalar_one()
        rollups.apply_change(conn, None, row)
        conn.execute(
            insert(AspirasiRiwayat).values(
                aspirasi_id=new_id,
                oleh=actor.username,
                dari_status=None,
                ke_status="diterima",
                catatan="Aspirasi dicatat",
                waktu=row["dibuat_pada"],
            )
        )
        out.append((new_id, nomor))
        if progress and (i % 200 == 0 or i == len(rows)):
            progress(i, len(rows))
    return out


def create_aspirasi(engine: Engine, actor: Actor, data: NewAspirasi, today: dt.date | None = None) -> Result:
    """Validate and save one new aspirasi; raises ValidasiGagal with messages per field."""
    actor.require("tulis")
    today = today or city_today()
    for attempt in range(10):
        try:
            with engine.begin() as conn:
                write_lock(conn)
                ref = load_reference_data(conn)
                errors, warnings, values = validate(data, ref, today)
                if errors:
                    raise ValidationError(errors)
                kec = conn.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == values["kelurahan_kode"]))
                actor.require_area(kec)
                ((new_id, nomor),) = insert_new(conn, actor, [row_for(data, values, ref, actor)])
            return Result(new_id, nomor, warnings)
        except IntegrityError as exc:
            # Two people saving at the same moment got the same ticket number: take the next one.
            if "nomor" not in str(exc.orig) or attempt == 9:
                if "ref_eksternal" in str(exc.orig):
                    raise ValidationError({"ref_eksternal": "Referensi eksternal ini sudah ada."}) from exc
                raise
    raise AssertionError("unreachable")


def _current(conn: Connection, aspirasi_id: int):
    row = conn.execute(
        select(Aspirasi.nomor, Aspirasi.status, Aspirasi.version, Aspirasi.tanggal_diterima, Kelurahan.kecamatan_kode)
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .where(Aspirasi.id == aspirasi_id)
    ).first()
    if row is None:
        raise ValidationError({"aspirasi": "Aspirasi tidak ditemukan."})
    return row


def _guarded_update(conn: Connection, aspirasi_id: int, expected_version: int, nomor: str, **values) -> None:
    result = conn.execute(
        update(Aspirasi)
        .where(Aspirasi.id == aspirasi_id, Aspirasi.version == expected_version)
        .values(**values, version=expected_version + 1, diubah_pada=utcnow())
    )
    if result.rowcount != 1:
        raise _conflict(nomor)


def update_status(
    engine: Engine,
    actor: Actor,
    aspirasi_id: int,
    expected_version: int,
    ke: str,
    catatan: str | None = None,
    today: dt.date | None = None,
    duplikat_dari: int | None = None,
) -> int:
    """Move an aspirasi along the workflow; returns the new version."""
    actor.require("tulis")
    today = today or city_today()
    with engine.begin() as conn:
        cur = _current(conn, aspirasi_id)
        actor.require_area(cur.kecamatan_kode)
        if cur.version != expected_version:
            raise _conflict(cur.nomor)
        check_transition(cur.status, ke, catatan)
        check_completion_evidence(conn, aspirasi_id, ke)  # issue 15: 'sesudah' photo required by the category
        closing = not is_open_status(ke)
        values: dict = {"status": ke, "terbuka": not closing}
        if closing:
            values["tanggal_selesai"] = today
            values["hari_kerja_selesai"] = city_calendar(conn).hari_kerja_antara(cur.tanggal_diterima, today)
        else:
            values["tanggal_selesai"] = None
            values["hari_kerja_selesai"] = None
        if ke == "duplikat":
            if duplikat_dari is None or duplikat_dari == aspirasi_id:
                raise ValidationError({"duplikat_dari": "Pilih aspirasi asal (bukan dirinya sendiri)."})
            if conn.scalar(select(Aspirasi.id).where(Aspirasi.id == duplikat_dari)) is None:
                raise ValidationError({"duplikat_dari": "Aspirasi asal tidak ditemukan."})
            values["duplikat_dari_id"] = duplikat_dari
        before = rollups.get_row(conn, aspirasi_id)  # same version as cur: the guarded update checks it
        _guarded_update(conn, aspirasi_id, expected_version, cur.nomor, **values)
        rollups.apply_change(conn, before, {**before, **values})
        conn.execute(
            insert(AspirasiRiwayat).values(
                aspirasi_id=aspirasi_id,
                oleh=actor.username,
                dari_status=cur.status,
                ke_status=ke,
                catatan=(catatan or "").strip() or None,
            )
        )
    return expected_version + 1


def update_assignment(
    engine: Engine,
    actor: Actor,
    aspirasi_id: int,
    expected_version: int,
    *,
    opd_kode: str | None,
    prioritas: str,
    tenggat: dt.date | None,
    catatan: str | None = None,
) -> int:
    """Change the responsible OPD, priority and due date (recorded in the history)."""
    actor.require("tulis")
    if prioritas not in PRIORITIES:
        raise ValidationError({"prioritas": "Prioritas tidak dikenal."})
    with engine.begin() as conn:
        cur = _current(conn, aspirasi_id)
        actor.require_area(cur.kecamatan_kode)
        old = conn.execute(
            select(Opd.kode, Aspirasi.prioritas, Aspirasi.tenggat)
            .select_from(Aspirasi)
            .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
            .where(Aspirasi.id == aspirasi_id)
        ).one()
        opd_id = None
        if opd_kode:
            opd_id = conn.scalar(select(Opd.id).where(Opd.kode == opd_kode))
            if opd_id is None:
                raise ValidationError({"opd": f"OPD '{opd_kode}' tidak dikenal."})
        if tenggat is not None and tenggat < cur.tanggal_diterima:
            raise ValidationError({"tenggat": "Tenggat tidak boleh sebelum tanggal diterima."})
        before = rollups.get_row(conn, aspirasi_id)
        _guarded_update(
            conn, aspirasi_id, expected_version, cur.nomor, opd_id=opd_id, prioritas=prioritas, tenggat=tenggat
        )
        # Overdue counts follow the due date; the OPD's counts follow the OPD.
        rollups.apply_change(conn, before, {**before, "opd_id": opd_id, "tenggat": tenggat})
        changes = [
            f"{name}: {a or '–'} → {b or '–'}"
            for name, a, b in [
                ("OPD", old[0], opd_kode),
                ("Prioritas", old[1], prioritas),
                ("Tenggat", old[2], tenggat),
            ]
            if a != b
        ]
        note = "; ".join(changes) + (f". {catatan.strip()}" if catatan and catatan.strip() else "")
        conn.execute(
            insert(AspirasiRiwayat).values(
                aspirasi_id=aspirasi_id,
                oleh=actor.username,
                dari_status=cur.status,
                ke_status=cur.status,
                catatan=note or "Penugasan disimpan tanpa perubahan",
            )
        )
    return expected_version + 1


# --- possible duplicates --------------------------------------------------------------------------

RADIUS_M = 100
SIMILAR_DAYS = 90
SIMILARITY_THRESHOLD = 0.6


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def similarity(a: str, b: str) -> float:
    norm = lambda s: " ".join(re.sub(r"[^0-9a-z ]", " ", s.lower()).split())  # noqa: E731
    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def possible_duplicates(engine: Engine, data: NewAspirasi, today: dt.date | None = None) -> pd.DataFrame:
    """Open or recent aspirations that may be the same problem: same category within 100 m, or the
    same kelurahan and RW with a similar title in the last 90 days."""
    today = today or city_today()
    kode = resolve_kelurahan(data.kelurahan).kode
    cols = [
        Aspirasi.id,
        Aspirasi.nomor,
        Aspirasi.judul,
        Aspirasi.status,
        Aspirasi.tanggal_diterima,
        Aspirasi.lat,
        Aspirasi.lon,
    ]
    found: dict[int, dict] = {}
    with engine.connect() as conn:
        kat_id = conn.scalar(
            select(Kategori.id).where((Kategori.kode == data.kategori) | (Kategori.nama == data.kategori))
        )
        if data.lat is not None and data.lon is not None and kat_id is not None:
            dlat = RADIUS_M / 111_000 * 1.2
            dlon = dlat / max(math.cos(math.radians(data.lat)), 0.1)
            near = conn.execute(
                select(*cols).where(
                    Aspirasi.kategori_id == kat_id,
                    Aspirasi.lat.between(data.lat - dlat, data.lat + dlat),
                    Aspirasi.lon.between(data.lon - dlon, data.lon + dlon),
                    Aspirasi.terbuka.is_(True) | (Aspirasi.tanggal_diterima >= today - dt.timedelta(days=SIMILAR_DAYS)),
                )
            ).all()
            for r in near:
                d = distance_m(data.lat, data.lon, r.lat, r.lon)
                if d <= RADIUS_M:
                    found[r.id] = {**r._asdict(), "alasan": f"Kategori sama, {d:.0f} m dari lokasi ini"}
        if kode and data.rw is not None and data.judul:
            recent = conn.execute(
                select(*cols).where(
                    Aspirasi.kelurahan_kode == kode,
                    Aspirasi.rw == data.rw,
                    Aspirasi.tanggal_diterima >= today - dt.timedelta(days=SIMILAR_DAYS),
                )
            ).all()
            for r in recent:
                score = similarity(data.judul, r.judul)
                if score >= SIMILARITY_THRESHOLD and r.id not in found:
                    found[r.id] = {**r._asdict(), "alasan": f"RW sama, judul mirip ({score:.0%})"}
    df = pd.DataFrame(found.values(), columns=[c.key for c in cols] + ["alasan"])
    df["status"] = df["status"].map(status_label)
    return df.drop(columns=["lat", "lon"]).sort_values("tanggal_diterima", ascending=False).reset_index(drop=True)
