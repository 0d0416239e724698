"""Mode Rembuk (projector view), Streamlit side: one slide at 1280x720 and 1920x1080 with the host
kelurahan's map, its four numbers, open aspirations per category, the janji of the last visit, overdue per
OPD and bimtek coverage; a second slide ("Rincian") holds the full tables. The counts refresh on their own
while staff capture aspirations during the meeting.

Only aggregates from ``db.rembuk.mode.mode_rembuk_data`` are shown (no personal data, no citizens' text); the
map sits outside the auto-refreshing fragments so it never redraws on a refresh. Sizes are in ``vh`` (with
a floor in px) so the slide keeps its proportions on both projectors: text >= 20 px, numbers >= 48 px.
"""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import folium
import pandas as pd
import streamlit as st

from db.foto.queries import brief_foto
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from db.settings import timezone_name
from geo import maps, rotasi_map
from report.brief_pdf import build_brief_pdf
from ui import auth, data
from ui import foto as foto_ui
from ui.components import content_key, folium_map
from ui.format import format_date, format_number

REFRESH = "5s"
SUMMARY_SLIDE, DETAILS_SLIDE, EVIDENCE_SLIDE = "Ringkasan", "Rincian", "Sebelum → Sesudah"
# On the summary slide: the largest few; the rest is summed up and listed on "Rincian".
MAX_KATEGORI = 4
MAX_OPD = 3
MAX_JANJI = 3

# Static CSS (no user text): no sidebar or header, big high-contrast type, the map as tall as the slide allows.
CSS = """<style>
[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],[data-testid='stHeader']{display:none}
.stMainBlockContainer{padding:max(10px,1.4vh) max(20px,2.2vw) 0 max(20px,2.2vw) !important;max-width:100%}
.stApp{background:#ffffff;color:#111111}
.stMain [data-testid='stVerticalBlock']{gap:max(8px,1.2vh)}
.st-key-mode_bar, .st-key-mode_bar p, .st-key-mode_bar button, .st-key-mode_bar input,
.st-key-mode_bar [data-baseweb='select'] div{font-size:max(20px,2.6vh) !important}
.stMain h1{font-size:max(34px,6vh) !important;font-weight:700;color:#0b3d91 !important;line-height:1.1;
  padding:0 !important}
.mr-sub{font-size:max(20px,2.8vh);color:#111;line-height:1.3;margin:.2em 0 0 0}
.mr-sub b{color:#0b3d91}
.mr-h{font-size:max(22px,3.1vh);font-weight:700;color:#111;margin:0 0 .25em 0;line-height:1.2}
.mr-t{font-size:max(20px,2.8vh);color:#111;line-height:1.3}
.mr-muted{color:#333}
.mr-kpis{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:max(10px,1.6vh)}
.mr-kpi{border-left:.35em solid #0b3d91;padding-left:.5em}
.mr-kpi .l{font-size:max(20px,2.8vh);color:#222;font-weight:600;line-height:1.2}
.mr-kpi .v{font-size:max(50px,7vh);font-weight:800;color:#000;line-height:1.05}
.mr-kpi.merah{border-color:#b10026}.mr-kpi.merah .v{color:#b10026}
.mr-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:max(10px,1.6vh) max(16px,2.2vw)}
.mr-grid3{display:grid;grid-template-columns:minmax(0,4fr) minmax(0,3fr) minmax(0,3fr);
  gap:max(10px,1.6vh) max(16px,2.2vw)}
.mr-bar{display:grid;grid-template-columns:minmax(0,auto) minmax(3em,1fr) auto;align-items:center;
  gap:.1em .5em;font-size:max(20px,2.8vh);line-height:1.25}
.mr-bar .k{overflow-wrap:anywhere}
.mr-bar .b{height:.8em;background:#d7301f;min-width:.2em}
.mr-bar .n{font-weight:700;text-align:right}
.mr-tab{width:100%;border-collapse:collapse;font-size:max(20px,2.8vh);line-height:1.25}
.mr-tab th{text-align:left;font-weight:700;border-bottom:2px solid #111;padding:.1em .4em .1em 0}
.mr-tab td{vertical-align:top;border-bottom:1px solid #bbb;padding:.15em .4em .15em 0}
.mr-tab td.teks{overflow-wrap:anywhere;width:100%}
.mr-tab td.n,.mr-tab th.n{text-align:right;white-space:nowrap}
.mr-tab td.s,.mr-tab th.s{white-space:nowrap}
.mr-ok{color:#0a6b2d;font-weight:700}.mr-late{color:#b10026;font-weight:700}
.mr-legend{display:flex;flex-wrap:wrap;gap:.2em .8em;font-size:max(20px,2.6vh);color:#111}
.mr-legend i{display:inline-block;width:.9em;height:.9em;border-radius:50%;margin-right:.3em;
  vertical-align:-.1em;border:1px solid #333}
.mr-bimtek{display:flex;flex-wrap:wrap;gap:0 max(18px,2.6vh)}
.mr-bimtek .v .d{font-size:.6em}
.mr-blok+.mr-blok{margin-top:max(10px,1.6vh)}
.mr-bimtek .v{font-size:max(48px,6.7vh);font-weight:800;line-height:1.05;color:#000}
.mr-bimtek .l{font-size:max(20px,2.8vh);font-weight:600;color:#222}
.mr-updated{font-size:max(20px,2.6vh);color:#222;text-align:right}
iframe[title='streamlit_folium.st_folium']{height:max(260px,calc(72vh - 195px)) !important}
</style>"""
# Inside the map frame: the map fills the frame, whose height the page's CSS above sets from the viewport.
MAP_CSS = "<style>#map_div{height:100vh !important}</style>"
LEGEND = {"lewat_tenggat": "lewat tenggat", "terbuka": "terbuka", "selesai": "semua selesai"}
CLOSED_NOTE = "Aspirasi per RW: satu titik per RW (posisi rata-rata), ukuran menurut jumlah."


