"""Deterministic, clearly labelled synthetic demo data for a believable Kota Malang.

Same (seed, today, size) -> same rows. Everything written here has ``is_demo = true``; reporter and
participant names and phone numbers are invented (phones use the non-existent 0800-0000 prefix).
Rows are written in bulk (Core executemany), so 100,000 aspirations take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, func, insert, select

from db.aspirasi import rollups
from db.aspirasi.status import is_open_status
from db.bimtek.services import name_key_peserta
from db.reference import rt_per_rw
from db.schema import (
    AppMeta,
    Aspirasi,
    AspirasiRiwayat,
    Bimtek,
    BimtekPeserta,
    CutiBersama,
    Janji,
    JanjiRiwayat,
    Kategori,
    Kelurahan,
    Lembaga,
    Rembuk,
    RembukKelurahan,
)
from db.settings import timezone_name
from db.workdays import WorkCalendar
from geo.spatial import random_points_in

META_KEY = "demo"
DEMO_USER = "demo.staf"
WIB = ZoneInfo(timezone_name())

# Share of each category among aspirations (kode -> weight), roughly as rembuk agendas report them.
KATEGORI_WEIGHTS = {
    "jalan_rusak": 18,
    "drainase": 16,
    "sampah": 10,
    "pju": 9,
    "air_bersih": 6,
    "kesehatan": 5,
    "pendidikan": 4,
    "sosial": 8,
    "ketertiban": 5,
    "adminduk": 4,
    "umkm": 5,
    "rth": 4,
    "lalu_lintas": 4,
    "bencana": 1,
    "lainnya": 1,
}

TITLES = {
    "jalan_rusak": [
        "Jalan berlubang di gang {rw}",
        "Paving rusak di RT {rt}",
        "Aspal mengelupas dekat {tempat}",
    ],
    "drainase": [
        "Saluran tersumbat di RT {rt}",
        "Genangan air saat hujan di {tempat}",
        "Gorong-gorong ambrol di gang {rw}",
    ],
    "sampah": ["Sampah menumpuk di {tempat}", "Jadwal angkut sampah tidak teratur", "TPS liar di gang {rw}"],
    "pju": [
        "Lampu jalan mati di gang {rw}",
        "Permohonan PJU baru dekat {tempat}",
        "Tiang PJU miring di RT {rt}",
    ],
    "air_bersih": ["Air PDAM keruh di RT {rt}", "Aliran air kecil sejak seminggu", "Pipa bocor di {tempat}"],
    "kesehatan": [
        "Posyandu butuh timbangan baru",
        "Kasus DBD di RT {rt}, mohon fogging",
        "Jadwal puskesmas keliling",
    ],
    "pendidikan": ["Atap kelas SD bocor", "Bantuan seragam untuk siswa kurang mampu", "Pagar sekolah roboh"],
    "sosial": [
        "Warga lansia belum terdata bansos",
        "Permohonan bedah rumah di RT {rt}",
        "Data PKH perlu pemutakhiran",
    ],
    "ketertiban": ["Parkir liar di {tempat}", "Balap liar malam hari", "PKL menutup trotoar dekat {tempat}"],
    "adminduk": ["Jemput bola KTP-el untuk lansia", "Akta kelahiran belum terbit", "Perbaikan data KK warga"],
    "umkm": [
        "Pelatihan UMKM untuk ibu-ibu PKK",
        "Izin usaha mikro sulit diurus",
        "Bantuan modal pedagang pasar",
    ],
    "rth": ["Pohon tumbang di {tempat}", "Taman RW tidak terawat", "Permohonan penghijauan gang {rw}"],
    "lalu_lintas": [
        "Rambu lalu lintas hilang di {tempat}",
        "Permohonan polisi tidur di gang {rw}",
        "Kemacetan jam sekolah",
    ],
    "bencana": ["Tanah longsor di tepi sungai", "Rumah rusak diterjang angin", "Tembok penahan tanah retak"],
    "lainnya": ["Usulan kegiatan karang taruna", "Permohonan sarana olahraga", "Balai RW perlu perbaikan"],
}
PLACES = [
    "masjid",
    "balai RW",
    "pasar",
    "SD negeri",
    "makam",
    "lapangan",
    "jembatan",
    "musala",
    "pertigaan",
    "sungai",
]

FIRST_NAMES = [
    "Agus",
    "Budi",
    "Siti",
    "Dewi",
    "Eko",
    "Sri",
    "Bambang",
    "Nur",
    "Hadi",
    "Wahyu",
    "Rina",
    "Yuli",
    "Slamet",
    "Tri",
    "Endang",
    "Joko",
    "Lilik",
    "Heru",
    "Indah",
    "Ahmad",
    "Fitri",
    "Sugeng",
    "Retno",
    "Dwi",
]
LAST_NAMES = [
    "Santoso",
    "Wibowo",
    "Rahayu",
    "Susanto",
    "Hidayat",
    "Lestari",
    "Purnomo",
    "Handayani",
    "Setiawan",
    "Kurniawan",
    "Wulandari",
    "Prasetyo",
    "Utomo",
    "Saputra",
    "Maulana",
    "Sulistyo",
    "Ningsih",
    "Firmansyah",
]

# The agency is the janji's OPD column (the aspiration's assigned OPD, which may differ from the category's
# usual one), so the text does not name one.
JANJI_TEXTS = {
    "jalan_rusak": "Perbaikan jalan dianggarkan dan dikerjakan",
    "drainase": "Normalisasi saluran",
    "sampah": "Penambahan jadwal angkut sampah",
    "pju": "Pemasangan/perbaikan PJU",
    "air_bersih": "Pengecekan jaringan pipa",
    "kesehatan": "Fogging dan penyuluhan",
    "pendidikan": "Peninjauan sekolah",
    "sosial": "Verifikasi data penerima bantuan",
    "ketertiban": "Penertiban rutin",
    "adminduk": "Layanan jemput bola adminduk di kelurahan",
    "umkm": "Pelatihan UMKM",
    "rth": "Perawatan taman dan penghijauan",
    "lalu_lintas": "Pemasangan rambu",
    "bencana": "Penanganan darurat",
    "lainnya": "Tindak lanjut",
}

# Bimtek events: the first one as reported (28 July 2022, Savana Hotel & Convention), then later
# rounds invented for the demo, each reaching part of the city.
BIMTEK_2022 = (
    dt.date(2022, 7, 28),
    "Bimtek Peningkatan Kapasitas RT, RW dan LPMK se-Kota Malang",
    "Savana Hotel & Convention",
    "Tugas dan fungsi RT, RW dan LPMK sesuai peraturan; pelayanan kepada warga",
)
BIMTEK_FOLLOWUP = [
    ("Bimtek Administrasi dan Pelaporan RT/RW", "Administrasi, pelaporan dan pengelolaan data warga"),
    ("Bimtek Tata Kelola LPMK", "Perencanaan pembangunan kelurahan dan Musrenbang"),
    ("Bimtek Pelayanan Publik di Tingkat RT/RW", "Pelayanan warga, pengaduan dan SAMBAT Online"),
    ("Bimtek Kebencanaan dan Ketertiban Lingkungan", "Siaga bencana, keamanan dan ketertiban lingkungan"),
]
BIMTEK_PLACES = ["Balai Kota Malang", "Hotel Santika Malang", "Savana Hotel & Convention", "Gedung Kartini"]


@dataclass
class DemoResult:
    aspirasi: int = 0
    riwayat: int = 0
    rembuk: int = 0
    janji: int = 0
    bimtek: int = 0
    peserta: int = 0


def clear_demo(conn, termasuk_terkait: bool = False):
    """Delete the demo rows; real data is never touched unless ``termasuk_terkait`` (see db/demo/clear.py):
    demo rows real data refers to are kept by default."""
    from db.demo.clear import delete_demo

    return delete_demo(conn, termasuk_terkait=termasuk_terkait)


def _at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A WIB time on ``day`` in UTC, never later than now: demo history of 'today' must not sit in the
    future at the top of the audit log (deterministic for every day before today)."""
    at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WIB).astimezone(dt.UTC)
    return min(at, dt.datetime.now(dt.UTC).replace(microsecond=0))


