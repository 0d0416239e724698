"""Bimtek management tab: event form, attendance import, peserta forms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.aspirasi.status import PESERTA_ROLES
from db.auth.roles import AccessDenied, Actor
from db.bimtek import reports as bimtek_reports
from db.bimtek import services as bimtek_services
from db.bimtek.importer import import_peserta, template_csv, template_xlsx
from db.bimtek.services import BimtekData, BimtekError, PesertaData
from ui import data
from ui.bimtek import event_label
from ui.components import flash
from ui.format import format_date, format_number, plain_markdown


def current_actor() -> Actor | None:
    from ui.auth import current_actor as signed_in

    return signed_in()


# --------------------------------------------------------------------------- management


def tab_manage(k: tuple, events: pd.DataFrame) -> None:
    actor = current_actor()
    st.dataframe(
        events.assign(tanggal=[format_date(d, with_weekday=False) for d in events["tanggal"]])[
            ["tanggal", "judul", "tempat", "penyelenggara", "diundang", "hadir"]
        ].rename(
            columns={
                "tanggal": "Tanggal",
                "judul": "Judul",
                "tempat": "Tempat",
                "penyelenggara": "Penyelenggara",
                "diundang": "Diundang",
                "hadir": "Hadir",
            }
        ),
        hide_index=True,
        key="bt_tabel_acara",
    )
    labels = {int(r["id"]): event_label(r) for _, r in events.iterrows()}
    if actor is None or not actor.can("tulis"):
        st.info("Masuk sebagai staf untuk menambah atau mengubah bimtek dan peserta.", icon=":material/lock:")
        # Pimpinan still sees each event's documentation (photos marked private are filtered by role).
        if labels:
            bid = st.selectbox("Lihat dokumentasi bimtek", list(labels), format_func=labels.get, key="bt_dok_id")
            if bid is not None:
                from ui.foto import bimtek_documentation

                bimtek_documentation(bid)
        return
    with st.expander("Tambah bimtek baru", icon=":material/add:"):
        form_bimtek(actor, None, None)
    if not labels:
        return
    bid = st.selectbox("Pilih bimtek", list(labels), format_func=labels.get, key="bt_kelola_id")
    if bid is None:
        return
    with st.expander("Ubah data bimtek", icon=":material/edit:"):
        form_bimtek(actor, bid, bimtek_services.get_bimtek(data.engine(), bid))
    with st.expander("Impor daftar hadir (CSV/XLSX)", icon=":material/upload_file:", expanded=True):
        form_import(actor, bid)
    peserta_section(actor, bid)
    from ui.foto import bimtek_documentation

    bimtek_documentation(bid)  # issue 15


def form_bimtek(actor: Actor, bid: int | None, sebelum: BimtekData | None) -> None:
    suffix = bid or "baru"
    with st.form(f"bt_form_bimtek_{suffix}"):
        judul = st.text_input("Judul", value=sebelum.judul if sebelum else "", max_chars=200, key=f"bt_judul_{suffix}")
        tgl = st.date_input(
            "Tanggal",
            value=sebelum.tanggal if sebelum else data.today(),
            format="DD/MM/YYYY",
            key=f"bt_tanggal_{suffix}",
        )
        tempat = st.text_input(
            "Tempat", value=(sebelum.tempat or "") if sebelum else "", max_chars=200, key=f"bt_tempat_{suffix}"
        )
        penyelenggara = st.text_input(
            "Penyelenggara",
            value=(sebelum.penyelenggara or "") if sebelum else "Bagian Pemerintahan Setda Kota Malang",
            max_chars=200,
        )
        topik = st.text_area(
            "Topik", value=(sebelum.topik or "") if sebelum else "", max_chars=2000, key=f"bt_topik_{suffix}"
        )
        if st.form_submit_button(
            "Simpan bimtek" if bid is None else "Simpan perubahan", type="primary", key=f"bt_simpan_{suffix}"
        ):
            baru = BimtekData(judul, tgl, tempat, penyelenggara, topik)
            try:
                if bid is None:
                    bimtek_services.create_bimtek(data.engine(), actor, baru)
                    flash(
                        f"Bimtek '{baru.judul.strip()}' ditambahkan.",
                        rerun=True,
                        clear=("bt_judul_baru", "bt_tempat_baru", "bt_topik_baru"),
                    )
                else:
                    bimtek_services.update_bimtek(data.engine(), actor, bid, baru, sebelum=sebelum)
                    flash("Perubahan bimtek disimpan.", rerun=True)
            except (BimtekError, AccessDenied) as exc:
                st.error(plain_markdown(str(exc)))


def form_import(actor: Actor, bid: int) -> None:
    st.caption(
        "Kolom: nama, jabatan (Ketua RT, Pengurus RW, Ketua LPMK, ...), kelurahan, rw, rt, hadir (ya/tidak). "
        "Semua baris diperiksa dulu; bila ada yang salah, tidak ada yang disimpan. Mengimpor berkas yang sama "
        "lagi tidak menggandakan peserta."
    )
    left, right = st.columns(2)
    left.download_button(
        "Templat CSV", template_csv(), "templat-daftar-hadir.csv", "text/csv", icon=":material/download:"
    )
    right.download_button(
        "Templat XLSX",
        template_xlsx,
        "templat-daftar-hadir.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    berkas = st.file_uploader("Berkas daftar hadir", type=["csv", "xlsx"], key=f"bt_berkas_{bid}")
    if berkas is None or not st.button("Impor daftar hadir", type="primary", key="bt_impor"):
        return
    bar = st.progress(0.0, text="Memeriksa baris...")

    def progress(done: int, total: int) -> None:
        bar.progress(
            min(done / total, 1.0) if total else 1.0,
            text=f"Memproses {format_number(done)} dari {format_number(total)}",
        )

    try:
        hasil = import_peserta(data.engine(), actor, bid, berkas.getvalue(), berkas.name, progress=progress)
    except AccessDenied as exc:
        st.error(plain_markdown(str(exc)))
        return
    bar.empty()
    for warning in hasil.warnings:
        st.warning(plain_markdown(warning))
    if hasil.ok:
        flash(hasil.ringkasan(), rerun=True)
    st.error(hasil.ringkasan(), icon=":material/error:")
    st.dataframe(hasil.problems_frame(), hide_index=True, key="bt_tabel_masalah")


def peserta_section(actor: Actor, bid: int) -> None:
    st.subheader("Peserta")
    df = bimtek_reports.peserta_table(data.engine(), bid, actor)
    st.caption(
        f"{format_number(len(df))} peserta, {format_number(int(df['Hadir'].sum()))} hadir. Nama adalah data pribadi."
    )
    st.dataframe(
        df[["Nama", "Peran", "Kelurahan", "Kecamatan", "RW", "RT", "Diundang", "Hadir"]],
        hide_index=True,
        key="bt_tabel_peserta",
    )
    options = data.filter_options(data.key())
    with st.expander("Tambah peserta", icon=":material/person_add:"):
        form_peserta(actor, options, bid, None, None)
    if df.empty:
        return
    labels = {int(r["id"]): f"{r['Nama']} · {r['Peran']} · {r['Kelurahan']}" for _, r in df.iterrows()}
    pid = st.selectbox(
        "Ubah peserta", list(labels), index=None, format_func=labels.get, key="bt_ubah_pid", placeholder="Pilih..."
    )
    if pid is not None:
        row = df.set_index("id").loc[pid]
        form_peserta(actor, options, bid, pid, row)


def form_peserta(actor: Actor, options, bid: int, pid: int | None, row) -> None:
    suffix = pid or "baru"
    kel_codes = list(options.kelurahan)
    with st.form(f"bt_form_peserta_{suffix}"):
        nama = st.text_input(
            "Nama", value=row["Nama"] if row is not None else "", max_chars=120, key=f"bt_p_nama_{suffix}"
        )
        peran_list = list(PESERTA_ROLES)
        peran = st.selectbox(
            "Peran", peran_list, format_func=PESERTA_ROLES.get, key=f"bt_p_peran_{suffix}",
            index=peran_list.index(row["peran"]) if row is not None else 0,
        )  # fmt: skip
        kel = st.selectbox(
            "Kelurahan", kel_codes, format_func=options.kelurahan.get, key=f"bt_p_kel_{suffix}",
            index=kel_codes.index(row["kelurahan_kode"]) if row is not None else None, placeholder="Pilih kelurahan",
        )  # fmt: skip
        c1, c2 = st.columns(2)
        rw = c1.number_input("RW", min_value=1, max_value=99, step=1, value=_int(row, "RW"), key=f"bt_p_rw_{suffix}")
        rt = c2.number_input(
            "RT (kosongkan bila tidak tahu)",
            min_value=1,
            max_value=99,
            step=1,
            value=_int(row, "RT"),
            key=f"bt_p_rt_{suffix}",
        )
        hadir = st.checkbox("Hadir", value=bool(row["Hadir"]) if row is not None else True)
        diundang = st.checkbox("Diundang", value=bool(row["Diundang"]) if row is not None else True)
        c3, c4 = st.columns(2)
        simpan = c3.form_submit_button("Simpan peserta", type="primary", key=f"bt_p_simpan_{suffix}")
        hapus = c4.form_submit_button("Hapus peserta", key=f"bt_p_hapus_{suffix}") if pid is not None else False
    if not (simpan or hapus):
        return
    try:
        if hapus:
            bimtek_services.delete_peserta(data.engine(), actor, pid)
            flash("Peserta dihapus.", rerun=True)
        if kel is None:
            st.error("Pilih kelurahan.")
            return
        baru = PesertaData(nama, peran, kel, _num(rw), _num(rt), hadir, diundang)
        if pid is None:
            bimtek_services.add_peserta(data.engine(), actor, bid, baru)
            flash("Peserta ditambahkan.", rerun=True, clear=("bt_p_nama_baru", "bt_p_rt_baru"))
        else:
            bimtek_services.update_peserta(data.engine(), actor, pid, baru)
            flash("Perubahan peserta disimpan.", rerun=True)
    except (BimtekError, AccessDenied) as exc:
        st.error(plain_markdown(str(exc)))


def _int(row, col: str) -> int | None:
    if row is None or pd.isna(row[col]):
        return None
    return int(row[col])


def _num(value) -> int | None:
    return None if value is None else int(value)
