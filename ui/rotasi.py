"""The Rotasi Rembuk page (Streamlit side): cached plan, tables, the rotation map and the staff forms.

The plan is computed by ``db.rotasi.data`` (pure planner + SQL inputs); this module caches it per
data version, turns it into the tables people read, and wraps the write services with Indonesian
error messages (never a traceback).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db import workdays
from db.auth.roles import AccessDenied, Actor
from db.errors import VersionConflict
from db.rembuk.records import RembukError
from db.rotasi import data as rotasi_data
from db.rotasi.data import InvalidChange
from db.rotasi.planner import CHANGE_KINDS, SCORE_PARTS, Plan, RotasiSettings, first_friday
from db.workdays import FRIDAY
from geo import maps, rotasi_map
from ui import data, lacak, tabel
from ui.components import content_key, flash, folium_map, lazy_expander, lazy_tabs, legend
from ui.format import format_compact, format_date, format_time

ERRORS = (InvalidChange, RembukError, AccessDenied, VersionConflict, ValueError)
FRIDAY_CHOICES = 40  # Fridays offered in the staff forms
STAFF_TAB = "rotasi_kelola"  # the open tab of "Kelola jadwal" (components.lazy_tabs)
SCORE_DECIMALS = {"Skor": 1, **dict.fromkeys(SCORE_PARTS.values(), 1)}
# Short headings for the score parts (the full name is the column's tooltip): with the full names the
# planner table scrolls sideways on a 1280-pixel projector.
SCORE_HEADINGS = {
    "hari": "Lama",
    "terbuka": "Terbuka",
    "lewat_tenggat": "Tenggat",
    "janji": "Janji",
    "bimtek": "Bimtek",
}


# --------------------------------------------------------------------------- cached adapters


def key() -> tuple:
    """The app's one cache key (ui.data.key()): its fingerprint moves with a new or withdrawn manual change
    (rotasi_perubahan, audit log), the rotation settings (pengaturan) and a holiday confirmation (audit log)."""
    return data.key()


@st.cache_data(ttl=120, show_spinner=False, max_entries=16)
def status(key: tuple, today: dt.date) -> tuple[Plan, pd.DataFrame]:
    return rotasi_data.current_status(data.engine(), today)


@st.cache_data(ttl=120, show_spinner=False, max_entries=16)
def history(key: tuple) -> pd.DataFrame:
    return rotasi_data.change_history(data.engine())


# --------------------------------------------------------------------------- pure helpers


def schedule_table(plan: Plan, df: pd.DataFrame, lanjutan: bool = False) -> pd.DataFrame:
    """One row per planned host: date, kelurahan, kecamatan, score total and each of its parts."""
    names = df.set_index("kode")
    rows = []
    for slot in plan.lanjutan if lanjutan else plan.slots:
        if not slot.kelurahan:
            rows.append({"Tanggal": _friday(slot.tanggal), "Kelurahan": "–", "Keterangan": slot.catatan or ""})
            continue
        for kode in slot.kelurahan:
            skor = plan.skor.get(kode)
            row = {
                "Tanggal": _friday(slot.tanggal),
                "Kelurahan": names.at[kode, "nama"] if kode in names.index else kode,
                "Kecamatan": names.at[kode, "kecamatan"] if kode in names.index else "",
                # The same status (and so the same counts) as the map's legend and the status table.
                "Status": names.at[kode, "status_label"] if kode in names.index else "",
                "Skor": skor.total if skor else None,
            }
            for part, label in SCORE_PARTS.items():
                row[label] = skor.parts.get(part) if skor else None
            keterangan = [slot.alasan.get(kode, "")]
            if slot.kecamatan_berulang:
                keterangan.append("kecamatan berulang")
            row["Keterangan"] = "; ".join(k for k in keterangan if k)
            rows.append(row)
    cols = ["Tanggal", "Kelurahan", "Kecamatan", "Status", "Skor", *SCORE_PARTS.values(), "Keterangan"]
    return pd.DataFrame(rows, columns=cols)


def _friday(day: dt.date) -> str:
    """'27 November 2026': every planned day is a Friday (the heading says so), so no weekday."""
    return format_date(day, with_weekday=False)


def schedule_columns() -> dict:
    """column_config of the planner tables: short score headings, the full name and weighting as tooltip."""
    config = {
        "Skor": st.column_config.Column(help="Skor prioritas: jumlah bagian di kanannya (bobot × nilai).", width=55),
        "Status": st.column_config.Column(width=95),
    }
    for part, label in SCORE_PARTS.items():
        config[label] = st.column_config.Column(SCORE_HEADINGS[part], help=f"{label} (bobot × nilai)", width=64)
    return config


def skipped_table(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [{"Tanggal": format_date(x.tanggal), "Alasan": x.alasan} for x in plan.dilewati], columns=["Tanggal", "Alasan"]
    )


def status_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The per-kelurahan status table as shown (sortable: dates stay dates, numbers numbers)."""
    return pd.DataFrame(
        {
            "Kelurahan": df["nama"],
            "Kecamatan": df["kecamatan"],
            "Status": df["status_label"],
            "Tanggal": pd.to_datetime(df["tanggal"]),
            "Kunjungan terakhir": pd.to_datetime(df["kunjungan_terakhir"]),
            "Hari sejak": df["hari_sejak"],
            "Skor": df["skor"],
        }
    )