def city_now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(timezone_name()))


def style() -> None:
    st.html(CSS)


def e(text: object) -> str:
    return html.escape(str(text))


def schedule(today: dt.date) -> tuple[dt.date | None, list[str]]:
    """The rembuk this screen is for: today's, else the next scheduled one (date and host codes)."""
    return rembuk_records.next_rembuk_hosts(data.engine(), today)


def pick_kelurahan(hosts: list[str]) -> str:
    """The coming rembuk's host by default (from the confirmed schedule), another selectable; kept in the URL."""
    opts = data.filter_options(data.key())
    codes = list(opts.kelurahan)
    default = hosts[0] if hosts and hosts[0] in codes else codes[0]
    kode = st.selectbox(
        "Kelurahan",
        codes,
        index=codes.index(default),
        format_func=opts.kelurahan.get,
        key="kel",
        bind="query-params",
        label_visibility="collapsed",
        width=300,
    )
    return kode or default


def pick_slide() -> str:
    """Switch between the one-slide summary and the detail (a switch, not a scroll); kept in the URL."""
    slide = st.segmented_control(
        "Tampilan",
        [SUMMARY_SLIDE, DETAILS_SLIDE, EVIDENCE_SLIDE],
        default=SUMMARY_SLIDE,
        key="slide",
        bind="query-params",
        label_visibility="collapsed",
    )
    return slide or SUMMARY_SLIDE


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def _mode_data(key: tuple, kode: str, today: dt.date) -> rembuk_mode.ModeRembuk:
    return rembuk_mode.mode_rembuk_data(data.engine(), kode, today)


def mode_data(kode: str, today: dt.date) -> rembuk_mode.ModeRembuk:
    """Keyed by the data fingerprint: any write shows at the next run (also the numbers' timed refresh), and a
    rerun with nothing changed (switching slides, the refresh of a quiet room) reads nothing."""
    return _mode_data(data.key(), kode, today)