def rotation_order(kelurahan: list[tuple[str, str]], rng: np.random.Generator) -> list[str]:
    """A random order of all kelurahan in which consecutive hosts avoid the same kecamatan."""
    remaining = [kel for kel, _ in kelurahan]
    kec = dict(kelurahan)
    rng.shuffle(remaining)
    order: list[str] = []
    while remaining:
        prev_kec = kec[order[-1]] if order else None
        pick = next((k for k in remaining if kec[k] != prev_kec), remaining[0])
        remaining.remove(pick)
        order.append(pick)
    return order


class _Workdays:
    """Vectorised working-day arithmetic over a fixed window (for bulk generation)."""

    def __init__(self, kalender: WorkCalendar, start: dt.date, end: dt.date):
        days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
        ok = [kalender.is_hari_kerja(d.astype(dt.date)) for d in days]
        self.days = days[np.array(ok)]

    def add(self, start: np.ndarray, n: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.days, start, side="right") + n - 1
        return self.days[np.clip(idx, 0, len(self.days) - 1)]

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.days, end, side="right") - np.searchsorted(self.days, start, side="right")


def generate_demo(
    engine: Engine,
    n_aspirasi: int = 3000,
    seed: int = 42,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    termasuk_terkait: bool = False,
) -> DemoResult:
    """Replace the demo data with a fresh deterministic set. Reference data must be loaded.

    When real data refers to demo rows, nothing is changed and ``DemoReferenced`` lists them, unless
    ``termasuk_terkait``: then those references are detached or removed first (db/demo/clear.py)."""
    from db.workdays import today as city_today

    today = today or city_today()
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    result = DemoResult()

    with engine.begin() as conn:
        kel_rows = conn.execute(
            select(Kelurahan.kode, Kelurahan.kecamatan_kode, Kelurahan.jumlah_rw, Kelurahan.jumlah_rt).order_by(
                Kelurahan.kode
            )
        ).all()
        if not kel_rows:
            raise RuntimeError("Data referensi belum dimuat: jalankan `python -m db init` dulu.")
        kategori = conn.execute(
            select(Kategori.id, Kategori.kode, Kategori.opd_id, Kategori.sla_hari_kerja).order_by(Kategori.id)
        ).all()
        lembaga_id = {
            (k, j, rw, rt): i
            for i, k, j, rw, rt in conn.execute(
                select(Lembaga.id, Lembaga.kelurahan_kode, Lembaga.jenis, Lembaga.rw, Lembaga.rt)
            )
        }
        kalender = WorkCalendar(conn.scalars(select(CutiBersama.tanggal)).all())
        say("Menghapus data demo lama")
        from db.demo.clear import DemoReferenced, delete_demo, references_to_demo

        rujukan, _links = references_to_demo(conn)
        if rujukan and not termasuk_terkait:
            raise DemoReferenced(rujukan)
        delete_demo(conn, termasuk_terkait=True)

        start = today - dt.timedelta(days=730)
        workdays = _Workdays(kalender, start - dt.timedelta(days=7), today + dt.timedelta(days=800))

        say("Membuat jadwal rembuk")
        rembuk_plan = _rembuk_plan(kel_rows, kalender, start, today, rng)
        rembuk_ids = _insert_rembuk(conn, rembuk_plan, kel_rows, rng)
        result.rembuk = len(rembuk_ids)

        say(f"Membuat {n_aspirasi:,} aspirasi".replace(",", "."))
        asp_rows, rembuk_of_asp = _aspirasi_rows(
            n_aspirasi, kel_rows, kategori, lembaga_id, rembuk_plan, rembuk_ids, workdays, start, today, rng
        )
        result.aspirasi = _bulk_insert(conn, Aspirasi, asp_rows)
        rollups.add_selection(conn, Aspirasi.is_demo.is_(True))  # set-wise, in this transaction
        asp_ids = conn.execute(select(Aspirasi.id, Aspirasi.nomor).where(Aspirasi.is_demo)).all()
        id_by_nomor = {nomor: i for i, nomor in asp_ids}

        say("Menulis riwayat status")
        result.riwayat = _bulk_insert(conn, AspirasiRiwayat, _history_rows(asp_rows, id_by_nomor, workdays))

        say("Membuat janji rembuk")
        janji_rows, janji_hist = _janji_rows(
            rembuk_plan, rembuk_ids, rembuk_of_asp, asp_rows, id_by_nomor, kategori, today, rng
        )
        result.janji = _insert_janji(conn, janji_rows, janji_hist)

        say("Membuat bimtek dan peserta")
        result.bimtek, result.peserta = _insert_bimtek(conn, kel_rows, today, rng)

        say("Membuat foto demo")
        _demo_foto(conn, today)

        conn.execute(
            insert(AppMeta),
            [
                {
                    "kunci": META_KEY,
                    "nilai": json.dumps(
                        {
                            "seed": seed,
                            "aspirasi": n_aspirasi,
                            "today": today.isoformat(),
                            **asdict(result),
                            # Participants have no demo flag: the last demo one tells them apart.
                            "peserta_id_maks": conn.scalar(select(func.max(BimtekPeserta.id))) or 0,
                        }
                    ),
                }
            ],
        )
    return result