def upcoming_fridays(today: dt.date, n: int = FRIDAY_CHOICES) -> list[dt.date]:
    first = first_friday(today)
    assert first.weekday() == FRIDAY
    return [first + dt.timedelta(weeks=i) for i in range(n)]


def slot_label(plan: Plan, names: dict[str, str], day: dt.date) -> str:
    hosts = plan.hosts_on(day)
    who = ", ".join(names.get(k, k) for k in hosts) if hosts else "tanpa tuan rumah"
    return f"{format_date(day)} · {who}"


# --------------------------------------------------------------------------- sections


def summary(plan: Plan, df: pd.DataFrame) -> None:
    total = plan.total_kelurahan or 57
    c = st.columns(4)
    c[0].metric("Sudah dikunjungi (siklus ini)", f"{plan.dikunjungi} / {total}")
    c[1].metric("Perkiraan siklus selesai", format_date(plan.expected_end, with_weekday=False))
    c[2].metric("Siklus dimulai", format_date(plan.cycle_start, with_weekday=False))
    c[3].metric("Siklus selesai sebelumnya", plan.siklus_selesai)
    st.progress(
        min(plan.dikunjungi / total, 1.0),
        text=f"{plan.dikunjungi} dari {total} kelurahan sudah dikunjungi pada siklus ini",
    )
    for msg in plan.peringatan:
        st.warning(msg, icon=":material/warning:")


def schedule(plan: Plan, today: dt.date) -> None:
    st.subheader("Jumat berikutnya")
    if plan.berikutnya:
        st.caption(
            "Skor prioritas = jumlah bagian-bagiannya (bobot × nilai), lihat kolom di kanan. "
            "Urutan: skor, lalu kecamatan yang paling jarang dikunjungi, tanpa kecamatan sama dua Jumat berturut-turut."
        )
    _schedule_drawn(key(), today, False)
    if plan.lanjutan:
        lazy_expander(
            f"Perkiraan sampai siklus selesai ({len(plan.lanjutan)} Jumat lagi, sementara)",
            "rotasi_lanjutan_buka",
            lambda: _schedule_drawn(key(), today, True),
        )
    lewat = skipped_table(plan)
    st.markdown("**Jumat tanpa rembuk**")
    if lewat.empty:
        st.caption("Tidak ada Jumat yang dilewati dalam rencana ini.")
    else:
        st.dataframe(lewat, hide_index=True, key="tabel_dilewati")


@st.fragment
def map_section(df: pd.DataFrame) -> None:
    """The rotation map with its legend; reruns alone (pan/zoom never rerun the app)."""
    states = df.set_index("kode")["status"]
    dates = df.set_index("kode")["tanggal"].map(lambda d: format_date(d) if isinstance(d, dt.date) else None)

    def build():
        return maps.base_map(), [maps.layer_group(rotasi_map.rotasi_layer(states, dates.dropna()))]

    map_col, legend_col = st.columns([4, 1])
    with map_col:
        shown = content_key(states, dates)
        clicked = folium_map(build, key="peta_rotasi", cache_key=shown).kelurahan
    with legend_col:
        legend(rotasi_map.rotasi_legend(states), "Status rotasi", "Tanggal: kunjungan atau rencana kunjungan.")
        if clicked and clicked in states.index:
            row = df.set_index("kode").loc[clicked]
            st.markdown(f"**{row['nama']}**  \nKec. {row['kecamatan']}")
            st.caption(f"{row['status_label']} · {format_date(row['tanggal']) if row['tanggal'] else '–'}")