def rembuk_caption(kode: str, tanggal_rembuk: dt.date | None, hosts: list[str], names: dict[str, str]) -> str:
    """Which Friday the screen is for: 'Rembuk Jumat, 4 Desember 2026' (and its host when it is another one)."""
    if tanggal_rembuk is None:
        return "Belum ada rembuk terjadwal"
    when = f"Rembuk {format_date(tanggal_rembuk)}"
    if kode in hosts:
        return when
    return f"{when}: tuan rumah " + ", ".join(names.get(k, k) for k in hosts)


def title(m: rembuk_mode.ModeRembuk, tanggal_rembuk: dt.date | None, hosts: list[str], names: dict[str, str]) -> None:
    st.title(f"Kelurahan {m.nama}", anchor=False)
    st.html(
        f"<p class='mr-sub'>Kecamatan {e(m.kecamatan)} · "
        f"<b>{e(rembuk_caption(m.kelurahan_kode, tanggal_rembuk, hosts, names))}</b></p>"
    )


@st.fragment
def map_section(m: rembuk_mode.ModeRembuk) -> None:
    """The kelurahan's map (zoomed to it) with its RW points; not refreshed automatically."""

    def build():
        layers = [rotasi_map.focus_layer(m.kelurahan_kode)]
        if len(m.titik_rw):  # a kelurahan without located aspirations has no RW points to draw
            layers.append(rotasi_map.rw_points_layer(m.titik_rw))
        base = maps.base_map(rotasi_map.kelurahan_bounds(m.kelurahan_kode))
        base.get_root().header.add_child(folium.Element(MAP_CSS))
        return base, [maps.layer_group(*layers)]

    shown = content_key(m.kelurahan_kode, m.titik_rw)
    folium_map(build, key=f"peta_mode_{m.kelurahan_kode}", height=420, cache_key=shown)
    items = "".join(
        f"<span><i style='background:{c}'></i>{e(LEGEND[s])}</span>" for s, c in rotasi_map.RW_POINT_COLORS.items()
    )
    st.html(f"<div class='mr-legend' title='{e(CLOSED_NOTE)}'>{items}</div>")


# --------------------------------------------------------------------------- blocks (HTML, all text escaped)


def kpis_html(m: rembuk_mode.ModeRembuk) -> str:
    items = [
        ("Aspirasi terbuka", m.terbuka, ""),
        ("Lewat tenggat", m.lewat_tenggat, " merah" if m.lewat_tenggat else ""),
        ("Masuk hari ini", m.hari_ini, ""),
        ("Total aspirasi", m.total, ""),
    ]
    cells = "".join(
        f"<div class='mr-kpi{cls}' data-kpi='{e(label)}'><div class='l'>{e(label)}</div>"
        f"<div class='v'>{e(format_number(value))}</div></div>"
        for label, value, cls in items
    )
    return f"<div class='mr-kpis'>{cells}</div>"


def kategori_rows(df: pd.DataFrame, limit: int | None) -> tuple[list[tuple[str, int]], int, int]:
    """(kategori, open) largest first, at most ``limit``; then how many categories and aspirations are left."""
    rows = [(str(k), int(n)) for k, n in zip(df["kategori"], df["terbuka"], strict=True)]
    if limit is None or len(rows) <= limit:
        return rows, 0, 0
    rest = rows[limit:]
    return rows[:limit], len(rest), sum(n for _, n in rest)


def kategori_html(m: rembuk_mode.ModeRembuk, limit: int | None = MAX_KATEGORI) -> str:
    title = "<div class='mr-h'>Aspirasi terbuka per kategori</div>"
    if m.terbuka_per_kategori.empty:
        return title + "<div class='mr-t'>Tidak ada aspirasi terbuka.</div>"
    rows, n_rest, sum_rest = kategori_rows(m.terbuka_per_kategori, limit)
    top = max(n for _, n in rows) or 1
    cells = "".join(
        f"<div class='k'>{e(k)}</div><div><div class='b' style='width:{100 * n / top:.0f}%'></div></div>"
        f"<div class='n'>{e(format_number(n))}</div>"
        for k, n in rows
    )
    more = ""
    if n_rest:
        more = (
            f"<div class='mr-t mr-muted'>+{e(format_number(n_rest))} kategori lainnya "
            f"({e(format_number(sum_rest))} aspirasi) di Rincian</div>"
        )
    return f"{title}<div class='mr-bar' data-blok='kategori'>{cells}</div>{more}"