def _demo_foto(conn, today: dt.date) -> int:
    """Synthetic photos of the demo rows (db/foto/; kept separate from the rest of the generator)."""
    from db.foto.demo import generate_demo_foto

    return generate_demo_foto(conn, today)


def _bulk_insert(conn, model, rows: list[dict], chunk: int = 20_000) -> int:
    for i in range(0, len(rows), chunk):
        conn.execute(insert(model), rows[i : i + chunk])
    return len(rows)


def _rembuk_plan(
    kel_rows, kalender: WorkCalendar, start: dt.date, today: dt.date, rng
) -> list[tuple[dt.date, str, str]]:
    """(date, kelurahan code, status) for every Friday from ``start`` to eight weeks ahead."""
    pairs = [(k, kec) for k, kec, _, _ in kel_rows]
    fridays = list(kalender.jumat(start, today + dt.timedelta(weeks=8)))
    plan: list[tuple[dt.date, str, str]] = []
    order: list[str] = []
    for day in fridays:
        if not order:
            order = rotation_order(pairs, rng)
        if day > today:
            status = "dijadwalkan"
        elif rng.random() < 0.03:
            # Cancelled: the same kelurahan is visited on the next Friday instead.
            plan.append((day, order[0], "dibatalkan"))
            continue
        else:
            status = "terlaksana"
        plan.append((day, order.pop(0), status))
    return plan