def status_table(today: dt.date) -> None:
    st.subheader("Status kelurahan")
    _status_drawn(key(), today)


# The two big tables are drawn inside cached functions of (data key, today): a rerun of the same plan replays
# the elements Streamlit built before (no table built, styled or hashed on each click).
@st.cache_data(ttl=120, show_spinner=False, max_entries=16)
def _schedule_drawn(key: tuple, today: dt.date, lanjutan: bool) -> None:
    plan, df = status(key, today)
    st.dataframe(
        tabel.indonesia(schedule_table(plan, df, lanjutan=lanjutan), SCORE_DECIMALS),
        hide_index=True,
        key=None if lanjutan else "tabel_jadwal",
        width="stretch",
        column_config=schedule_columns(),
    )


@st.cache_data(ttl=120, show_spinner=False, max_entries=16)
def _status_drawn(key: tuple, today: dt.date) -> None:
    _, df = status(key, today)
    isi = status_frame(df)
    # RT/RW answers through tracking links since each kelurahan's last visit (issue 17).
    isi[["Sudah beres", "Belum beres"]] = lacak.confirmation_column(df["kode"], today).to_numpy()
    st.dataframe(
        tabel.indonesia(isi, {"Skor": 1, "Hari sejak": 0}),
        hide_index=True,
        key="tabel_status",
        width="stretch",
        column_config={
            "Tanggal": st.column_config.Column(help="Kunjungan atau rencana kunjungan."),
            "Hari sejak": st.column_config.Column(help="Hari sejak kunjungan terakhir.", width=75),
            "Skor": st.column_config.Column(help="Skor prioritas rotasi.", width=60),
            "Sudah beres": st.column_config.Column(
                "Beres", help="Jawaban RT/RW lewat tautan lacak sejak kunjungan terakhir: sudah beres.", width=60
            ),
            "Belum beres": st.column_config.Column(
                "Belum", help="Jawaban RT/RW lewat tautan lacak sejak kunjungan terakhir: belum beres.", width=60
            ),
        },
    )