def opd_html(m: rembuk_mode.ModeRembuk, limit: int | None = MAX_OPD) -> str:
    title = "<div class='mr-h'>Lewat tenggat per OPD</div>"
    df = m.lewat_tenggat_per_opd
    if df.empty:
        return title + "<div class='mr-t mr-ok'>Tidak ada yang lewat tenggat.</div>"
    shown = df if limit is None else df.head(limit)
    body = "".join(
        f"<tr><td>{e(r.opd)}</td><td class='n'>{e(format_number(r.aspirasi))}</td><td class='n'>{e(format_number(r.janji))}</td></tr>"  # noqa: E501
        for r in shown.itertuples()
    )
    more = ""
    if len(df) > len(shown):
        more = f"<div class='mr-t mr-muted'>+{len(df) - len(shown)} OPD lainnya di Rincian</div>"
    head = "<tr><th>OPD</th><th class='n'>Aspirasi</th><th class='n'>Janji</th></tr>"
    return f"{title}<table class='mr-tab' data-blok='opd'>{head}{body}</table>{more}"


def needed_at_rembuk_html(m: rembuk_mode.ModeRembuk) -> str:
    """OPDs with open or overdue items in this kelurahan (Kinerja OPD's rule): who should be in the room."""
    title = "<div class='mr-h'>OPD yang perlu hadir</div>"
    df = m.opd_perlu_hadir
    if df.empty:
        return title + "<div class='mr-t mr-ok'>Tidak ada aspirasi terbuka yang menunggu OPD.</div>"
    head = (
        "<tr><th>OPD</th><th class='n'>Terbuka</th><th class='n'>Lewat tenggat</th><th class='n'>Janji lewat</th></tr>"
    )
    body = "".join(
        f"<tr><td>{e(r.opd)}</td><td class='n'>{e(format_number(r.terbuka))}</td><td class='n'>{e(format_number(r.lewat_tenggat))}"  # noqa: E501
        f"</td><td class='n'>{e(format_number(r.janji_lewat_tenggat))}</td></tr>"
        for r in df.itertuples()
    )
    return f"{title}<table class='mr-tab' data-blok='perlu-hadir'>{head}{body}</table>"


def janji_status(label: str, lewat: bool) -> str:
    text = e(label) + (" · lewat tenggat" if lewat else "")
    return f"<span class='{'mr-late' if lewat else ''}'>{text}</span>"


def janji_html(m: rembuk_mode.ModeRembuk, limit: int | None = MAX_JANJI) -> str:
    when = format_date(m.rembuk_terakhir, with_weekday=False) if m.rembuk_terakhir else None
    title = f"<div class='mr-h'>Janji rembuk terakhir{' · ' + e(when) if when else ''}</div>"
    j = m.janji_terakhir
    if j.empty:
        text = "Belum pernah ada rembuk di sini." if when is None else "Tidak ada janji tercatat dari rembuk terakhir."
        return title + f"<div class='mr-t'>{text}</div>"
    shown = j if limit is None else j.head(limit)
    detail = limit is None
    head = "<tr><th>Janji</th><th>OPD</th>" + ("<th>Tenggat</th><th class='n'>Progres</th>" if detail else "")
    head += "<th>Status</th></tr>"
    rows = []
    for r in shown.itertuples():
        extra = ""
        if detail:
            tenggat = format_date(r.tenggat, with_weekday=False) if isinstance(r.tenggat, dt.date) else "–"
            extra = f"<td class='s'>{e(tenggat)}</td><td class='n'>{e(format_number(r.progres))}%</td>"
        rows.append(
            f"<tr><td class='teks'>{e(r.teks)}</td><td class='s'>{e(r.opd or '–')}</td>{extra}"
            f"<td class='s'>{janji_status(r.status_label, bool(r.lewat_tenggat))}</td></tr>"
        )
    more = ""
    if len(j) > len(shown):
        more = f"<div class='mr-t mr-muted'>+{len(j) - len(shown)} janji lainnya di Rincian</div>"
    return f"{title}<table class='mr-tab' data-blok='janji'>{head}{''.join(rows)}</table>{more}"


