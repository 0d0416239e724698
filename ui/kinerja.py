"""Kinerja OPD (Streamlit side): cached reads keyed by the data fingerprint, the scorecard, the OPD
detail with a link under every number, the trend charts, the map and the Rapor downloads."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from db.aspirasi.filters import CONDITIONS, AspirasiFilter
from db.aspirasi.measures import MEASURES
from db.aspirasi.queries import FilterOptions
from db.aspirasi.status import CHANNELS, SOURCES, STATUS_LABELS
from db.auth.roles import Actor
from db.format import format_compact, format_number
from db.kinerja import periods as kinerja_periods
from db.kinerja import scorecard as kinerja_scorecard
from db.kinerja.periods import Period
from db.kinerja.scorecard import COLUMNS
from ui import data
from ui.tabel import frame

ERRORS = (ValueError, PermissionError)


# --- cached reads (key = (database URL, data fingerprint), as in ui/data.py) ----------------------

# The filter and the period are frozen dataclasses whose repr says everything they hold: hashing that is
# cheaper than Streamlit's generic walk of the object, which every rerun pays once per cached call.
_HASH = {AspirasiFilter: repr, Period: repr}


@st.cache_data(ttl=300, show_spinner=False, max_entries=64, hash_funcs=_HASH)
def scorecard(key: tuple, base: AspirasiFilter, p: Period, day: dt.date, min_sampel: int) -> pd.DataFrame:
    return kinerja_scorecard.scorecard(data.engine(), base, p, day, min_sampel)


@st.cache_data(ttl=300, show_spinner=False, max_entries=32, hash_funcs=_HASH)
def trend(key: tuple, base: AspirasiFilter, day: dt.date) -> pd.DataFrame:
    return kinerja_scorecard.trend(data.engine(), base, day)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64, hash_funcs=_HASH)
def oldest(key: tuple, base: AspirasiFilter, opd: str, day: dt.date) -> pd.DataFrame:
    return kinerja_scorecard.oldest_open(data.engine(), base, opd, day)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64, hash_funcs=_HASH)
def opd_overdue_janji(key: tuple, base: AspirasiFilter, opd: str, day: dt.date) -> pd.DataFrame:
    return kinerja_scorecard.opd_overdue_janji(data.engine(), base, opd, day)


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def needed_at_rembuk(key: tuple, kelurahan: tuple[str, ...], day: dt.date) -> pd.DataFrame:
    """OPDs with open or overdue items in the host kelurahan(s) (the Mode Rembuk page may call this too)."""
    return kinerja_scorecard.opd_needed_at_rembuk(data.engine(), kelurahan, day)


@st.cache_data(ttl=60, show_spinner=False)
def min_sample(key: tuple) -> int:
    return kinerja_periods.min_sample(data.engine())


# --- controls -------------------------------------------------------------------------------------


def filter_kinerja(options: FilterOptions, scope: str | None) -> AspirasiFilter:
    """Where and what the scorecard counts: kecamatan, kelurahan, kategori (sidebar, in the address bar).

    Own widget keys (kkec, kkel, kkat), not the Aspirasi/Peta filter's: a link followed from here
    then opens those pages with exactly the link's filter (a widget key shared across pages would
    carry this page's value over the link's).
    """
    from ui.filters import area, pick_many, scoped_options, sidebar_heading

    options = scoped_options(options, scope)
    with st.sidebar:
        sidebar_heading("Filter kinerja", options, scope)
        kec, kel = area(options, kec_key="kkec", kel_key="kkel", bind="query-params")
        kat = pick_many("Kategori", options.kategori, key="kkat", bind="query-params", placeholder="Semua kategori")
    return AspirasiFilter(kecamatan=(scope,) if scope else tuple(kec), kelurahan=tuple(kel), kategori=tuple(kat))


def period(today: dt.date) -> Period:
    """The period picker (in the address bar: ?periode=...&mulai=...&akhir=...)."""
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    jenis = c1.segmented_control(
        "Periode",
        list(kinerja_periods.PERIOD_KINDS),
        format_func=kinerja_periods.PERIOD_KINDS.get,
        default="bulan_ini",
        key="periode",
        bind="query-params",
    )
    dari = sampai = None
    if jenis == "pilih":
        dari = c2.date_input("Dari", value=today.replace(day=1), key="mulai", bind="query-params", format="DD/MM/YYYY")
        sampai = c3.date_input("Sampai", value=today, key="akhir", bind="query-params", format="DD/MM/YYYY")
    return kinerja_periods.period(jenis or "bulan_ini", today, dari, sampai)


def settings_section(actor: Actor, current: int) -> None:
    """Admin: the minimum sample for a rank (stored in the settings table, audited)."""
    if not actor.can("admin"):
        return
    with st.expander("Pengaturan kinerja (admin)", icon=":material/settings:"), st.form("kinerja_pengaturan"):
        n = st.number_input(
            "Sampel minimum untuk peringkat (aspirasi Selesai dalam periode)", 1, 1000, current, key="set_min_sampel"
        )
        if st.form_submit_button("Simpan", key="set_min_kirim"):
            try:
                kinerja_periods.save_min_sample(data.engine(), actor, int(n))
            except ERRORS as exc:
                st.error(str(exc))
            else:
                min_sample.clear()
                st.success("Pengaturan disimpan.")


# --- links ----------------------------------------------------------------------------------------


def query_params(f: AspirasiFilter, options: FilterOptions) -> dict[str, list[str] | str]:
    """The address-bar form of a filter, as the shared filter (ui/filters.py) reads it: labels, not ids."""
    q: dict[str, list[str] | str] = {}

    def put(name, values, labels):
        if values:
            q[name] = [labels.get(v, v) for v in values]

    put("kec", f.kecamatan, options.kecamatan)
    put("kel", f.kelurahan, options.kelurahan)
    put("kat", f.kategori, options.kategori)
    if f.keadaan:
        q["keadaan"] = CONDITIONS[f.keadaan]
    put("status", f.status, STATUS_LABELS)
    put("sumber", f.sumber, SOURCES)
    put("opd", f.opd, options.opd)
    put("kanal", f.kanal, CHANNELS)
    if f.dari:
        q["dari"] = f.dari.isoformat()
    if f.sampai:
        q["sampai"] = f.sampai.isoformat()
    if f.rembuk_id is not None and f.rembuk_id in options.rembuk:
        q["rembuk"] = options.rembuk[f.rembuk_id]
    if f.teks:
        q["q"] = f.teks
    if f.ukuran:
        q["ukur"] = MEASURES[f.ukuran].label
        if f.ukuran_dari:
            q["pdari"] = f.ukuran_dari.isoformat()
        if f.ukuran_sampai:
            q["psampai"] = f.ukuran_sampai.isoformat()
    return q


def list_page(actor: Actor) -> str:
    """Staff follow a number to the Aspirasi table; pimpinan (no access to it) to Peta Aspirasi."""
    return "aspirasi" if actor.can("tulis") else "peta"


def url(f: AspirasiFilter, options: FilterOptions, actor: Actor) -> str:
    return f"{list_page(actor)}?{urlencode(query_params(f, options), doseq=True)}"


def link(label: str, f: AspirasiFilter, options: FilterOptions, actor: Actor) -> None:
    """A link to the list of exactly ``f``'s rows. Inside the app it is an in-app page link, so the login
    (this browser session) is kept; a page run on its own (tests) gets a plain link with the same URL."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(
            f"views/{list_page(actor)}.py",
            label=label,
            query_params=query_params(f, options),
            icon=":material/arrow_forward:",
        )
    except StreamlitAPIException:
        st.markdown(f"[{label}]({url(f, options, actor)})")