def staff_actions(actor: Actor, plan: Plan, df: pd.DataFrame, today: dt.date) -> None:
    """Staff forms (confirm, pin, swap, cancel, postpone, withdraw a change) in tabs of which only the open one
    runs (components.lazy_tabs: the forms' Friday lists cost ~25 ms a rerun), then the change log."""
    engine = data.engine()
    names = dict(zip(df["kode"], df["nama"], strict=True))
    kec = dict(zip(df["kode"], df["kecamatan"], strict=True))
    fridays = upcoming_fridays(today)
    planned = [s.tanggal for s in plan.semua_slot() if s.kelurahan]
    slot_labels = {d: slot_label(plan, names, d) for d in dict.fromkeys([*planned, *fridays])}
    label = slot_labels.get
    hist = history(key())

    def konfirmasi() -> None:
        with st.form("rotasi_konfirmasi"):
            st.caption("Mengonfirmasi membuat rembuk 'dijadwalkan' untuk Jumat itu dengan tuan rumah sesuai rencana.")
            day = st.selectbox("Jumat", planned, format_func=label, key="konf_tanggal", index=0)
            if st.form_submit_button("Konfirmasi tuan rumah", type="primary", key="konf_kirim"):
                hosts = plan.hosts_on(day) if day else []
                try:
                    rotasi_data.confirm_slot(engine, actor, day, hosts, today)
                except ERRORS as exc:
                    st.error(str(exc))
                else:
                    flash(
                        f"Tuan rumah {format_date(day)} dikonfirmasi: {', '.join(names.get(k, k) for k in hosts)}.",
                        rerun=True,
                    )

    def tetapkan() -> None:
        with st.form("rotasi_pin"):
            day = st.selectbox("Jumat", fridays, format_func=label, key="pin_tanggal")
            kode = st.selectbox(
                "Kelurahan",
                sorted(names, key=names.get),
                format_func=lambda k: f"{names[k]} ({kec[k]})",
                key="pin_kelurahan",
                index=None,
                placeholder="Pilih kelurahan",
            )
            catatan = st.text_input("Catatan (alasan)", key="pin_catatan", max_chars=300)
            if st.form_submit_button("Tetapkan", type="primary", key="pin_kirim"):
                _save(engine, actor, today, "pin", day, kelurahan_kode=kode, catatan=catatan)

    def tukar() -> None:
        with st.form("rotasi_tukar"):
            a = st.selectbox("Jumat pertama", planned, format_func=label, key="tukar_a")
            b = st.selectbox(
                "Jumat kedua", planned, format_func=label, key="tukar_b", index=min(1, max(len(planned) - 1, 0))
            )
            catatan = st.text_input("Catatan (alasan)", key="tukar_catatan", max_chars=300)
            if st.form_submit_button("Tukar", type="primary", key="tukar_kirim"):
                _save(engine, actor, today, "tukar", a, tanggal_lain=b, catatan=catatan)

    def batalkan() -> None:
        with st.form("rotasi_batal"):
            day = st.selectbox("Jumat", fridays, format_func=label, key="batal_tanggal")
            catatan = st.text_input("Alasan pembatalan", key="batal_catatan", max_chars=300)
            if st.form_submit_button("Batalkan Jumat", type="primary", key="batal_kirim"):
                _save(engine, actor, today, "batal", day, catatan=catatan)

    def tunda() -> None:
        with st.form("rotasi_tunda"):
            day = st.selectbox("Jumat", fridays, format_func=label, key="tunda_tanggal")
            ke = st.selectbox(
                "Diundur ke",
                [None, *fridays[1:]],
                format_func=lambda d: "Jumat berikutnya yang dapat dipakai" if d is None else format_date(d),
                key="tunda_ke",
            )
            catatan = st.text_input("Catatan (alasan)", key="tunda_catatan", max_chars=300)
            if st.form_submit_button("Tunda", type="primary", key="tunda_kirim"):
                _save(engine, actor, today, "tunda", day, tanggal_lain=ke, catatan=catatan)

    def tarik() -> None:
        aktif = hist[hist["aktif"]] if not hist.empty else hist
        if aktif.empty:
            st.caption("Tidak ada perubahan aktif.")
            return
        with st.form("rotasi_tarik"):
            labels = {int(r.id): _change_label(r) for r in aktif.itertuples()}
            pid = st.selectbox("Perubahan aktif", list(labels), format_func=labels.get, key="tarik_id")
            if st.form_submit_button("Tarik perubahan", key="tarik_kirim"):
                try:
                    rotasi_data.deactivate_change(engine, actor, int(pid))
                except ERRORS as exc:
                    st.error(str(exc))
                else:
                    flash(f"Perubahan #{pid} ditarik; rencana dihitung ulang.", rerun=True)

    st.subheader("Kelola jadwal")
    lazy_tabs(
        STAFF_TAB,
        {"Konfirmasi": konfirmasi, "Tetapkan": tetapkan, "Tukar": tukar, "Batalkan": batalkan, "Tunda": tunda,
         "Tarik perubahan": tarik},
    )  # fmt: skip

    st.markdown("**Riwayat perubahan**")
    if hist.empty:
        st.caption("Belum ada perubahan manual.")
    else:
        tabel.frame(
            {
                "No.": hist["id"],
                "Jenis": hist["jenis_label"],
                "Tanggal": hist["tanggal"],
                "Tanggal lain": hist["tanggal_lain"],
                "Kelurahan": hist["kelurahan"],
                "Catatan": hist["catatan"],
                "Aktif": hist["aktif"],
                "Oleh": hist["oleh"],
                "Waktu": hist["waktu"].map(format_time).astype(object),  # stored UTC, shown in WIB
            },
            dates=("Tanggal", "Tanggal lain"),
            key="tabel_riwayat",
        )


def _change_label(r) -> str:
    text = f"#{r.id} · {CHANGE_KINDS.get(r.jenis, r.jenis)} · {format_date(r.tanggal, with_weekday=False)}"
    if isinstance(r.tanggal_lain, dt.date):
        text += f" ↔ {format_date(r.tanggal_lain, with_weekday=False)}"
    if isinstance(r.kelurahan, str):
        text += f" · {r.kelurahan}"
    return text


def _save(engine, actor: Actor, today: dt.date, jenis: str, day, **kwargs) -> None:
    if jenis == "pin" and not kwargs.get("kelurahan_kode"):
        st.error("Pilih kelurahan yang akan ditetapkan.")
        return
    try:
        pid = rotasi_data.save_change(engine, actor, jenis, day, today=today, **kwargs)
    except ERRORS as exc:
        st.error(str(exc))
    else:
        flash(f"Perubahan #{pid} ({CHANGE_KINDS[jenis].lower()}) disimpan; rencana dihitung ulang.", rerun=True)