def _insert_rembuk(conn, plan, kel_rows, rng) -> list[int]:
    counts = {k: (rw, rt) for k, _, rw, rt in kel_rows}
    opd_codes = ["DPUPRPKP", "DLH", "DISHUB", "DINSOS", "DINKES", "SATPOLPP", "DISPENDUK"]
    rows = []
    for day, kode, status in plan:
        rw, rt = counts[kode]
        held = status == "terlaksana"
        rows.append(
            {
                "tanggal": day,
                "status": status,
                "hadir_rt": int(rt * rng.uniform(0.5, 0.9)) if held else None,
                "hadir_rw": int(np.ceil(rw * rng.uniform(0.6, 1.0))) if held else None,
                "hadir_lpmk": int(rng.integers(1, 6)) if held else None,
                "hadir_warga": int(rng.integers(10, 90)) if held else None,
                "opd_hadir": ",".join(sorted(rng.choice(opd_codes, 4, replace=False))) if held else None,
                "catatan": "Data demo" if held else ("Dibatalkan (data demo)" if status == "dibatalkan" else None),
                "is_demo": True,
                "dibuat_oleh": DEMO_USER,
                "dibuat_pada": _at(day - dt.timedelta(days=7)),
                "version": 1,
            }
        )
    _bulk_insert(conn, Rembuk, rows)
    ids = conn.scalars(select(Rembuk.id).where(Rembuk.is_demo).order_by(Rembuk.tanggal, Rembuk.id)).all()
    _bulk_insert(
        conn,
        RembukKelurahan,
        [{"rembuk_id": i, "kelurahan_kode": kode} for i, (_, kode, _) in zip(ids, plan, strict=True)],
    )
    return list(ids)


