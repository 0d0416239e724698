"""Aspirasi write services: validation, working-day due dates, workflow, audit trail, locking, duplicates."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from db.aspirasi.services import (
    NewAspirasi,
    ValidationError,
    create_aspirasi,
    possible_duplicates,
    update_assignment,
    update_status,
)
from db.aspirasi.status import STATUS_ASPIRASI
from db.aspirasi.workflow import TRANSITIONS, TransitionRejected, check_transition
from db.auth.roles import AccessDenied, Actor
from db.errors import VersionConflict
from db.schema import Aspirasi, AspirasiRiwayat, Opd
from geo.boundaries import load_boundaries

pytestmark = pytest.mark.usefixtures("backend")

STAF = Actor("siti.staf", "staf")
PIMPINAN = Actor("wali.kota", "pimpinan")
TODAY = dt.date(2026, 11, 20)
GK = "35.73.02.1010"  # Gading Kasri (Klojen)


def baru(**kw) -> NewAspirasi:
    label = load_boundaries().kelurahan.loc[GK]
    base = dict(
        judul="Sampah menumpuk di dekat pasar",
        kategori="sampah",
        kelurahan="Gadingasri",  # a spelling variant
        rw=1,
        rt=1,
        sumber="RT",
        kanal="rembuk",
        tanggal_diterima=TODAY,
        lat=float(label["label_lat"]),
        lon=float(label["label_lon"]),
        pelapor_nama="Budi Contoh",
        pelapor_telepon="0800-0000-1111",
    )
    base.update(kw)
    return NewAspirasi(**base)


def count(engine, model=Aspirasi) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_every_transition_pair_is_allowed_or_refused_as_specified():
    for dari, ke in itertools.product(STATUS_ASPIRASI, STATUS_ASPIRASI):
        if ke in TRANSITIONS[dari]:
            check_transition(dari, ke, "alasan")  # allowed with a reason
        else:
            with pytest.raises(TransitionRejected):
                check_transition(dari, ke, "alasan")
    check_transition("dalam_proses", "selesai", None)  # resolving needs no reason
    with pytest.raises(TransitionRejected, match="wajib disertai alasan"):
        check_transition("diterima", "bukan_kewenangan", "  ")
    with pytest.raises(TransitionRejected, match="wajib disertai alasan"):
        check_transition("selesai", "dalam_proses", None)  # reopening


def test_create_fills_defaults_and_writes_history(ready_engine):
    h = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    assert h.nomor == "ASP-2026-000001" and h.peringatan == []
    with ready_engine.connect() as conn:
        aspirasi = conn.execute(select(Aspirasi.__table__).where(Aspirasi.id == h.id)).one()
        hist = conn.execute(
            select(AspirasiRiwayat.dari_status, AspirasiRiwayat.ke_status, AspirasiRiwayat.oleh).where(
                AspirasiRiwayat.aspirasi_id == h.id
            )
        ).all()
        dlh = conn.scalar(select(Opd.id).where(Opd.kode == "DLH"))
    assert aspirasi.kelurahan_kode == GK and aspirasi.opd_id == dlh and aspirasi.status == "diterima"
    assert aspirasi.terbuka and aspirasi.version == 1 and aspirasi.dibuat_oleh == "siti.staf"
    # Sampah: 5 working days after Friday 20 Nov 2026 -> Fri 27 Nov.
    assert aspirasi.tenggat == dt.date(2026, 11, 27)
    assert [tuple(r) for r in hist] == [(None, "diterima", "siti.staf")]
    assert create_aspirasi(ready_engine, STAF, baru(), today=TODAY).nomor == "ASP-2026-000002"


def test_due_date_skips_cuti_bersama_natal_weekend_and_new_year(ready_engine):
    h = create_aspirasi(ready_engine, STAF, baru(tanggal_diterima=dt.date(2026, 12, 23)), today=dt.date(2026, 12, 23))
    with ready_engine.connect() as conn:
        tenggat = conn.scalar(select(Aspirasi.tenggat).where(Aspirasi.id == h.id))
    # Wed 23 Dec + 5 working days: 24 (cuti bersama), 25 (Natal), 26-27 (weekend), 1 Jan (Tahun Baru) skipped.
    assert tenggat == dt.date(2027, 1, 4)


@pytest.mark.parametrize(
    ("kw", "field", "text"),
    [
        ({"judul": "  "}, "judul", "wajib"),
        ({"judul": "x" * 201}, "judul", "200"),
        ({"kategori": "tidak-ada"}, "kategori", "tidak dikenal"),
        ({"kelurahan": "Sawojajr"}, "kelurahan", "Sawojajar"),
        ({"rw": 99}, "rw", "tidak ada"),
        ({"rt": 99}, "rt", "tidak ada"),
        ({"sumber": "camat"}, "sumber", "Sumber"),
        ({"tanggal_diterima": TODAY + dt.timedelta(days=1)}, "tanggal_diterima", "masa depan"),
        ({"pelapor_telepon": "=HYPERLINK()"}, "pelapor_telepon", "angka"),
        ({"lat": None}, "lokasi", "sekaligus"),
    ],
)
def test_invalid_input_is_reported_per_field_and_nothing_is_written(ready_engine, kw, field, text):
    with pytest.raises(ValidationError) as err:
        create_aspirasi(ready_engine, STAF, baru(**kw), today=TODAY)
    assert text in err.value.errors[field]
    assert count(ready_engine) == 0 and count(ready_engine, AspirasiRiwayat) == 0


def test_point_outside_the_kelurahan_is_a_warning(ready_engine):
    klojen = load_boundaries().kelurahan.loc["35.73.02.1001"]
    h = create_aspirasi(
        ready_engine, STAF, baru(lat=float(klojen["label_lat"]), lon=float(klojen["label_lon"])), today=TODAY
    )
    assert h.peringatan == ["Titik lokasi berada di luar Gading Kasri (di Klojen)."]


def test_roles_are_checked_on_the_server_side(ready_engine):
    with pytest.raises(AccessDenied):
        create_aspirasi(ready_engine, PIMPINAN, baru(), today=TODAY)
    with pytest.raises(AccessDenied):
        create_aspirasi(ready_engine, Actor("staf.sukun", "staf", "35.73.04"), baru(), today=TODAY)
    assert count(ready_engine) == 0
    h = create_aspirasi(ready_engine, Actor("staf.klojen", "staf", "35.73.02"), baru(), today=TODAY)
    with pytest.raises(AccessDenied):
        update_status(ready_engine, PIMPINAN, h.id, 1, "diverifikasi")


def test_workflow_to_selesai_with_audit_trail_and_working_days(ready_engine):
    h = create_aspirasi(ready_engine, STAF, baru(tanggal_diterima=dt.date(2026, 11, 2)), today=TODAY)
    v = update_status(ready_engine, STAF, h.id, 1, "diverifikasi", "dicek di lapangan", today=TODAY)
    v = update_assignment(
        ready_engine, STAF, h.id, v, opd_kode="DPUPRPKP", prioritas="tinggi", tenggat=dt.date(2026, 12, 1)
    )
    v = update_status(ready_engine, STAF, h.id, v, "diteruskan", today=TODAY)
    v = update_status(ready_engine, STAF, h.id, v, "dalam_proses", today=TODAY)
    v = update_status(ready_engine, STAF, h.id, v, "selesai", "sudah diangkut", today=TODAY)
    assert v == 6
    with ready_engine.connect() as conn:
        a = conn.execute(
            select(
                Aspirasi.status,
                Aspirasi.terbuka,
                Aspirasi.tanggal_selesai,
                Aspirasi.hari_kerja_selesai,
                Aspirasi.prioritas,
            ).where(Aspirasi.id == h.id)
        ).one()
        hist = conn.execute(
            select(AspirasiRiwayat.dari_status, AspirasiRiwayat.ke_status, AspirasiRiwayat.catatan)
            .where(AspirasiRiwayat.aspirasi_id == h.id)
            .order_by(AspirasiRiwayat.id)
        ).all()
    # Mon 2 Nov -> Fri 20 Nov: 3-6, 9-13 and 16-20 Nov = 14 working days, none of them a holiday.
    assert tuple(a) == ("selesai", False, TODAY, 14, "tinggi")
    assert [(r[0], r[1]) for r in hist] == [
        (None, "diterima"),
        ("diterima", "diverifikasi"),
        ("diverifikasi", "diverifikasi"),
        ("diverifikasi", "diteruskan"),
        ("diteruskan", "dalam_proses"),
        ("dalam_proses", "selesai"),
    ]
    assert "OPD: DLH → DPUPRPKP" in hist[2][2] and "Prioritas: sedang → tinggi" in hist[2][2]
    # Reopening clears the resolution.
    update_status(ready_engine, STAF, h.id, v, "dalam_proses", "warga lapor masih menumpuk", today=TODAY)
    with ready_engine.connect() as conn:
        assert conn.execute(select(Aspirasi.terbuka, Aspirasi.tanggal_selesai).where(Aspirasi.id == h.id)).one() == (
            True,
            None,
        )


def test_refused_transition_writes_nothing(ready_engine):
    h = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    with pytest.raises(TransitionRejected):
        update_status(ready_engine, STAF, h.id, 1, "selesai", today=TODAY)
    with ready_engine.connect() as conn:
        assert conn.execute(select(Aspirasi.status, Aspirasi.version).where(Aspirasi.id == h.id)).one() == (
            "diterima",
            1,
        )
    assert count(ready_engine, AspirasiRiwayat) == 1


def test_second_save_on_a_stale_version_is_refused(ready_engine):
    h = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    # Two people opened version 1. The first saves...
    update_status(ready_engine, STAF, h.id, 1, "diverifikasi", today=TODAY)
    # ...the second, still on version 1, is refused, and nothing of theirs is written.
    with pytest.raises(VersionConflict, match="sudah diubah orang lain"):
        update_status(
            ready_engine, Actor("budi.staf", "staf"), h.id, 1, "tidak_dapat", "tidak ada anggaran", today=TODAY
        )
    with pytest.raises(VersionConflict):
        update_assignment(ready_engine, STAF, h.id, 1, opd_kode="DLH", prioritas="rendah", tenggat=None)
    with ready_engine.connect() as conn:
        assert conn.execute(select(Aspirasi.status, Aspirasi.version).where(Aspirasi.id == h.id)).one() == (
            "diverifikasi",
            2,
        )
    assert count(ready_engine, AspirasiRiwayat) == 2


def test_mark_as_duplicate(ready_engine):
    first = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    second = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    with pytest.raises(ValidationError):
        update_status(ready_engine, STAF, second.id, 1, "duplikat", "sama", today=TODAY, duplikat_dari=second.id)
    update_status(
        ready_engine, STAF, second.id, 1, "duplikat", "sama dengan yang pertama", today=TODAY, duplikat_dari=first.id
    )
    with ready_engine.connect() as conn:
        assert conn.scalar(select(Aspirasi.duplikat_dari_id).where(Aspirasi.id == second.id)) == first.id


def test_possible_duplicate_hints(ready_engine):
    first = create_aspirasi(ready_engine, STAF, baru(), today=TODAY)
    near = baru(judul="Tumpukan sampah", lat=baru().lat + 0.0005)  # ~55 m north, same category
    hints = possible_duplicates(ready_engine, near, today=TODAY)
    assert hints["nomor"].tolist() == [first.nomor] and "m dari lokasi" in hints["alasan"][0]
    far = baru(judul="Tumpukan sampah", lat=baru().lat + 0.002)  # ~220 m
    assert possible_duplicates(ready_engine, far, today=TODAY).empty
    similar = baru(judul="Sampah menumpuk dekat pasar", lat=None, lon=None, kategori="lainnya")
    hints = possible_duplicates(ready_engine, similar, today=TODAY)
    assert hints["nomor"].tolist() == [first.nomor] and "judul mirip" in hints["alasan"][0]
    other_rw = baru(judul="Sampah menumpuk dekat pasar", lat=None, lon=None, rw=2, rt=1)
    assert possible_duplicates(ready_engine, other_rw, today=TODAY).empty
    too_old = baru(judul="Sampah menumpuk dekat pasar", lat=None, lon=None)
    assert possible_duplicates(ready_engine, too_old, today=TODAY + dt.timedelta(days=91)).empty