# --- scorecard ------------------------------------------------------------------------------------


def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{format_number(float(v) * 100, 1)}%"


def _num(v) -> str:
    return "–" if v is None or pd.isna(v) else format_number(int(v))


def _med(v) -> str:
    return "–" if v is None or pd.isna(v) else format_compact(float(v))


def rank_text(row) -> str:
    return "sampel kecil" if bool(row["sampel_kecil"]) else _num(row["peringkat"])


def table(score: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as shown: Indonesian number formats, rank or 'sampel kecil'."""
    out = pd.DataFrame(
        {
            "Peringkat": [rank_text(r) for r in score.to_dict("records")],
            "OPD": score["opd"],
            "Diterima": score["diterima"].map(_num),
            "Terbuka": score["terbuka"].map(_num),
            "Lewat tenggat": score["lewat_tenggat"].map(_num),
            "Selesai": score["selesai"].map(_num),
            "Tepat waktu %": score["tepat_waktu_pct"].map(_pct),
            "Median hari kerja": score["median_hk"].map(_med),
            "Terbuka tertua (hari kerja)": score["tertua_hk"].map(_num),
            "Janji dibuat": score["janji_dibuat"].map(_num),
            "Janji ditepati tepat waktu": score["janji_ditepati"].map(_num),
            "Janji lewat tenggat": score["janji_lewat"].map(_num),
            "Dibuka kembali": score["dibuka_kembali"].map(_num),
            "Bukan kewenangan kota": score["bukan_kewenangan"].map(_num),
        }
    )
    out["Ditutup tapi belum beres"] = score["dikonfirmasi_belum_beres"].map(_num)
    return out


COLUMN_HELP = {
    "Peringkat": COLUMNS["peringkat"][1],
    "Diterima": COLUMNS["diterima"][1],
    "Terbuka": COLUMNS["terbuka"][1],
    "Lewat tenggat": COLUMNS["lewat_tenggat"][1],
    "Selesai": COLUMNS["selesai"][1],
    "Tepat waktu %": COLUMNS["tepat_waktu_pct"][1],
    "Median hari kerja": COLUMNS["median_hk"][1],
    "Terbuka tertua (hari kerja)": COLUMNS["tertua_hk"][1],
    "Janji dibuat": COLUMNS["janji_dibuat"][1],
    "Janji ditepati tepat waktu": COLUMNS["janji_ditepati"][1],
    "Janji lewat tenggat": COLUMNS["janji_lewat"][1],
    "Dibuka kembali": COLUMNS["dibuka_kembali"][1],
    "Bukan kewenangan kota": COLUMNS["bukan_kewenangan"][1],
    "Ditutup tapi belum beres": COLUMNS["dikonfirmasi_belum_beres"][1],
}


@st.cache_data(ttl=300, show_spinner=False, max_entries=64, hash_funcs=_HASH)
def _table(key: tuple, base: AspirasiFilter, p: Period, day: dt.date, minimum: int) -> pd.DataFrame:
    return table(scorecard(key, base, p, day, minimum))


# The scorecard's 15 columns, in groups that each fit a 1280-pixel projector beside the menu (all 15 together
# scroll sideways); Peringkat and OPD stay in every group. The XLSX download and the cards below have them all.
COLUMN_GROUPS = {
    "Aspirasi": ["Diterima", "Terbuka", "Lewat tenggat", "Selesai", "Tepat waktu %", "Median hari kerja",
                 "Terbuka tertua (hari kerja)"],
    "Janji rembuk": ["Janji dibuat", "Janji ditepati tepat waktu", "Janji lewat tenggat"],
    "Mutu penutupan": ["Dibuka kembali", "Bukan kewenangan kota", "Ditutup tapi belum beres"],
}  # fmt: skip
SHORT_HEADINGS = {"Terbuka tertua (hari kerja)": "Tertua (hari kerja)"}
ROW_PX = 35  # st.dataframe's row (and header) height at the default theme


def scorecard_table(key: tuple, base: AspirasiFilter, p: Period, day: dt.date, minimum: int) -> None:
    shown = _table(key, base, p, day, minimum)
    group = st.segmented_control(
        "Kolom tabel", list(COLUMN_GROUPS), default="Aspirasi", key="kinerja_kolom",
        help="Ukuran yang ditampilkan di tabel; unduhan XLSX memuat semuanya.",
    )  # fmt: skip
    headings = {c: st.column_config.TextColumn(SHORT_HEADINGS.get(c, c), help=t) for c, t in COLUMN_HELP.items()}
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        # Every OPD at once (a city has a few dozen): a last row cut in half reads as unfinished on the projector.
        height=(min(len(shown), 40) + 1) * ROW_PX + 3,
        column_order=["Peringkat", "OPD", *COLUMN_GROUPS[group or "Aspirasi"]],
        column_config=headings,
        key="kinerja_tabel",
    )
    st.caption(
        f"Periode {p.label()}, dibandingkan dengan {p.sebelumnya().label()} (panjang sama). Peringkat hanya untuk "
        f"OPD dengan sedikitnya {format_number(minimum)} aspirasi Selesai dalam periode; di bawah itu: **sampel kecil**. "  # noqa: E501
        "Arahkan kursor ke judul kolom untuk definisinya."
    )


SAME = "sama dengan periode lalu"


def _style(delta: str | None, inverse: bool = False) -> dict:
    """No change is neither good nor bad: grey and without an arrow, not a green (or red) arrow up."""
    if delta == SAME:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": "inverse" if inverse else "normal"}


def _delta(cur, prev, pct: bool = False) -> str | None:
    if cur is None or prev is None or pd.isna(cur) or pd.isna(prev):
        return None
    d = (float(cur) - float(prev)) * (100 if pct else 1)
    if d == 0:
        return SAME
    text = format_number(abs(d), 1) if pct or not float(d).is_integer() else format_number(abs(d))
    return f"{'+' if d > 0 else '-'}{text}{' poin' if pct else ''} dari periode lalu"


def detail(
    row: dict, base: AspirasiFilter, p: Period, today: dt.date, options: FilterOptions, actor: Actor, key: tuple
) -> None:
    """One OPD's numbers as cards, each with its definition and a link to exactly what it counts."""
    opd = row["opd"]
    st.subheader(f"{opd} · {row['nama']}")
    if row["sampel_kecil"]:
        st.info(
            f"Sampel kecil: {format_number(int(row['selesai']))} aspirasi Selesai dalam periode, tanpa peringkat.",
            icon=":material/info:",
        )
    else:
        st.caption(f"Peringkat {format_number(int(row['peringkat']))} dalam periode ini.")
    target = "Aspirasi" if actor.can("tulis") else "Peta Aspirasi"

    def card(col, kolom: str, value: str, *, link_kolom: str | None = None, count=None, delta=None, inverse=False):
        label, definisi = COLUMNS[kolom]
        with col.container(border=True):
            st.metric(label, value, delta=delta, **_style(delta, inverse), help=definisi)
            f = kinerja_scorecard.filter_link(base, opd, link_kolom or kolom, p, today)
            if f is not None and count is not None:
                link(f"Lihat {format_number(int(count))} aspirasi di {target}", f, options, actor)

    r1 = st.columns(4)
    card(r1[0], "diterima", _num(row["diterima"]), count=row["diterima"],
         delta=_delta(row["diterima"], row["diterima_lalu"]))  # fmt: skip
    card(r1[1], "terbuka", _num(row["terbuka"]), count=row["terbuka"])
    card(r1[2], "lewat_tenggat", _num(row["lewat_tenggat"]), count=row["lewat_tenggat"])
    card(r1[3], "tertua_hk", _num(row["tertua_hk"]), count=row["terbuka"])
    r2 = st.columns(4)
    card(
        r2[0], "selesai", _num(row["selesai"]), count=row["selesai"], delta=_delta(row["selesai"], row["selesai_lalu"])
    )
    with r2[1].container(border=True):
        label, definisi = COLUMNS["tepat_waktu_pct"]
        delta = _delta(row["tepat_waktu_pct"], row["tepat_waktu_pct_lalu"], pct=True)
        st.metric(label, _pct(row["tepat_waktu_pct"]), delta=delta, **_style(delta), help=definisi)
        f_ok = kinerja_scorecard.filter_link(base, opd, "tepat_waktu", p, today)
        f_late = kinerja_scorecard.filter_link(base, opd, "terlambat", p, today)
        late = int(row["selesai"]) - int(row["tepat_waktu"])
        link(f"Lihat {format_number(int(row['tepat_waktu']))} tepat waktu", f_ok, options, actor)
        link(f"Lihat {format_number(late)} terlambat", f_late, options, actor)
    card(r2[2], "median_hk", _med(row["median_hk"]), count=row["selesai"], inverse=True,
         delta=_delta(row["median_hk"], row["median_hk_lalu"]))  # fmt: skip
    card(r2[3], "dibuka_kembali", _num(row["dibuka_kembali"]), count=row["dibuka_kembali"], inverse=True,
         delta=_delta(row["dibuka_kembali"], row["dibuka_kembali_lalu"]))  # fmt: skip
    r3 = st.columns(4)
    for col, kolom in zip(r3[:3], ("janji_dibuat", "janji_ditepati", "janji_lewat"), strict=True):
        label, definisi = COLUMNS[kolom]
        with col.container(border=True):
            lalu = row.get(f"{kolom}_lalu")
            delta = _delta(row[kolom], lalu) if lalu is not None else None
            st.metric(label, _num(row[kolom]), delta=delta, **_style(delta), help=definisi)
            st.caption("Janji rembuk: daftarnya di bawah dan di halaman Rembuk Jumat.")
    card(r3[3], "bukan_kewenangan", _num(row["bukan_kewenangan"]), count=row["bukan_kewenangan"])
    r4 = st.columns(4)
    card(r4[0], "dikonfirmasi_belum_beres", _num(row["dikonfirmasi_belum_beres"]),
         count=row["dikonfirmasi_belum_beres"], inverse=True)  # fmt: skip

    # One under the other: side by side, each half of a 1280-pixel screen cuts the titles and texts.
    _titled_table("10 aspirasi terbuka tertua", oldest(key, base, opd, today), "Tidak ada aspirasi terbuka.",
                  lambda old: {"Nomor": old["nomor"], "Judul": old["judul"], "Kelurahan": old["kelurahan"],
                               "Umur (hari kerja)": old["umur_hk"].map(_num),
                               "Lewat tenggat": old["lewat_tenggat"].map({True: "Ya", False: "Tidak"})},
                  key="kinerja_tertua")  # fmt: skip
    _titled_table(
        "Janji lewat tenggat",
        opd_overdue_janji(key, base, opd, today),
        "Tidak ada janji yang lewat tenggat.",
        lambda jl: {
            "Janji": jl["teks"],
            "Kelurahan": jl["kelurahan"],
            "Tenggat": jl["tenggat"],
            "Progres": jl["progres"].map(lambda v: f"{int(v)}%"),
        },
        dates=("Tenggat",),
        key="kinerja_janji",
    )


def _titled_table(title: str, df: pd.DataFrame, empty: str, columns, **kwargs) -> None:
    """A bold title over the table ``columns(df)`` (ui.tabel.frame), or over ``empty`` when nothing is listed."""
    st.markdown(f"**{title}**")
    if df.empty:
        st.caption(empty)
    else:
        frame(columns(df), **kwargs)


# --- trend ----------------------------------------------------------------------------------------

# Numbers on the axes in Indonesian (thousands with a dot), whatever the browser's locale.
_AXIS_NUMBER = "replace(format(datum.value, ',d'), ',', '.')"


def trend_chart(t: pd.DataFrame, opd: str) -> alt.Chart:
    """Monthly received / Selesai / went overdue of one OPD; ordinal Indonesian month labels."""
    rows = t[t["opd"] == opd]
    long = rows.melt(
        id_vars=["label"], value_vars=["diterima", "selesai", "lewat_tenggat"], var_name="ukuran", value_name="jumlah"
    )
    names = {"diterima": "Diterima", "selesai": "Selesai", "lewat_tenggat": "Lewat tenggat"}
    long["Ukuran"] = long["ukuran"].map(names)
    long["Jumlah"] = long["jumlah"].map(format_number)
    order = rows["label"].tolist()
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", sort=order, title="Bulan", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("jumlah:Q", title="Aspirasi", axis=alt.Axis(labelExpr=_AXIS_NUMBER, tickMinStep=1)),
            color=alt.Color(
                "Ukuran:N",
                sort=["Diterima", "Selesai", "Lewat tenggat"],
                scale=alt.Scale(range=["#1f77b4", "#2ca02c", "#d62728"]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[alt.Tooltip("label:N", title="Bulan"), alt.Tooltip("Ukuran:N"), alt.Tooltip("Jumlah:N")],
        )
        .properties(height=300)
    )


def city_on_time(t: pd.DataFrame) -> pd.DataFrame:
    return kinerja_scorecard.city_on_time(t)


def city_chart(kota: pd.DataFrame) -> alt.Chart:
    df = kota.copy()
    df["Tepat waktu"] = [f"{format_number(v, 1)}%" if v is not None and not pd.isna(v) else "–" for v in df["persen"]]
    df["Selesai (n)"] = df["selesai"].map(format_number)
    return (
        alt.Chart(df)
        .mark_bar(color="#0b3d91")
        .encode(
            x=alt.X("label:O", sort=df["label"].tolist(), title="Bulan", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "persen:Q",
                title="Tepat waktu (%)",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(labelExpr=_AXIS_NUMBER),
            ),
            tooltip=[alt.Tooltip("label:N", title="Bulan"), "Tepat waktu:N", "Selesai (n):N"],
        )
        .properties(height=260)
    )


# --- downloads ------------------------------------------------------------------------------------


def downloads(
    score: pd.DataFrame, base: AspirasiFilter, p: Period, today: dt.date, filter_text: str, minimum: int,
    actor: Actor, key: tuple,
) -> None:  # fmt: skip
    """Rapor OPD as PDF (one page per OPD) and the table as XLSX, built on click, logged as exports."""
    from db.auth.users import log
    from report import rapor

    engine = data.engine()

    def pdf() -> bytes:
        t = trend(key, base, today)
        detail_of = {
            o: rapor.OpdReportCard(oldest(key, base, o, today), opd_overdue_janji(key, base, o, today))
            for o in score["opd"]
        }
        log(engine, "ekspor", actor.username, format="pdf", laporan="rapor_opd", filter=filter_text, periode=p.label())
        return rapor.build_report_card_pdf(score, t, detail_of, p, today, filter_text, minimum, dibuat=_now_wib())

    def xlsx() -> bytes:
        log(engine, "ekspor", actor.username, format="xlsx", laporan="rapor_opd", filter=filter_text, periode=p.label())
        return rapor.build_report_card_xlsx(score, p, today, filter_text)

    c1, c2 = st.columns(2)
    c1.download_button(
        "Unduh Rapor OPD (PDF)", data=pdf, file_name=f"rapor-opd-{today.isoformat()}.pdf", mime="application/pdf",
        icon=":material/picture_as_pdf:", help="Satu halaman per OPD: angka, tren, 10 terbuka tertua, janji lewat "
        "tenggat. Bertanggal, dengan periode dan filter. Tanpa data pribadi.", key="unduh_rapor_pdf",
    )  # fmt: skip
    c2.download_button(
        "Unduh tabel (XLSX)", data=xlsx, file_name=f"rapor-opd-{today.isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/table:",
        key="unduh_rapor_xlsx",
    )  # fmt: skip


def _now_wib() -> dt.datetime:
    from zoneinfo import ZoneInfo

    from db.settings import timezone_name

    return dt.datetime.now(ZoneInfo(timezone_name()))


def opd_map(base: AspirasiFilter, opd: str) -> AspirasiFilter:
    """The shared filter narrowed to one OPD (what the Peta map component draws)."""
    return replace(base, opd=(opd,))