def bimtek_html(m: rembuk_mode.ModeRembuk, detail: bool = False) -> str:
    b = m.bimtek
    cells = [
        ("Bimtek RT", f"{e(format_number(b.rt_terlatih))}<span class='d'>/{e(format_number(b.rt_total))}</span>",
         f"{format_number(b.rt_persen, 1)}% RT terlatih"),
        ("Bimtek RW", f"{e(format_number(b.rw_terlatih))}<span class='d'>/{e(format_number(b.rw_total))}</span>",
         f"{format_number(b.rw_persen, 1)}% RW terlatih"),
        ("Bimtek LPMK", "Sudah" if b.lpmk else "Belum", "LPMK ikut bimtek" if b.lpmk else "LPMK belum ikut bimtek"),
    ]  # fmt: skip
    body = "".join(
        f"<div data-kpi='{e(label)}'><div class='l'>{e(label)}</div><div class='v'>{value}</div>"
        + (f"<div class='mr-t mr-muted'>{e(note)}</div>" if detail else "")
        + "</div>"
        for label, value, note in cells
    )
    title = "<div class='mr-h'>Cakupan bimtek</div>" if detail else ""
    return f"{title}<div class='mr-bimtek' data-blok='bimtek' title='Cakupan bimtek'>{body}</div>"


def updated() -> None:
    # A projector showing this page is in use: each refresh counts as activity (the login then lasts up to its
    # maximum age, KULAKAN_SESSION_MAKS_JAM), and a login revoked meanwhile ends the page within one refresh.
    if auth.current_actor() is None:
        st.rerun(scope="app")
    st.html(
        f"<div class='mr-updated' data-blok='diperbarui'>Diperbarui {city_now():%H.%M.%S} WIB"
        " · otomatis tiap 5 detik</div>"
    )


@st.fragment(run_every=REFRESH)
def bimtek(kode: str, today: dt.date) -> None:
    """Bimtek coverage under the map, re-read with the numbers."""
    st.html(bimtek_html(mode_data(kode, today)))


@st.fragment(run_every=REFRESH)
def summary(kode: str, today: dt.date) -> None:
    """The summary slide's numbers and lists, re-read every few seconds (the map is not in here)."""
    m = mode_data(kode, today)
    updated()
    st.html(kpis_html(m))
    st.html(f"<div class='mr-grid'><div>{kategori_html(m)}</div><div>{opd_html(m)}</div></div>")
    st.html(janji_html(m))


@st.fragment(run_every=REFRESH)
def details(kode: str, today: dt.date) -> None:
    """The detail slide: every category, every janji of the last visit, every OPD, bimtek in full."""
    m = mode_data(kode, today)
    updated()
    st.html(janji_html(m, limit=None))
    st.html(
        f"<div class='mr-grid3'><div>{kategori_html(m, limit=None)}</div>"
        f"<div>{opd_html(m, limit=None)}</div><div>{bimtek_html(m, detail=True)}</div></div>"
    )
    st.html(needed_at_rembuk_html(m))


def evidence(kode: str, today: dt.date) -> None:
    """The third slide: photos before and after of what was solved here since the last rembuk (never private)."""
    st.html("<div class='mr-h'>Sebelum → Sesudah: diselesaikan sejak rembuk terakhir</div>")
    foto_ui.before_after(kode, today, key=data.key())


def download_pdf(kode: str, today: dt.date, nama: str) -> None:
    """The printable brief, built on click from fresh data (same content as the screen)."""
    engine = data.engine()
    st.download_button(
        "Unduh ringkasan (PDF)",
        data=lambda: build_brief_pdf(
            rembuk_mode.mode_rembuk_data(engine, kode, today), dibuat=city_now(), foto=brief_foto(engine, kode, today)
        ),
        file_name=f"ringkasan-rembuk-{nama.lower().replace(' ', '-')}-{today.isoformat()}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="mode_pdf",
    )
