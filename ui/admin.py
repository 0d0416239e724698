"""Admin page sections: users, reference data, audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db import admin
from db.auth.roles import ROLES, Actor
from db.auth.users import UserError, create_user
from db.export import to_csv_bytes
from ui import data, tabel
from ui.filters import pick_many


def _run(fn, *args, ok: str | None = None, **kwargs):
    """Call a service; show its Indonesian error instead of a traceback."""
    try:
        result = fn(*args, **kwargs)
    except UserError as exc:
        st.error(str(exc))
        return None
    if ok:
        st.success(ok)
    return result if result is not None else True


def users(actor: Actor) -> None:
    engine = data.engine()
    options = data.filter_options(data.key())
    users = admin.list_users(engine, actor).fillna({"Nama": "–", "Kecamatan": "Semua kecamatan"})
    st.dataframe(users, hide_index=True, width="stretch")
    left, right = st.columns(2, gap="large")
    with left, st.form("pengguna_baru", clear_on_submit=True):
        st.markdown("**Pengguna baru**")
        username = st.text_input("Nama pengguna", max_chars=64)
        nama = st.text_input("Nama lengkap", max_chars=120)
        peran = st.selectbox("Peran", ROLES, index=1)
        kec = st.selectbox("Hanya kecamatan (opsional)", [None, *options.kecamatan],
                           format_func=lambda k: options.kecamatan.get(k, "Semua kecamatan"))  # fmt: skip
        sandi = st.text_input("Kata sandi awal (min. 10 karakter; wajib diganti saat masuk)", type="password")
        if st.form_submit_button("Buat pengguna", type="primary"):
            _run(create_user, engine, actor, username, peran, sandi, nama or None, kec, sekali_pakai=True,
                 ok=f"Pengguna '{username.strip().lower()}' dibuat.")  # fmt: skip
    with right:
        users = admin.list_users(engine, actor)["Nama pengguna"].tolist()
        pilih = st.selectbox("Ubah pengguna", users, index=None, placeholder="Pilih pengguna", key="adm_pilih")
        if pilih:
            with st.form("ubah_pengguna"):
                peran = st.selectbox("Peran", ROLES, key="adm_peran")
                aktif = st.checkbox("Aktif", value=True, key="adm_aktif")
                kec = st.selectbox("Hanya kecamatan", [None, *options.kecamatan], key="adm_kec",
                                   format_func=lambda k: options.kecamatan.get(k, "Semua kecamatan"))  # fmt: skip
                if st.form_submit_button("Simpan perubahan"):
                    _run(admin.update_user, engine, actor, pilih, peran=peran, aktif=aktif, kecamatan_kode=kec,
                         ok="Perubahan disimpan.")  # fmt: skip
            if st.button("Atur ulang kata sandi", key="adm_reset"):
                sandi = _run(admin.reset_password, engine, actor, pilih)
                if sandi:
                    st.warning(f"Kata sandi sekali pakai untuk **{pilih}**: `{sandi}` — sampaikan secara pribadi; "
                               "tidak akan ditampilkan lagi.")  # fmt: skip
    sessions_and_limits(actor)


def reference(actor: Actor) -> None:
    engine = data.engine()
    st.markdown("**Cuti bersama** (hari kerja dan jadwal rembuk melewatinya; libur nasional dari paket `holidays`)")
    cuti = admin.list_cuti_bersama(engine)
    c1, c2 = st.columns([3, 2], gap="large")
    c1.dataframe(cuti, hide_index=True, height=300, width="stretch")
    with c2:
        with st.form("cuti_baru", clear_on_submit=True):
            tanggal = st.date_input("Tanggal", value=None, format="DD/MM/YYYY")
            ket = st.text_input("Keterangan", max_chars=160)
            if st.form_submit_button("Tambah") and tanggal:
                _run(admin.add_cuti_bersama, engine, actor, tanggal, ket, ok="Ditambahkan.")
        hapus = st.selectbox("Hapus tanggal", cuti["Tanggal"].tolist()[::-1], index=None, placeholder="Pilih tanggal")
        if hapus and st.button("Hapus dari daftar"):
            _run(admin.delete_cuti_bersama, engine, actor, hapus, ok="Dihapus.")
    st.divider()
    st.markdown("**Kategori**: OPD bawaan dan target layanan (berlaku untuk aspirasi yang dicatat sesudahnya)")
    kat = admin.list_kategori(engine)
    st.dataframe(kat, hide_index=True, width="stretch")
    options = data.filter_options(data.key())
    names = dict(zip(kat["Kode"], kat["Kategori"], strict=True))
    kode = st.selectbox("Ubah kategori", kat["Kode"].tolist(), format_func=names.get, key="adm_kat")
    current = kat.set_index("Kode").loc[kode]
    opds = list(options.opd)
    with st.form("kategori"):
        at = opds.index(current["OPD bawaan"]) if current["OPD bawaan"] in opds else 0
        opd = st.selectbox("OPD bawaan", opds, index=at, key=f"adm_opd_{kode}")
        sla = st.number_input("Target (hari kerja)", 1, 365, int(current["Target (hari kerja)"]), key=f"adm_sla_{kode}")
        if st.form_submit_button("Simpan kategori"):
            _run(
                admin.update_kategori,
                engine,
                actor,
                kode,
                opd_kode=opd,
                sla_hari_kerja=int(sla),
                ok="Kategori disimpan.",
            )
    from ui.foto import admin_evidence

    admin_evidence(actor)  # issue 15


def audit_log(actor: Actor) -> None:
    jenis_label = {None: "Semua", "login": "Masuk/keluar", "ekspor": "Ekspor", "pengguna": "Pengguna",
                   "impor": "Impor", "status": "Perubahan status"}  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    jenis = c1.selectbox("Jenis", list(jenis_label), format_func=jenis_label.get)
    oleh = c2.text_input("Oleh (nama pengguna)", max_chars=64)
    dari = c3.date_input("Dari", value=None, format="DD/MM/YYYY")
    sampai = c4.date_input("Sampai", value=None, format="DD/MM/YYYY")
    filters = {"jenis": jenis, "oleh": oleh.strip().lower() or None, "dari": dari, "sampai": sampai}
    # Keyset pages: the keys of the pages seen so far (None = the newest), reset when a filter changes.
    if st.session_state.get("audit_filter") != filters:
        st.session_state["audit_filter"], st.session_state["audit_pages"] = filters, [None]
    pages: list = st.session_state["audit_pages"]
    page = admin.list_audit(data.engine(), actor, **filters, after=pages[-1])
    df = page.rows
    st.caption(f"Halaman {len(pages)} · {len(df)} entri, terbaru dulu ({admin.AUDIT_PAGE} per halaman).")
    st.dataframe(df, hide_index=True, width="stretch")
    prev, nxt, csv = st.columns([1, 1, 2])
    if prev.button("Sebelumnya", disabled=len(pages) == 1, icon=":material/chevron_left:", key="audit_sebelumnya"):
        pages.pop()
        st.rerun()
    if nxt.button("Berikutnya", disabled=page.next is None, icon=":material/chevron_right:", key="audit_berikutnya"):
        pages.append(page.next)
        st.rerun()
    csv.download_button(
        "Unduh CSV halaman ini", to_csv_bytes(df), "log-audit.csv", "text/csv", icon=":material/download:"
    )


def _wib(ts) -> str:
    """A UTC timestamp as the city reads it: 'Jumat, 20 November 2026 09.05 WIB'."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from db.format import format_date
    from db.settings import timezone_name

    if not isinstance(ts, dt.datetime) or pd.isna(ts):
        return "—"
    local = ts.astimezone(ZoneInfo(timezone_name()))
    return f"{format_date(local.date())} {local:%H.%M} {local.tzname() or ''}".strip()


