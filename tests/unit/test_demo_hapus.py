"""Issue 12 §4: clear-demo / seed-demo when real records point at demo records: explained in Indonesian,
keep (default) or --termasuk-terkait, never a traceback, never real data lost silently."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, update

from db.__main__ import main
from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.schema import AppMeta, Aspirasi, Bimtek, BimtekPeserta, Janji, LogAudit, Rembuk
from tests.conftest import DEMO_TODAY


@pytest.fixture
def db(ready_engine, monkeypatch):
    monkeypatch.setenv("KULAKAN_DATABASE_URL", ready_engine.url.render_as_string(hide_password=False))
    generate_demo(ready_engine, n_aspirasi=120, seed=4, today=DEMO_TODAY)
    return ready_engine


def count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def real_refs(db):
    """A real janji on a demo rembuk (linked to a demo aspiration), a real aspiration raised at a demo rembuk,
    a real participant of a demo bimtek."""
    with db.begin() as conn:
        rembuk_id, kel = conn.execute(
            select(Rembuk.id, Janji.kelurahan_kode).join(Janji, Janji.rembuk_id == Rembuk.id).where(Rembuk.is_demo)
        ).first()
        demo_asp = conn.scalar(select(Aspirasi.id).where(Aspirasi.is_demo).order_by(Aspirasi.id.desc()))
        janji_id = conn.execute(
            insert(Janji)
            .values(rembuk_id=rembuk_id, kelurahan_kode=kel, aspirasi_id=demo_asp, teks="Janji asli: perbaiki PJU")
            .returning(Janji.id)
        ).scalar_one()
        bimtek_id = conn.scalar(select(Bimtek.id).where(Bimtek.is_demo).order_by(Bimtek.id))
        peserta_id = conn.execute(
            insert(BimtekPeserta)
            .values(
                bimtek_id=bimtek_id,
                nama="Peserta Asli",
                nama_kunci="peserta asli",
                peran="ketua_rw",
                kelurahan_kode=kel,
                rw=1,
            )
            .returning(BimtekPeserta.id)
        ).scalar_one()
    item = NewAspirasi(judul="Aspirasi asli di rembuk demo", kategori="pju", kelurahan=kel, rw=None, rt=None)
    asp = create_aspirasi(db, Actor("staf.uji", "staf"), item, DEMO_TODAY)
    with db.begin() as conn:
        conn.execute(update(Aspirasi).where(Aspirasi.id == asp.id).values(rembuk_id=rembuk_id))
    return {"janji": janji_id, "peserta": peserta_id, "aspirasi": asp.id, "rembuk": rembuk_id, "demo_asp": demo_asp}


def test_clear_without_references_removes_all_demo(db, capsys):
    assert main(["clear-demo"]) == 0
    assert "Data demo dihapus" in capsys.readouterr().out
    assert count(db, Aspirasi, Aspirasi.is_demo) == count(db, Rembuk, Rembuk.is_demo) == 0
    assert count(db, Bimtek, Bimtek.is_demo) == count(db, BimtekPeserta) == count(db, AppMeta) == 0


def test_clear_keeps_referenced_demo_rows_and_says_which(db, real_refs, capsys):
    before_demo = count(db, Aspirasi, Aspirasi.is_demo)
    assert main(["clear-demo"]) == 0
    out = capsys.readouterr().out
    assert "DISIMPAN karena dirujuk data asli" in out
    assert f'Janji #{real_refs["janji"]} "Janji asli: perbaiki PJU" pada rembuk demo' in out
    assert "Aspirasi ASP-" in out and "diangkat di rembuk demo" in out
    assert f'Peserta #{real_refs["peserta"]} "Peserta Asli" pada bimtek demo' in out
    assert "--termasuk-terkait" in out
    # Real rows untouched, the demo rows they use kept, the rest gone.
    assert count(db, Janji, Janji.id == real_refs["janji"]) == 1
    assert count(db, BimtekPeserta, BimtekPeserta.id == real_refs["peserta"]) == 1
    with db.connect() as conn:
        assert (
            conn.scalar(select(Aspirasi.rembuk_id).where(Aspirasi.id == real_refs["aspirasi"])) == real_refs["rembuk"]
        )
    assert count(db, Rembuk, Rembuk.is_demo) >= 1
    assert 1 <= count(db, Aspirasi, Aspirasi.is_demo) < before_demo
    assert count(db, Aspirasi, Aspirasi.id == real_refs["demo_asp"]) == 1
    assert count(db, Janji, Janji.is_demo) == 0
    assert count(db, LogAudit, LogAudit.aksi == "demo_dihapus") == 1
    # Running it again is harmless and says the same.
    assert main(["clear-demo"]) == 0
    assert "DISIMPAN" in capsys.readouterr().out


def test_clear_termasuk_terkait_lists_then_detaches_or_removes(db, real_refs, capsys):
    assert main(["clear-demo", "--termasuk-terkait"]) == 0
    out = capsys.readouterr().out
    assert out.index("Dengan --termasuk-terkait") < out.index("Data demo dihapus")  # listed before
    assert "dihapus (janji wajib punya rembuk)" in out and "dilepas (rembuk dikosongkan)" in out
    assert count(db, Janji, Janji.id == real_refs["janji"]) == 0  # had to go: a janji needs its rembuk
    assert count(db, BimtekPeserta, BimtekPeserta.id == real_refs["peserta"]) == 0
    with db.connect() as conn:
        assert conn.scalar(select(Aspirasi.rembuk_id).where(Aspirasi.id == real_refs["aspirasi"])) is None
    assert count(db, Aspirasi, Aspirasi.id == real_refs["aspirasi"]) == 1  # the real aspiration stays
    assert count(db, Aspirasi, Aspirasi.is_demo) == count(db, Rembuk, Rembuk.is_demo) == 0
    assert count(db, Bimtek, Bimtek.is_demo) == 0


def test_seed_demo_refuses_without_the_flag_and_changes_nothing(db, real_refs, capsys):
    before = (count(db, Aspirasi), count(db, Rembuk), count(db, Janji), count(db, BimtekPeserta))
    assert main(["seed-demo", "--aspirasi", "50", "--seed", "9", "--today", DEMO_TODAY.isoformat()]) == 1
    err = capsys.readouterr().err
    assert "Data demo TIDAK diganti" in err and "4 data asli merujuk ke data demo" in err
    assert "Traceback" not in err and "IntegrityError" not in err
    assert (count(db, Aspirasi), count(db, Rembuk), count(db, Janji), count(db, BimtekPeserta)) == before
    args = ["seed-demo", "--aspirasi", "50", "--seed", "9", "--today", DEMO_TODAY.isoformat(), "--termasuk-terkait"]
    assert main(args) == 0
    assert count(db, Aspirasi, Aspirasi.is_demo) == 50
    assert count(db, Aspirasi, Aspirasi.id == real_refs["aspirasi"]) == 1
