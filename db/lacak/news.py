"""The RW news digest (kabar) and its WhatsApp text."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import Engine, and_, case, func, literal, select

from db.aspirasi.status import aspirasi_overdue, status_label
from db.format import format_date
from db.lacak.links import ConfirmationRejected, hash_token
from db.schema import (
    Aspirasi,
    Kategori,
    Kecamatan,
    Kelurahan,
    LacakToken,
    Rembuk,
    RembukKelurahan,
)
from db.sql import count_if

# --- RW digest (kabar RW) -------------------------------------------------------------------------

MAX_NEWS_ITEMS = 40
GROUPS = {
    "selesai": "✅ *Selesai*",
    "proses": "🔧 *Dalam proses*",
    "menunggu": "⏳ *Menunggu*",
    "lewat": "⚠️ *Lewat tenggat*",
    "ditutup": "▪️ *Ditutup tanpa penyelesaian*",
}
_IN_PROGRESS = ("diteruskan", "dalam_proses")


def group(status: str, terbuka: bool, lewat_tenggat: bool) -> str:
    """Which section of the digest an aspiration goes to (overdue wins over in-process/waiting)."""
    if status == "selesai":
        return "selesai"
    if not terbuka:
        return "ditutup"
    if lewat_tenggat:
        return "lewat"
    return "proses" if status in _IN_PROGRESS else "menunggu"


@dataclass(frozen=True)
class NewsItem:
    aspirasi_id: int
    nomor: str
    judul: str
    kategori: str
    rw: int | None
    kelompok: str
    status_label: str
    dari_rembuk_terakhir: bool


@dataclass(frozen=True)
class News:
    kelurahan_kode: str
    kelurahan: str
    kecamatan: str
    rw: int | None  # None: semua RW
    tanggal: dt.date
    rembuk_terakhir: dt.date | None
    diangkat: int  # raised at the last rembuk (in this RW)
    items: list[NewsItem]
    lainnya: int  # matching items left out (over MAKS_ITEM_KABAR)


def rw_news(engine: Engine, kelurahan_kode: str, rw: int | None, today: dt.date) -> News:
    """The digest content of a kelurahan (one RW, or all): what was raised at its last rembuk (held on or
    before ``today``), what is open, and what was closed since that rembuk. Items raised at the last
    rembuk first, then overdue, then the rest; at most MAKS_ITEM_KABAR."""
    with engine.connect() as conn:
        kel = conn.execute(
            select(Kelurahan.nama, Kecamatan.nama)
            .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
            .where(Kelurahan.kode == kelurahan_kode)
        ).first()
        if kel is None:
            raise ConfirmationRejected("Kelurahan tidak dikenal.")
        last = conn.execute(
            select(Rembuk.id, Rembuk.tanggal)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(
                RembukKelurahan.kelurahan_kode == kelurahan_kode,
                Rembuk.status == "terlaksana",
                Rembuk.tanggal <= today,
            )
            .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc())
            .limit(1)
        ).first()
        dari_rembuk = (Aspirasi.rembuk_id == last.id) if last is not None else literal(False)
        ditutup_sejak = (
            and_(Aspirasi.terbuka.is_(False), Aspirasi.tanggal_selesai >= last.tanggal)
            if last is not None
            else literal(False)
        )
        lewat = aspirasi_overdue(today)
        where = [Aspirasi.kelurahan_kode == kelurahan_kode, dari_rembuk | Aspirasi.terbuka.is_(True) | ditutup_sejak]
        if rw is not None:
            where.append(Aspirasi.rw == rw)
        total, diangkat = conn.execute(select(func.count(Aspirasi.id), count_if(dari_rembuk)).where(*where)).one()
        rows = conn.execute(
            select(
                Aspirasi.id,
                Aspirasi.nomor,
                Aspirasi.judul,
                Kategori.nama.label("kategori"),
                Aspirasi.rw,
                Aspirasi.status,
                Aspirasi.terbuka,
                lewat.label("lewat"),
                dari_rembuk.label("dari_rembuk"),
            )
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .where(*where)
            .order_by(
                case((dari_rembuk, 0), else_=1),
                case((lewat, 0), else_=1),
                Aspirasi.tanggal_diterima,
                Aspirasi.id,
            )
            .limit(MAX_NEWS_ITEMS)
        ).all()
    items = [
        NewsItem(
            int(r.id), r.nomor, r.judul, r.kategori, r.rw,
            group(r.status, bool(r.terbuka), bool(r.lewat)), status_label(r.status), bool(r.dari_rembuk),
        )
        for r in rows
    ]  # fmt: skip
    return News(
        kelurahan_kode, kel[0], kel[1], rw, today, last.tanggal if last is not None else None,
        int(diangkat or 0), items, max(int(total) - len(items), 0),
    )  # fmt: skip


def safe_text(value: str, batas: int = 90) -> str:
    """Citizen text for a WhatsApp message: control, zero-width and direction characters removed (a
    right-to-left override would visually reorder the link after it), whitespace folded, shortened."""
    clean = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value))
    clean = "".join(ch for ch in clean if unicodedata.category(ch) != "Cf")
    clean = " ".join(clean.split())
    return clean if len(clean) <= batas else clean[: batas - 1].rstrip() + "…"


def _area(k: News) -> str:
    return f"Kelurahan {k.kelurahan}" + (f" · RW {k.rw:02d}" if k.rw is not None else " · semua RW")


def news_text(k: News, tautan_per_id: dict[int, str]) -> str:
    """The WhatsApp-ready Indonesian text of a digest; ``tautan_per_id`` = {aspirasi id: tracking link}."""
    lines = [f"*Kabar Kulakan · {_area(k)}*", f"Kec. {k.kecamatan} · per {format_date(k.tanggal)}", ""]
    if k.rembuk_terakhir is not None:
        diangkat = (
            f"{k.diangkat} aspirasi diangkat (tanda ★)"
            if k.diangkat
            else "tidak ada aspirasi wilayah ini yang diangkat"
        )
        lines.append(f"Rembuk terakhir: {format_date(k.rembuk_terakhir)} · {diangkat}.")
    else:
        lines.append("Belum ada rembuk yang terlaksana di kelurahan ini.")
    if not k.items:
        lines += ["", "Tidak ada aspirasi terbuka atau yang baru selesai untuk wilayah ini."]
    for kode, judul in GROUPS.items():
        grup = [i for i in k.items if i.kelompok == kode]
        if not grup:
            continue
        lines += ["", f"{judul} ({len(grup)})"]
        for i in grup:
            rw = f" · RW {i.rw:02d}" if i.rw is not None else ""
            status = f" · {i.status_label}" if kode == "ditutup" else ""
            lines.append(f"• {'★ ' if i.dari_rembuk_terakhir else ''}{i.nomor} · {i.kategori}{rw}{status}")
            lines.append(f"  {safe_text(i.judul)}")
            if i.aspirasi_id in tautan_per_id:
                lines.append(f"  Lacak: {tautan_per_id[i.aspirasi_id]}")
    if k.lainnya:
        lines += ["", f"…dan {k.lainnya} aspirasi lainnya tidak dimuat; tanyakan ke kelurahan."]
    lines += [
        "",
        "Buka tautan *Lacak* untuk melihat perkembangannya. Bila sudah Selesai, mohon jawab di sana: "
        "*Sudah beres* atau *Belum beres*.",
    ]
    return "\n".join(lines)


def whatsapp_link(text: str) -> str:
    """The "Kirim lewat WhatsApp" link: the staff member picks the group in WhatsApp."""
    return "https://wa.me/?text=" + quote(text, safe="")


def still_live(engine: Engine, tokens: dict[int, str]) -> dict[int, str]:
    """The subset of {aspirasi id: token} whose token is still live for that aspiration (e.g. the links
    a staff member issued earlier in this session, before reusing them in a digest)."""
    if not tokens:
        return {}
    by_hash = {hash_token(t): (i, t) for i, t in tokens.items()}
    with engine.connect() as conn:
        rows = conn.execute(
            select(LacakToken.token_hash, LacakToken.aspirasi_id).where(
                LacakToken.token_hash.in_(list(by_hash)), LacakToken.dicabut_pada.is_(None)
            )
        ).all()
    return {by_hash[h][0]: by_hash[h][1] for h, aid in rows if by_hash[h][0] == aid}
