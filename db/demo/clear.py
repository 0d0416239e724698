"""Clearing demo data when real records point at demo records (issue 12 §4).

Real data may refer to demo data: a janji recorded on a demo rembuk, a real aspiration raised at a demo
rembuk or marked as a duplicate of a demo aspiration, a real participant added to a demo bimtek. Deleting
the demo rows then either fails on the foreign key or (for participants) would take real rows along.

Two choices, both explicit and listed first:

* **keep** (default): every demo row that real data refers to stays (with what it needs itself: its
  history, its hosts, the demo rembuk a kept demo aspiration was raised at); everything else goes.
* **termasuk terkait** (``--termasuk-terkait``): the references are detached where the column allows it
  (the rembuk or duplicate link of a real aspiration, the aspiration link of a real janji are set empty)
  and removed where it does not (a real janji of a demo rembuk, a real participant of a demo bimtek);
  then all demo rows go.

Nothing here raises on a foreign key: the plan is computed first, and the deletes follow it. Every clear
is written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, select, update

from db.aspirasi import rollups
from db.audit import write_audit
from db.schema import (
    AppMeta,
    Aspirasi,
    AspirasiRiwayat,
    Bimtek,
    BimtekPeserta,
    Janji,
    JanjiRiwayat,
    Rembuk,
    RembukKelurahan,
)

META_KEY = "demo"


@dataclass(frozen=True)
class DemoReference:
    """One real record that refers to a demo record, and what ``--termasuk-terkait`` does with it."""

    uraian: str  # 'Janji #12 "Perbaikan saluran" pada rembuk demo 22 Agustus 2025'
    tindakan: str  # 'dihapus' or 'dilepas (...)'

    def __str__(self) -> str:
        return f"{self.uraian} -> {self.tindakan}"


@dataclass
class DeleteResult:
    rujukan: list[DemoReference] = field(default_factory=list)
    disimpan: dict[str, int] = field(default_factory=dict)  # demo rows kept because real data refers to them
    dihapus: dict[str, int] = field(default_factory=dict)  # demo rows deleted

    @property
    def ada_yang_disimpan(self) -> bool:
        return any(self.disimpan.values())


class DemoReferenced(Exception):
    """Demo data cannot be replaced: real data refers to it (message in Indonesian, with the list)."""

    def __init__(self, rujukan: list[DemoReference]):
        self.rujukan = rujukan
        super().__init__(reference_message(rujukan))


def reference_message(rujukan: list[DemoReference], batas: int = 50) -> str:
    lines = [f"  - {r}" for r in rujukan[:batas]]
    if len(rujukan) > batas:
        lines.append(f"  ... dan {len(rujukan) - batas} lainnya")
    return f"{len(rujukan)} data asli merujuk ke data demo:\n" + "\n".join(lines)


def _date(day) -> str:
    from db.format import format_date

    return format_date(day, with_weekday=False)


def _short(text: str | None, n: int = 50) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def demo_peserta_ids(conn):
    """Ids of the participants the demo generator wrote (a participant has no demo flag of its own):
    participants of demo bimtek up to the highest id recorded at generation, or, for data generated
    before that was recorded, the first ``peserta`` of them by id (they were inserted in one batch)."""
    meta = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == META_KEY))
    info = json.loads(meta) if meta else {}
    of_demo = select(BimtekPeserta.id).join(Bimtek, Bimtek.id == BimtekPeserta.bimtek_id).where(Bimtek.is_demo)
    if "peserta_id_maks" in info:
        return set(conn.scalars(of_demo.where(BimtekPeserta.id <= int(info["peserta_id_maks"]))))
    n = int(info.get("peserta", 0) or 0)
    return set(conn.scalars(of_demo.order_by(BimtekPeserta.id).limit(n))) if n else set()


def references_to_demo(conn) -> tuple[list[DemoReference], dict]:
    """Real records that refer to demo records, and the raw links (for the keep/detach plans)."""
    demo_rembuk = select(Rembuk.id).where(Rembuk.is_demo)
    demo_asp = select(Aspirasi.id).where(Aspirasi.is_demo)
    demo_bimtek = select(Bimtek.id).where(Bimtek.is_demo)
    out: list[DemoReference] = []
    links: dict[str, list] = {}

    rows = conn.execute(
        select(Janji.id, Janji.teks, Rembuk.id, Rembuk.tanggal)
        .join(Rembuk, Rembuk.id == Janji.rembuk_id)
        .where(~Janji.is_demo, Janji.rembuk_id.in_(demo_rembuk))
        .order_by(Janji.id)
    ).all()
    links["janji_rembuk"] = rows
    out += [
        DemoReference(f'Janji #{j} "{_short(t)}" pada rembuk demo {_date(d)}', "dihapus (janji wajib punya rembuk)")
        for j, t, _r, d in rows
    ]
    rows = conn.execute(
        select(Janji.id, Janji.teks, Aspirasi.id, Aspirasi.nomor)
        .join(Aspirasi, Aspirasi.id == Janji.aspirasi_id)
        .where(~Janji.is_demo, Janji.aspirasi_id.in_(demo_asp))
        .order_by(Janji.id)
    ).all()
    links["janji_aspirasi"] = rows
    out += [
        DemoReference(f'Janji #{j} "{_short(t)}" terkait aspirasi demo {n}', "dilepas (tautan aspirasi dikosongkan)")
        for j, t, _a, n in rows
    ]
    rows = conn.execute(
        select(Aspirasi.id, Aspirasi.nomor, Rembuk.id, Rembuk.tanggal)
        .join(Rembuk, Rembuk.id == Aspirasi.rembuk_id)
        .where(~Aspirasi.is_demo, Aspirasi.rembuk_id.in_(demo_rembuk))
        .order_by(Aspirasi.id)
    ).all()
    links["aspirasi_rembuk"] = rows
    out += [
        DemoReference(f"Aspirasi {n} diangkat di rembuk demo {_date(d)}", "dilepas (rembuk dikosongkan)")
        for _a, n, _r, d in rows
    ]
    dup = Aspirasi.__table__.alias("dup")
    rows = conn.execute(
        select(Aspirasi.id, Aspirasi.nomor, dup.c.id, dup.c.nomor)
        .join(dup, dup.c.id == Aspirasi.duplikat_dari_id)
        .where(~Aspirasi.is_demo, dup.c.is_demo)
        .order_by(Aspirasi.id)
    ).all()
    links["aspirasi_duplikat"] = rows
    out += [
        DemoReference(
            f"Aspirasi {n} ditandai duplikat dari aspirasi demo {dn}", "dilepas (tautan duplikat dikosongkan)"
        )
        for _a, n, _d, dn in rows
    ]
    demo_pes = demo_peserta_ids(conn)
    rows = [
        r
        for r in conn.execute(
            select(BimtekPeserta.id, BimtekPeserta.nama, Bimtek.id, Bimtek.judul, Bimtek.tanggal)
            .join(Bimtek, Bimtek.id == BimtekPeserta.bimtek_id)
            .where(BimtekPeserta.bimtek_id.in_(demo_bimtek))
            .order_by(BimtekPeserta.id)
        ).all()
        if r[0] not in demo_pes
    ]
    links["peserta_bimtek"] = rows
    out += [
        DemoReference(f'Peserta #{p} "{_short(nm, 40)}" pada bimtek demo "{_short(j)}" {_date(d)}', "dihapus")
        for p, nm, _b, j, d in rows
    ]
    links["demo_peserta"] = demo_pes
    return out, links


def delete_demo(conn, termasuk_terkait: bool = False, oleh: str = "sistem") -> DeleteResult:
    """Delete the demo data in ``conn``'s transaction, keeping (default) or detaching what real data uses."""
    rujukan, links = references_to_demo(conn)
    hasil = DeleteResult(rujukan=rujukan)
    keep_asp: set[int] = set()
    keep_rembuk: set[int] = set()
    keep_bimtek: set[int] = set()
    if termasuk_terkait:
        real_janji = [r[0] for r in links["janji_rembuk"]]
        if real_janji:
            conn.execute(delete(JanjiRiwayat).where(JanjiRiwayat.janji_id.in_(real_janji)))
            conn.execute(delete(Janji).where(Janji.id.in_(real_janji)))
        if ids := [r[0] for r in links["janji_aspirasi"] if r[0] not in real_janji]:
            conn.execute(update(Janji).where(Janji.id.in_(ids)).values(aspirasi_id=None))
        if ids := [r[0] for r in links["aspirasi_rembuk"]]:
            # Detached from a demo rembuk: they leave its count in the rollups (rekap_rembuk).
            rollups.add_selection(conn, Aspirasi.id.in_(ids), sign=-1)
            conn.execute(update(Aspirasi).where(Aspirasi.id.in_(ids)).values(rembuk_id=None))
            rollups.add_selection(conn, Aspirasi.id.in_(ids), sign=1)
        if ids := [r[0] for r in links["aspirasi_duplikat"]]:
            conn.execute(update(Aspirasi).where(Aspirasi.id.in_(ids)).values(duplikat_dari_id=None))
        # Real participants of demo bimtek go with the bimtek (listed above).
    else:
        keep_rembuk = {r[2] for r in links["janji_rembuk"]} | {r[2] for r in links["aspirasi_rembuk"]}
        keep_asp = {r[2] for r in links["janji_aspirasi"]} | {r[2] for r in links["aspirasi_duplikat"]}
        keep_bimtek = {r[2] for r in links["peserta_bimtek"]}
        # A kept demo aspiration keeps what it refers to: the demo rembuk it was raised at, its duplicate.
        todo = set(keep_asp)
        while todo:
            rows = conn.execute(
                select(Aspirasi.id, Aspirasi.rembuk_id, Aspirasi.duplikat_dari_id).where(Aspirasi.id.in_(todo))
            ).all()
            todo = set()
            for _aid, rid, did in rows:
                if rid is not None:
                    keep_rembuk.add(rid)
                if did is not None and did not in keep_asp:
                    keep_asp.add(did)
                    todo.add(did)
        keep_rembuk = set(conn.scalars(select(Rembuk.id).where(Rembuk.is_demo, Rembuk.id.in_(keep_rembuk))))
        keep_asp = set(conn.scalars(select(Aspirasi.id).where(Aspirasi.is_demo, Aspirasi.id.in_(keep_asp))))

    def count(stmt) -> int:
        return int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    # Demo janji always go (nothing real can refer to a janji but its own history).
    demo_janji = select(Janji.id).where(Janji.is_demo)
    hasil.dihapus["janji"] = count(demo_janji)
    conn.execute(delete(JanjiRiwayat).where(JanjiRiwayat.janji_id.in_(demo_janji)))
    conn.execute(delete(Janji).where(Janji.is_demo))

    gone_asp = select(Aspirasi.id).where(Aspirasi.is_demo, Aspirasi.id.not_in(keep_asp))
    hasil.dihapus["aspirasi"] = count(gone_asp)
    conn.execute(delete(AspirasiRiwayat).where(AspirasiRiwayat.aspirasi_id.in_(gone_asp)))
    rollups.add_selection(conn, and_(Aspirasi.is_demo, Aspirasi.id.not_in(keep_asp)), sign=-1)
    conn.execute(delete(Aspirasi).where(Aspirasi.is_demo, Aspirasi.id.not_in(keep_asp)))

    gone_rembuk = select(Rembuk.id).where(Rembuk.is_demo, Rembuk.id.not_in(keep_rembuk))
    hasil.dihapus["rembuk"] = count(gone_rembuk)
    conn.execute(delete(RembukKelurahan).where(RembukKelurahan.rembuk_id.in_(gone_rembuk)))
    conn.execute(delete(Rembuk).where(Rembuk.is_demo, Rembuk.id.not_in(keep_rembuk)))

    gone_bimtek = select(Bimtek.id).where(Bimtek.is_demo, Bimtek.id.not_in(keep_bimtek))
    hasil.dihapus["bimtek"] = count(gone_bimtek)
    conn.execute(delete(BimtekPeserta).where(BimtekPeserta.bimtek_id.in_(gone_bimtek)))
    conn.execute(delete(Bimtek).where(Bimtek.is_demo, Bimtek.id.not_in(keep_bimtek)))

    hasil.disimpan = {"aspirasi": len(keep_asp), "rembuk": len(keep_rembuk), "bimtek": len(keep_bimtek)}
    if not hasil.ada_yang_disimpan:
        conn.execute(delete(AppMeta).where(AppMeta.kunci == META_KEY))
    if not (rujukan or any(hasil.dihapus.values())):
        return hasil
    write_audit(
        conn,
        "demo_dihapus",
        oleh,
        termasuk_terkait=termasuk_terkait,
        rujukan=len(rujukan),
        dihapus=hasil.dihapus,
        disimpan=hasil.disimpan,
    )
    return hasil