def settings_section(actor: Actor) -> None:
    """Admin: the planner's settings."""
    engine = data.engine()
    current = rotasi_data.load_settings(engine)
    with st.expander("Pengaturan rotasi (admin)", icon=":material/settings:"), st.form("rotasi_pengaturan"):
        c1, c2 = st.columns(2)
        per_jumat = c1.number_input("Kelurahan per Jumat", 1, 3, current.per_jumat, step=1, key="set_per_jumat")
        horizon = c2.number_input(
            "Cakrawala rencana (minggu)", 1, 104, current.horizon_minggu, step=1, key="set_horizon"
        )
        st.markdown("**Bobot skor prioritas**")
        b = st.columns(5)
        bobot = {}
        for col, (name, label) in zip(
            b,
            [
                ("bobot_hari", "per minggu sejak kunjungan"),
                ("bobot_terbuka", "per aspirasi terbuka"),
                ("bobot_lewat_tenggat", "per aspirasi lewat tenggat"),
                ("bobot_janji", "per janji belum dipenuhi"),
                ("bobot_bimtek", "kesenjangan bimtek RW penuh"),
            ],
            strict=True,
        ):
            bobot[name] = col.number_input(
                label, min_value=0.0, value=float(getattr(current, name)), step=0.1, key=f"set_{name}"
            )
        hari = st.number_input(
            "Hari dianggap sejak kunjungan bila belum pernah dikunjungi",
            0,
            3650,
            current.hari_tanpa_kunjungan,
            step=30,
            key="set_hari_tanpa",
        )
        if st.form_submit_button("Simpan pengaturan", type="primary", key="set_kirim"):
            try:
                new = RotasiSettings(
                    per_jumat=int(per_jumat), horizon_minggu=int(horizon), hari_tanpa_kunjungan=int(hari), **bobot
                )
                rotasi_data.save_settings(engine, actor, new)
            except ERRORS as exc:
                st.error(str(exc))
            else:
                flash("Pengaturan rotasi disimpan; rencana dihitung ulang.", rerun=True)
        st.caption(f"Terakhir: {', '.join(f'{k}={format_compact(v)}' for k, v in current.to_dict().items())}")


def plan_year(plan: Plan, today: dt.date) -> list[int]:
    """The years the plan reaches (this year up to its last Friday)."""
    days = [s.tanggal for s in plan.semua_slot()] + [x.tanggal for x in plan.dilewati] + [today]
    return list(range(min(days).year, max(days).year + 1))


def estimated_calendar(plan: Plan, today: dt.date) -> None:
    """Say plainly when the plan rests on estimated holidays (a year without a confirmed SKB list)."""
    with data.engine().connect() as conn:
        years = workdays.unconfirmed_years(conn, plan_year(plan, today))
    if years:
        st.info(
            f'Libur nasional dan cuti bersama {", ".join(map(str, years))} masih **perkiraan** (tanda "(perkiraan)"): '
            "SKB belum terbit atau belum dicocokkan admin. Jadwal Jumat pada tahun itu dapat bergeser.",
            icon=":material/event_busy:",
        )


def calendar_admin(actor: Actor, plan: Plan, today: dt.date) -> None:
    """Admin: confirm a year's holiday list once it matches the published SKB (the '(perkiraan)' marks go)."""
    engine = data.engine()
    with engine.connect() as conn:
        years = [y for y in plan_year(plan, today) if workdays.estimated_years(y)]
        done = workdays.confirmed_years(conn)
    if not years:
        return
    with st.expander("Kalender libur per tahun (admin)", icon=":material/event_available:"):
        st.caption(
            "Cocokkan libur nasional dan cuti bersama tahun itu dengan SKB yang terbit (cuti bersama diubah di "
            'Admin → Referensi), lalu konfirmasi: tanda "(perkiraan)" hilang dari jadwal.'
        )
        for y in years:
            c1, c2 = st.columns([3, 2], vertical_alignment="center")
            c1.markdown(f"**{y}**: {'sudah dikonfirmasi' if y in done else 'masih perkiraan'}")
            label = f"Cabut konfirmasi {y}" if y in done else f"Konfirmasi daftar libur {y}"
            if c2.button(label, key=f"kal_{y}"):
                try:
                    workdays.confirm_year(engine, actor, y, dikonfirmasi=y not in done)
                except ERRORS as exc:
                    st.error(str(exc))
                else:
                    flash(f"Daftar libur {y} {'dicabut konfirmasinya' if y in done else 'dikonfirmasi'}.", rerun=True)