def _aspirasi_rows(n, kel_rows, kategori, lembaga_id, plan, rembuk_ids, workdays, start, today, rng):
    codes = [k for k, _, _, _ in kel_rows]
    rw_count = np.array([rw for _, _, rw, _ in kel_rows])
    rt_count = np.array([rt for _, _, _, rt in kel_rows])
    kat_kode = [k for _, k, _, _ in kategori]
    kat_w = np.array([KATEGORI_WEIGHTS.get(k, 1) for k in kat_kode], dtype=float)
    kat_idx = rng.choice(len(kategori), n, p=kat_w / kat_w.sum())

    # About a third comes from the rembuk itself, on the day, from the host kelurahan.
    held = [(i, day, kode) for i, (day, kode, status) in enumerate(plan) if status == "terlaksana"]
    from_rembuk = rng.random(n) < 0.35 if held else np.zeros(n, dtype=bool)
    which = rng.integers(0, max(len(held), 1), n)
    kel_idx = rng.choice(len(codes), n, p=rt_count / rt_count.sum())
    span = (today - start).days
    received = np.array([np.datetime64(start) + int(d) for d in rng.integers(0, span + 1, n)])
    code_pos = {c: i for i, c in enumerate(codes)}
    rembuk_of: list[int | None] = [None] * n
    for j in np.flatnonzero(from_rembuk):
        plan_i, day, kode = held[which[j]]
        kel_idx[j] = code_pos[kode]
        received[j] = np.datetime64(day)
        rembuk_of[j] = plan_i

    order = np.argsort(received, kind="stable")
    kat_idx, kel_idx, received, from_rembuk = (
        kat_idx[order],
        kel_idx[order],
        received[order],
        from_rembuk[order],
    )
    rembuk_of = [rembuk_of[i] for i in order]

    rw = np.array([rng.integers(1, rw_count[k] + 1) for k in kel_idx])
    rt = np.array(
        [
            rng.integers(1, rt_per_rw(int(rw_count[k]), int(rt_count[k]))[r - 1] + 1)
            for k, r in zip(kel_idx, rw, strict=True)
        ]
    )
    sla = np.array([kategori[k][3] for k in kat_idx])
    due = workdays.add(received, sla)
    age = (np.datetime64(today) - received).astype(int)

    # Older aspirations are more likely closed; resolution time scatters around the target.
    closed = rng.random(n) < np.minimum(0.95, 1 - np.exp(-age / 45))
    resolve_wd = np.maximum(1, np.round(sla * rng.lognormal(0.0, 0.55, n))).astype(int)
    resolved = workdays.add(received, resolve_wd)
    late = resolved > np.datetime64(today)
    resolved = np.where(late, np.datetime64(today), resolved)
    closed_kind = rng.choice(
        ["selesai", "tidak_dapat", "bukan_kewenangan", "musrenbang", "duplikat"],
        n,
        p=[0.8, 0.05, 0.06, 0.07, 0.02],
    )
    open_kind = np.where(
        age < 3,
        "diterima",
        np.where(
            age < 10,
            rng.choice(["diverifikasi", "diteruskan"], n),
            rng.choice(["diteruskan", "dalam_proses"], n, p=[0.3, 0.7]),
        ),
    )
    status = np.where(closed, closed_kind, open_kind)

    sumber = np.where(
        from_rembuk,
        rng.choice(["RT", "RW", "LPMK"], n, p=[0.5, 0.35, 0.15]),
        rng.choice(["RT", "RW", "LPMK", "warga", "lainnya"], n, p=[0.35, 0.2, 0.08, 0.32, 0.05]),
    )
    kanal = np.where(
        from_rembuk,
        "rembuk",
        rng.choice(["langsung", "sambat", "surat", "telepon", "medsos"], n, p=[0.2, 0.4, 0.15, 0.15, 0.1]),
    )
    has_point = rng.random(n) < 0.88
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    for k in np.unique(kel_idx[has_point]):
        sel = np.flatnonzero(has_point & (kel_idx == k))
        lon[sel], lat[sel] = random_points_in(codes[k], len(sel), rng)
    other_opd = rng.random(n) < 0.08
    opd_pool = sorted({o for _, _, o, _ in kategori if o is not None})
    prioritas = rng.choice(["rendah", "sedang", "tinggi", "darurat"], n, p=[0.2, 0.55, 0.22, 0.03])
    template_pick = rng.integers(0, 3, n)
    tempat_pick = rng.integers(0, len(PLACES), n)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    phone = rng.integers(0, 10_000, n)

    per_year: dict[int, int] = {}
    rows = []
    for i in range(n):
        day = received[i].astype(dt.date)
        per_year[day.year] = per_year.get(day.year, 0) + 1
        kat = kategori[kat_idx[i]]
        kode = codes[kel_idx[i]]
        judul = TITLES[kat[1]][template_pick[i]].format(
            rw=f"RW {rw[i]:02d}", rt=f"{rt[i]:02d}/{rw[i]:02d}", tempat=PLACES[tempat_pick[i]]
        )
        st = str(status[i])
        is_closed = not is_open_status(st)
        src = str(sumber[i])
        lem_key = {
            "RT": (kode, "RT", int(rw[i]), int(rt[i])),
            "RW": (kode, "RW", int(rw[i]), None),
            "LPMK": (kode, "LPMK", None, None),
        }.get(src)
        done = resolved[i].astype(dt.date) if is_closed else None
        rows.append(
            {
                "nomor": f"ASP-{day.year}-{per_year[day.year]:06d}",
                "judul": judul,
                "deskripsi": f"{judul}. Disampaikan oleh {src} setempat dan mohon segera ditindaklanjuti. (data demo)",
                "kategori_id": kat[0],
                "kelurahan_kode": kode,
                "rw": int(rw[i]),
                "rt": int(rt[i]),
                "sumber": src,
                "lembaga_id": lembaga_id.get(lem_key) if lem_key else None,
                "pelapor_nama": f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}",
                "pelapor_telepon": f"0800-0000-{phone[i]:04d}",
                "lat": None if np.isnan(lat[i]) else float(lat[i]),
                "lon": None if np.isnan(lon[i]) else float(lon[i]),
                "kanal": str(kanal[i]),
                "tanggal_diterima": day,
                "rembuk_id": rembuk_ids[rembuk_of[i]] if rembuk_of[i] is not None else None,
                "status": st,
                "terbuka": not is_closed,
                "opd_id": int(rng.choice(opd_pool)) if other_opd[i] else kat[2],
                "prioritas": str(prioritas[i]),
                "tenggat": due[i].astype(dt.date),
                "tanggal_selesai": done,
                "hari_kerja_selesai": int(workdays.between(received[i : i + 1], resolved[i : i + 1])[0])
                if is_closed
                else None,
                "is_demo": True,
                "dibuat_oleh": DEMO_USER,
                "dibuat_pada": _at(day),
                "diubah_pada": _at(done or day, 10),
                "version": 1,
            }
        )
    return rows, rembuk_of