_THROTTLE_KINDS = {"pasangan": "Nama pengguna dari alamat", "alamat": "Alamat (semua nama)", "nama": "Nama pengguna"}


def sessions_and_limits(actor: Actor) -> None:
    """Live login sessions (revoke) and login throttles (clear); every action lands in the audit log."""
    from db.auth import sessions, throttle

    engine = data.engine()

    def cabut() -> None:
        n = sessions.revoke_by_admin(engine, actor, st.session_state.get("adm_sesi") or [])
        st.session_state["adm_sesi_pesan"] = f"{n} sesi dicabut; peramban itu akan melihat formulir masuk."
        st.session_state["adm_sesi"] = []

    def hapus() -> None:
        n = throttle.delete_throttle_by_admin(engine, actor, st.session_state.get("adm_thr") or [])
        st.session_state["adm_sesi_pesan"] = f"{n} pembatasan dihapus."
        st.session_state["adm_thr"] = []

    st.divider()
    if pesan := st.session_state.pop("adm_sesi_pesan", None):
        st.success(pesan)
    st.subheader("Sesi masuk aktif")
    df = sessions.list_sessions(engine, actor)
    if df.empty:
        st.caption("Tidak ada sesi aktif.")
    else:
        view = pd.DataFrame(
            {
                "Nama pengguna": df["username"],
                "Masuk": [_wib(v) for v in df["dibuat"]],
                "Terakhir aktif": [_wib(v) for v in df["terakhir_aktif"]],
                "Berakhir": [_wib(v) for v in df["kedaluwarsa"]],
                "Alamat (sidik)": ["#" + h if h else "—" for h in df["alamat_hash"]],
            }
        )
        st.dataframe(view, hide_index=True, width="stretch")
        labels = {int(r.id): f"{r.username} · masuk {_wib(r.dibuat)}" for r in df.itertuples()}
        pilih = pick_many("Sesi yang akan dicabut", labels, key="adm_sesi", placeholder="Pilih sesi")
        st.button("Cabut sesi terpilih", key="adm_sesi_cabut", disabled=not pilih, on_click=cabut)

    st.subheader("Pembatasan login")
    st.caption(
        "Percobaan masuk dihitung per nama pengguna dari satu alamat, per alamat dan per nama pengguna; "
        "kegagalan menambah jeda yang makin panjang. Alamat hanya disimpan tersamar."
    )
    tf = throttle.list_throttle(engine, actor)
    if tf.empty:
        st.caption("Tidak ada pembatasan yang berjalan.")
        return
    tabel.frame(
        {
            "Jenis": [_THROTTLE_KINDS.get(j, j) for j in tf["jenis"]],
            "Siapa": tf["label"],
            "Percobaan": tf["percobaan"].astype(int),
            "Ditahan sampai": [_wib(v) for v in tf["tahan_sampai"]],
            "Terakhir": [_wib(v) for v in tf["terakhir"]],
        },
        width="stretch",
    )
    labels = {r.kunci: f"{_THROTTLE_KINDS.get(r.jenis, r.jenis)}: {r.label}" for r in tf.itertuples()}
    pilih = pick_many("Pembatasan yang akan dihapus", labels, key="adm_thr", placeholder="Pilih pembatasan")
    st.button("Hapus pembatasan terpilih", key="adm_thr_hapus", disabled=not pilih, on_click=hapus)