PATH = ["diterima", "diverifikasi", "diteruskan", "dalam_proses"]


def _history_rows(asp_rows, id_by_nomor, workdays) -> list[dict]:
    """Status history consistent with each aspiration's current status and dates."""
    rows = []
    for a in asp_rows:
        aid = id_by_nomor[a["nomor"]]
        status = a["status"]
        start = a["tanggal_diterima"]
        end = a["tanggal_selesai"] or max(start, a["diubah_pada"].date())
        if status in PATH:
            steps = PATH[: PATH.index(status) + 1]
        elif status == "selesai":
            steps = [*PATH, "selesai"]
        else:
            steps = ["diterima", "diverifikasi", status]
        prev = None
        n = len(steps)
        span = max((end - start).days, 0)
        for k, st in enumerate(steps):
            day = start + dt.timedelta(days=round(span * k / max(n - 1, 1)))
            rows.append(
                {
                    "aspirasi_id": aid,
                    "waktu": _at(day, 9 + k),
                    "oleh": DEMO_USER,
                    "dari_status": prev,
                    "ke_status": st,
                    "catatan": "Aspirasi dicatat" if prev is None else None,
                }
            )
            prev = st
    return rows


def _janji_rows(plan, rembuk_ids, rembuk_of_asp, asp_rows, id_by_nomor, kategori, today, rng):
    kat_by_id = {k[0]: k for k in kategori}
    raised: dict[int, list[dict]] = {}
    for a, plan_i in zip(asp_rows, rembuk_of_asp, strict=True):
        if plan_i is not None:
            raised.setdefault(plan_i, []).append(a)
    rows, hist = [], []
    for plan_i, (day, kode, status) in enumerate(plan):
        if status != "terlaksana" or not raised.get(plan_i):
            continue
        picks = raised[plan_i][: int(rng.integers(1, 4))]
        for a in picks:
            kat = kat_by_id[a["kategori_id"]]
            due = day + dt.timedelta(days=int(rng.integers(30, 120)))
            age = (today - day).days
            progres = int(min(100, max(0, round(age / (due - day).days * 100 * rng.uniform(0.6, 1.3)))))
            progres = 100 if progres >= 95 else (progres // 10) * 10
            state = "selesai" if progres == 100 else ("proses" if progres > 0 else "belum")
            if state != "selesai" and rng.random() < 0.03:
                state = "batal"
            rows.append(
                {
                    "rembuk_id": rembuk_ids[plan_i],
                    "kelurahan_kode": kode,
                    "aspirasi_id": id_by_nomor[a["nomor"]],
                    "teks": f"{JANJI_TEXTS[kat[1]]} ({a['judul']})",
                    "opd_id": a["opd_id"],
                    "tenggat": due,
                    "progres": progres,
                    "status": state,
                    "is_demo": True,
                    "dibuat_pada": _at(day, 11),
                    "diubah_pada": _at(min(today, day + dt.timedelta(days=age // 2 + 1)), 11),
                    "version": 1,
                }
            )
            hist.append(
                [(day, 0, "belum", "Janji dicatat pada rembuk")]
                + (
                    [(min(today, day + dt.timedelta(days=age // 2 + 1)), progres, state, "Pembaruan progres")]
                    if progres or state == "batal"
                    else []
                )
            )
    return rows, hist


def _insert_janji(conn, rows, hist) -> int:
    _bulk_insert(conn, Janji, rows)
    ids = conn.scalars(select(Janji.id).where(Janji.is_demo).order_by(Janji.id)).all()
    hrows = [
        {"janji_id": jid, "waktu": _at(day, 12), "oleh": DEMO_USER, "progres": p, "status": s, "catatan": c}
        for jid, entries in zip(ids, hist, strict=True)
        for day, p, s, c in entries
    ]
    _bulk_insert(conn, JanjiRiwayat, hrows)
    return len(rows)


def _bimtek_events(today: dt.date) -> list[dict]:
    events = [
        {
            "tanggal": BIMTEK_2022[0],
            "judul": BIMTEK_2022[1],
            "tempat": BIMTEK_2022[2],
            "penyelenggara": "Bagian Pemerintahan Setda Kota Malang",
            "topik": BIMTEK_2022[3],
            "is_demo": True,
        }
    ]
    day = dt.date(2023, 3, 16)
    k = 0
    while day <= today:
        judul, topik = BIMTEK_FOLLOWUP[k % len(BIMTEK_FOLLOWUP)]
        events.append(
            {
                "tanggal": day,
                "judul": f"{judul} {day.year}",
                "tempat": BIMTEK_PLACES[k % len(BIMTEK_PLACES)],
                "penyelenggara": "Bagian Pemerintahan Setda Kota Malang",
                "topik": topik,
                "is_demo": True,
            }
        )
        day += dt.timedelta(days=189)  # about twice a year, on a Thursday
        k += 1
    return events


def _insert_bimtek(conn, kel_rows, today, rng) -> tuple[int, int]:
    events = _bimtek_events(today)
    _bulk_insert(conn, Bimtek, events)
    ids = conn.scalars(select(Bimtek.id).where(Bimtek.is_demo).order_by(Bimtek.tanggal)).all()
    rows = []
    for n_event, bid in enumerate(ids):
        # The 2022 event invited every kelurahan; later ones reach about half of them.
        share = 1.0 if n_event == 0 else 0.5
        for kode, _kec, rw_count, rt_count in kel_rows:
            if rng.random() > share:
                continue
            people = [("ketua_lpmk", None, None)]
            rws = sorted(
                rng.choice(np.arange(1, rw_count + 1), max(1, int(rw_count * rng.uniform(0.3, 0.8))), replace=False)
            )
            people += [("ketua_rw", int(r), None) for r in rws]
            per_rw = rt_per_rw(rw_count, rt_count)
            for r in rws[: max(1, len(rws) // 2)]:
                people.append(("ketua_rt", int(r), int(rng.integers(1, per_rw[r - 1] + 1))))
            for peran, rw, rt in people:
                nama = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
                rows.append(
                    {
                        "bimtek_id": bid,
                        "nama": nama,
                        "nama_kunci": name_key_peserta(nama),
                        "peran": peran,
                        "kelurahan_kode": kode,
                        "rw": rw,
                        "rt": rt,
                        "diundang": True,
                        "hadir": bool(rng.random() < 0.9),
                    }
                )
    _bulk_insert(conn, BimtekPeserta, rows)
    return len(ids), len(rows)


def demo_info(engine: Engine) -> dict | None:
    """What the demo generator recorded, or None when no demo data is loaded."""
    with engine.connect() as conn:
        raw = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == "demo"))
    return json.loads(raw) if raw else None


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count per table (for `python -m db stats`)."""
    from db.schema import Base

    with engine.connect() as conn:
        return {
            name: int(conn.scalar(select(func.count()).select_from(table)))
            for name, table in sorted(Base.metadata.tables.items())
        }
