"""The staff workspace for aspirations: table, detail, workflow, intake (also quick capture), import, export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.exc import OperationalError

from db.aspirasi import listing as aspirasi_listing
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.importer import import_aspirasi, template_csv, template_xlsx
from db.aspirasi.queries import FilterOptions
from db.aspirasi.services import (
    NewAspirasi,
    ValidationError,
    create_aspirasi,
    possible_duplicates,
    update_assignment,
    update_status,
)
from db.aspirasi.status import CHANNELS, PRIORITIES, SOURCES, status_label
from db.aspirasi.workflow import TransitionRejected, can_move_to, needs_reason
from db.auth.roles import AccessDenied, Actor
from db.errors import VersionConflict
from db.format import format_time
from db.privacy import can_see, mask_name, mask_phone
from geo import maps
from geo.boundaries import load_boundaries
from ui import data, labels, lacak
from ui import foto as foto_ui
from ui.components import content_key, folium_map
from ui.format import format_number

MEASURES = [25, 50, 100]
SELECTED = "aspirasi_terpilih"


# --- cached reads ------------------------------------------------------------------------------


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def _count(key: tuple, f: AspirasiFilter) -> int:
    return aspirasi_listing.count(data.engine(), f)


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def _page(key: tuple, f: AspirasiFilter, day: dt.date, urut: str, turun: bool, nomor: int, ukuran: int):
    return aspirasi_listing.page(data.engine(), f, day, urut, turun, nomor, ukuran)


def kelurahan_labels(options: FilterOptions) -> dict[str, str]:
    """'Gading Kasri — Klojen (Gadingkasri, Gadingasri, ...)' so any known spelling finds it when typing."""
    variants: dict[str, list[str]] = {}
    wilayah = load_boundaries().wilayah
    for kode, row in wilayah.iterrows():
        variants[kode] = [a.strip() for a in row["alias"].split(";") if a.strip()]
    return {
        kode: f"{nama} — {options.kecamatan[options.kelurahan_kecamatan[kode]]}"
        + (f" ({', '.join(variants[kode])})" if variants.get(kode) else "")
        for kode, nama in sorted(options.kelurahan.items(), key=lambda kv: kv[1])
    }


# --- table -------------------------------------------------------------------------------------


def table(f: AspirasiFilter, today: dt.date, key: tuple) -> int | None:
    """The paged table; returns the id of the selected row (or None)."""
    total = _count(key, f)
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    c1.metric("Hasil", format_number(total))
    urut = c2.selectbox(
        "Urutkan",
        list(aspirasi_listing.SORT_ORDER),
        format_func=labels.SORT_LABELS.get,
        key="urut",
        bind="query-params",
    )
    turun = c3.toggle("Terbaru dulu", value=True, key="turun", bind="query-params")
    ukuran = c4.selectbox("Per halaman", MEASURES, index=1, key="ukuran")
    pages = max(1, -(-total // ukuran))
    nomor = st.number_input(f"Halaman (dari {format_number(pages)})", 1, pages, 1, key="hal") if pages > 1 else 1
    if total == 0:
        st.info("Tidak ada aspirasi yang cocok dengan filter. Ubah atau hapus filter di samping.")
        return None
    df = _page(key, f, today, urut, turun, int(nomor), ukuran)
    lacak.list_badge(f, key)
    event = st.dataframe(
        labels.shown(df, labels.ASPIRASI_TABLE),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="tabel_aspirasi",
        column_config={
            "Diterima": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Tenggat": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Lewat tenggat": st.column_config.CheckboxColumn(),
        },
    )
    rows = event.selection.rows if event and event.selection else []
    if rows:
        st.session_state[SELECTED] = int(df.iloc[rows[0]]["id"])
    return st.session_state.get(SELECTED)


def export(f: AspirasiFilter, actor: Actor, describe: str) -> None:
    """CSV/XLSX of exactly the filtered rows; personal data only on an explicit choice by an allowed role."""
    engine = data.engine()
    pribadi = False
    if can_see(actor):
        pribadi = st.checkbox(
            "Sertakan data pribadi pelapor (nama, telepon)",
            help="Hanya bila benar-benar diperlukan. Setiap ekspor dicatat.",
        )

    def build(kind: str):
        return lambda: aspirasi_listing.export(engine, actor, f, kind, pribadi, describe)

    name = f"aspirasi-{data.today().isoformat()}{'-dengan-data-pribadi' if pribadi else ''}"
    c1, c2 = st.columns(2)
    c1.download_button("Unduh CSV", build("csv"), f"{name}.csv", "text/csv", icon=":material/download:")
    c2.download_button(
        "Unduh XLSX",
        build("xlsx"),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


# --- detail and workflow -------------------------------------------------------------------------


def detail(aspirasi_id: int, actor: Actor, options: FilterOptions, today: dt.date) -> None:
    d = aspirasi_listing.detail(data.engine(), aspirasi_id, today)
    if d is None:
        st.warning("Aspirasi tidak ditemukan (mungkin sudah dihapus).")
        return
    info = dict(d.info)
    if not can_see(actor):
        info["pelapor"] = mask_name(info["pelapor"]) if info["pelapor"] != "–" else "–"
        info["telepon"] = mask_phone(info["telepon"]) if info["telepon"] != "–" else "–"
    st.subheader(f"{info['nomor']}")
    # The version this user is working from: kept until they save or reload, so a change saved by
    # someone else meanwhile is detected instead of silently overwritten.
    ver_key = f"versi_{d.id}"
    st.session_state.setdefault(ver_key, d.version)
    if st.session_state[ver_key] != d.version:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.warning("Aspirasi ini diubah orang lain sejak Anda membukanya; isian Anda di bawah tetap ada.")
        c2.button("Muat data terbaru", on_click=st.session_state.pop, args=(ver_key, None), key=f"muat_{d.id}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        table = pd.DataFrame(
            {"Isian": [labels.ASPIRASI_DETAIL[k] for k in info], "Nilai": [str(v) for v in info.values()]}
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.markdown("**Riwayat status** (WIB)")
        riwayat = d.riwayat.copy()
        riwayat["waktu"] = riwayat["waktu"].map(format_time).astype(object)  # stored UTC, shown in the city's zone
        st.dataframe(labels.shown(riwayat, labels.STATUS_HISTORY), hide_index=True, width="stretch")
        if not d.janji.empty:
            st.markdown("**Janji rembuk terkait**")
            st.dataframe(labels.shown(d.janji, labels.JANJI_ASPIRASI), hide_index=True, width="stretch")
        foto_ui.aspirasi_section(d.id, actor, d.status)  # issue 15: gallery, upload, evidence
    with right:
        if d.lat is not None:
            point = pd.DataFrame(
                [{"id": d.id, "nomor": info["nomor"], "lat": d.lat, "lon": d.lon, "status": d.status,
                  "judul": info["judul"], "kategori": info["kategori"], "umur_hari": (today - info["diterima"]).days}]
            )  # fmt: skip

            def build():
                bounds = tuple(load_boundaries().kelurahan.loc[[d.kelurahan_kode]].total_bounds)
                return maps.base_map(bounds, labels=False), [maps.layer_group(maps.detail_points_layer(point))]

            shown = content_key(point, d.kelurahan_kode)
            folium_map(build, key=f"peta_detail_{d.id}", height=300, cache_key=shown)
        else:
            st.caption("Aspirasi ini tidak memiliki titik lokasi.")
        lacak.manage_links(d.id, actor)
        if actor.can("tulis"):
            _form_status(d, actor, today)
            _form_assignment(d, actor, options)


def _form_status(d: aspirasi_listing.Detail, actor: Actor, today: dt.date) -> None:
    # A save runs in the button's callback (before the widgets are drawn again): the note can be cleared
    # there, and the confirmation is a message kept in session_state, so it survives the rerun that shows
    # the new status (st.success followed by st.rerun() was never seen, and the stale note invited a second
    # click that advanced the status again).
    if msg := st.session_state.pop(f"status_ok_{d.id}", None):
        st.success(msg, icon=":material/check_circle:")
    for msg in st.session_state.pop(f"status_err_{d.id}", []):
        st.error(msg)
    with st.form(f"status_{d.id}"):
        st.markdown(f"**Ubah status** (sekarang: {status_label(d.status)})")
        if not d.boleh_ke:
            st.caption("Tidak ada perubahan status yang diizinkan dari status ini.")
        st.selectbox("Status baru", d.boleh_ke, format_func=status_label, key=f"ke_{d.id}")
        st.text_area("Catatan / alasan", max_chars=1000, key=f"catatan_{d.id}",
                     help="Wajib untuk penutupan tanpa penyelesaian dan untuk membuka kembali.")  # fmt: skip
        st.text_input("Duplikat dari (nomor aspirasi)", key=f"dup_{d.id}", help="Hanya bila status baru Duplikat.")
        st.form_submit_button("Simpan status", type="primary", disabled=not d.boleh_ke,
                              on_click=_save_status, args=(d.id, d.status, d.version, actor, today))  # fmt: skip


def _save_status(aid: int, status: str, version: int, actor: Actor, today: dt.date) -> None:
    state = st.session_state
    ke = state.get(f"ke_{aid}")
    catatan = state.get(f"catatan_{aid}") or ""
    if ke and needs_reason(status, ke) and not catatan.strip():
        state[f"status_err_{aid}"] = ["Perubahan ini wajib disertai alasan."]
        return
    dup_id = _id_of(state.get(f"dup_{aid}") or "") if ke == "duplikat" else None
    try:
        update_status(data.engine(), actor, aid, state.get(f"versi_{aid}", version), ke, catatan, today,
                    duplikat_dari=dup_id)  # fmt: skip
    except (VersionConflict, TransitionRejected, AccessDenied) as exc:
        state[f"status_err_{aid}"] = [str(exc)]  # the user's input stays in the form
        return
    except ValidationError as exc:
        state[f"status_err_{aid}"] = list(exc.errors.values())
        return
    except OperationalError:
        state[f"status_err_{aid}"] = [
            "Basis data sedang tidak dapat ditulis (hanya-baca atau sibuk). Status belum diubah; coba lagi sebentar."
        ]
        return
    state.pop(f"versi_{aid}", None)
    # The form starts afresh for the new status: no stale note, no stale choice.
    state[f"catatan_{aid}"] = ""
    state[f"dup_{aid}"] = ""
    # The next choice is a step of the new status (the browser would otherwise keep showing the old choice).
    nxt = can_move_to(ke)
    if nxt:
        state[f"ke_{aid}"] = nxt[0]
    else:
        state.pop(f"ke_{aid}", None)
    label = status_label(ke)
    state[f"status_ok_{aid}"] = f"Status diubah ke {label}."
    st.toast(f"Status diubah ke {label}.", icon=":material/check_circle:")


def _version(d: aspirasi_listing.Detail) -> int:
    return st.session_state.get(f"versi_{d.id}", d.version)


def _id_of(nomor: str) -> int | None:
    return aspirasi_listing.id_from_nomor(data.engine(), nomor)


def _form_assignment(d: aspirasi_listing.Detail, actor: Actor, options: FilterOptions) -> None:
    with st.form(f"tugas_{d.id}"):
        st.markdown("**Penugasan**")
        opd_list = [None, *options.opd]
        opd = st.selectbox("OPD", opd_list, index=opd_list.index(d.opd_kode) if d.opd_kode in opd_list else 0,
                           format_func=lambda o: o or "–", key=f"opd_{d.id}")  # fmt: skip
        prio = st.selectbox("Prioritas", list(PRIORITIES), index=list(PRIORITIES).index(d.prioritas),
                            format_func=PRIORITIES.get, key=f"prio_{d.id}")  # fmt: skip
        tenggat = st.date_input("Tenggat", value=d.tenggat, format="DD/MM/YYYY", key=f"tenggat_{d.id}")
        if st.form_submit_button("Simpan penugasan"):
            try:
                update_assignment(
                    data.engine(), actor, d.id, _version(d), opd_kode=opd, prioritas=prio, tenggat=tenggat
                )
            except (VersionConflict, AccessDenied) as exc:
                st.error(str(exc))
            except ValidationError as exc:
                for msg in exc.errors.values():
                    st.error(msg)
            else:
                st.session_state.pop(f"versi_{d.id}", None)
                st.success("Penugasan disimpan.")
                st.rerun()


# --- intake ------------------------------------------------------------------------------------


def _field_error(errors: dict[str, str], name: str) -> None:
    if name in errors:
        st.error(errors[name], icon=":material/error:")


def form_new(actor: Actor, options: FilterOptions, today: dt.date, cepat: bool, rembuk_id: int | None) -> None:
    """Create form; ``cepat`` = quick capture during a rembuk (only the essential fields)."""
    errors: dict[str, str] = st.session_state.get("f_errors", {})
    if msg := st.session_state.pop("f_ok", None):
        st.success(msg, icon=":material/check_circle:")
    labels = kelurahan_labels(options)
    hosts = _hosts(rembuk_id) if rembuk_id else []
    kel_choices = hosts or list(labels)
    judul = st.text_input("Judul *", max_chars=200, key="f_judul", placeholder="mis. Lampu jalan mati di gang 3")
    _field_error(errors, "judul")
    c1, c2 = st.columns(2)
    c1.selectbox("Kategori *", list(options.kategori), format_func=options.kategori.get, index=None,
                            key="f_kategori", placeholder="Pilih kategori")  # fmt: skip
    with c1:
        _field_error(errors, "kategori")
    kel = c2.selectbox("Kelurahan * (ketik nama, ejaan apa pun)", kel_choices, format_func=labels.get,
                       index=0 if hosts else None, key="f_kelurahan", placeholder="Ketik nama kelurahan")  # fmt: skip
    with c2:
        _field_error(errors, "kelurahan")
    rw_rt = _rw_rt(kel)
    c3, c4, c5 = st.columns(3)
    rw = c3.selectbox("RW", list(rw_rt), index=None, key="f_rw", format_func=lambda r: f"RW {r:02d}", placeholder="–")
    c4.selectbox("RT", rw_rt.get(rw, []), index=None, key="f_rt", format_func=lambda r: f"RT {r:02d}", placeholder="–")
    c5.selectbox("Sumber", list(SOURCES), format_func=SOURCES.get, key="f_sumber")
    with c3:
        _field_error(errors, "rw")
    with c4:
        _field_error(errors, "rt")
    if not cepat:
        st.text_area("Deskripsi", max_chars=5000, key="f_deskripsi")
        c6, c7 = st.columns(2)
        c6.selectbox("Kanal", list(CHANNELS), format_func=CHANNELS.get, key="f_kanal", index=1)
        c7.date_input("Tanggal diterima", value=today, max_value=today, format="DD/MM/YYYY", key="f_tanggal")
        with c7:
            _field_error(errors, "tanggal_diterima")
        c8, c9 = st.columns(2)
        c8.text_input("Nama pelapor (data pribadi)", max_chars=120, key="f_pelapor")
        c9.text_input("Telepon pelapor (data pribadi)", max_chars=20, key="f_telepon")
        with c9:
            _field_error(errors, "pelapor_telepon")
        st.selectbox(
            "Diangkat di rembuk (opsional)",
            list(options.rembuk),
            index=None,
            format_func=options.rembuk.get,
            key="f_rembuk",
            placeholder="Tidak dari rembuk",
        )
        _field_error(errors, "rembuk_id")
        _location(kel)
        _field_error(errors, "lokasi")
    foto_ui.new_attachment(kel, cepat)  # issue 15: photos attached while recording
    item = _item(today, cepat, rembuk_id)
    if judul and kel:
        _duplicates(item, today)
    if err := st.session_state.pop("f_akses", None):
        st.error(err)
    # Saved in a callback: it runs before the widgets are drawn again, so they can be cleared there.
    st.button("Simpan aspirasi", type="primary", icon=":material/save:", on_click=_save,
              args=(actor, today, cepat, rembuk_id))  # fmt: skip


def _item(today: dt.date, cepat: bool, rembuk_id: int | None) -> NewAspirasi:
    """The form's current values, read from the widgets' state (also inside the save callback, where
    values typed just before the click are already there but the last run's variables are not)."""
    state = st.session_state
    full = not cepat
    return NewAspirasi(
        judul=state.get("f_judul") or "",
        kategori=state.get("f_kategori") or "",
        kelurahan=state.get("f_kelurahan") or "",
        rw=state.get("f_rw"),
        rt=state.get("f_rt"),
        sumber=state.get("f_sumber") or "warga",
        kanal=(state.get("f_kanal") or "langsung") if full else "rembuk",
        deskripsi=(state.get("f_deskripsi") or "") if full else "",
        pelapor_nama=(state.get("f_pelapor") or None) if full else None,
        pelapor_telepon=(state.get("f_telepon") or None) if full else None,
        tanggal_diterima=(state.get("f_tanggal") or today) if full else today,
        rembuk_id=state.get("f_rembuk") if full else rembuk_id,
        # Mode cepat has no coordinate fields; a photo's GPS point (confirmed by staff) may still be set.
        lat=state.get("f_lat"),
        lon=state.get("f_lon"),
    )


def _save(actor: Actor, today: dt.date, cepat: bool, rembuk_id: int | None) -> None:
    engine = data.engine()
    if cepat:
        rembuk_id = st.session_state.get("rembuk_cepat", rembuk_id)
    item = _item(today, cepat, rembuk_id)
    dup_of = st.session_state.get("f_dup")
    try:
        hasil = create_aspirasi(engine, actor, item, today)
        if dup_of:
            update_status(engine, actor, hasil.id, 1, "duplikat", "Ditautkan saat dicatat", today, duplikat_dari=dup_of)
    except ValidationError as exc:
        st.session_state["f_errors"] = exc.errors  # shown beside the fields; the input stays
        return
    except AccessDenied as exc:
        st.session_state["f_akses"] = str(exc)
        return
    except OperationalError:
        st.session_state["f_akses"] = (
            "Basis data sedang tidak dapat ditulis (hanya-baca atau sibuk). Isian Anda belum disimpan; "
            "coba lagi sebentar lagi atau hubungi admin."
        )
        return
    st.session_state["f_errors"] = {}
    note = " (ditautkan sebagai duplikat)" if dup_of else ""
    warn = (" " + " ".join(hasil.peringatan)) if hasil.peringatan else ""
    st.session_state["f_ok"] = f"{hasil.nomor} tersimpan{note}.{warn}"
    st.session_state["f_ok"] += foto_ui.save_attachment(actor, hasil.id)  # issue 15
    # Ready for the next entry: clear what differs per aspiration; quick mode keeps kelurahan and category.
    for k in ("f_judul", "f_deskripsi", "f_pelapor", "f_telepon"):
        st.session_state[k] = ""
    for k in ("f_lat", "f_lon", "f_dup", "f_rw", "f_rt") + (() if cepat else ("f_kategori",)):
        if k in st.session_state:
            st.session_state[k] = None


def _hosts(rembuk_id: int) -> list[str]:
    return aspirasi_listing.hosts(data.engine(), rembuk_id)


@st.cache_data(ttl=600, show_spinner=False)
def _rw_rt_cached(url: str, kode: str) -> dict[int, list[int]]:
    return aspirasi_listing.rw_rt(data.engine(), kode)


def _rw_rt(kode: str | None) -> dict[int, list[int]]:
    """RW -> its RT numbers for a kelurahan (only numbers that exist there)."""
    return _rw_rt_cached(data.key()[0], kode) if kode else {}


def _location(kode: str | None) -> None:
    """Optional location (widgets f_lat/f_lon): typed coordinates or a click on a small map of the kelurahan."""
    with st.expander("Lokasi (opsional): ketik koordinat atau klik peta", expanded=False):
        c1, c2 = st.columns(2)
        lat = c1.number_input("Lintang", min_value=-90.0, max_value=90.0, value=None, format="%.6f", key="f_lat")
        lon = c2.number_input("Bujur", min_value=-180.0, max_value=180.0, value=None, format="%.6f", key="f_lon")
        if kode:
            bounds = tuple(load_boundaries().kelurahan.loc[[kode]].total_bounds)
            from streamlit_folium import st_folium

            out = st_folium(maps.base_map(bounds, labels=False), key=f"peta_lokasi_{kode}", height=280,
                            use_container_width=True, returned_objects=["last_clicked"])  # fmt: skip
            click = (out or {}).get("last_clicked")
            if click and (click.get("lat"), click.get("lng")) != st.session_state.get("f_klik"):
                st.session_state["f_klik"] = (click["lat"], click["lng"])
                st.session_state["f_lat"], st.session_state["f_lon"] = round(click["lat"], 6), round(click["lng"], 6)
                st.rerun()
        if lat is not None and lon is not None and kode:
            from geo.spatial import kelurahan_at

            if kelurahan_at(lon, lat) != kode:
                st.warning("Titik ini berada di luar kelurahan yang dipilih.", icon=":material/warning:")


def _duplicates(item: NewAspirasi, today: dt.date) -> None:
    """Show possible duplicates before saving; the choice to link one is the widget f_dup."""
    hints = possible_duplicates(data.engine(), item, today)
    if hints.empty:
        return
    st.warning(f"Mungkin duplikat: {len(hints)} aspirasi serupa ditemukan.", icon=":material/content_copy:")
    st.dataframe(hints.drop(columns=["id"]), hide_index=True)
    pilihan = {
        None: "Simpan sebagai aspirasi baru",
        **{int(r.id): f"Catat sebagai duplikat dari {r.nomor}" for r in hints.itertuples()},
    }
    st.radio("Tindakan", list(pilihan), format_func=pilihan.get, key="f_dup")


# --- import ------------------------------------------------------------------------------------


def import_section(actor: Actor, today: dt.date) -> None:
    st.markdown(
        "Unggah CSV atau XLSX dengan kolom templat. Setiap baris diperiksa; **bila ada satu baris bermasalah, "
        "tidak ada yang disimpan** dan Anda mendapat daftar baris beserta alasannya. Impor ulang berkas yang "
        "sama tidak menggandakan data (kolom `ref`)."
    )
    c1, c2 = st.columns(2)
    c1.download_button("Templat CSV", template_csv(), "templat-aspirasi.csv", "text/csv", icon=":material/description:")
    c2.download_button("Templat XLSX", template_xlsx(), "templat-aspirasi.xlsx", icon=":material/table:")
    upload = st.file_uploader("Berkas aspirasi", type=["csv", "xlsx"], key="f_impor")
    if upload is None:
        return
    if st.button("Periksa dan impor", type="primary", icon=":material/upload:"):
        bar = st.progress(0.0, text="Membaca berkas…")

        def progress(done: int, total: int) -> None:
            # Checking is the long part; saving afterwards is one short batch (other saves are not blocked).
            text = f"Memeriksa {format_number(done)} dari {format_number(total)} baris…"
            bar.progress(done / total if total else 1.0, text=text if done < total else f"{text} Menyimpan…")

        report = import_aspirasi(data.engine(), actor, upload.getvalue(), upload.name, today, progress=progress)
        bar.empty()
        for w in report.warnings[:20]:
            st.caption(w)
        if report.ok:
            st.success(report.ringkasan(), icon=":material/check_circle:")
        else:
            st.error(report.ringkasan(), icon=":material/error:")
            st.dataframe(report.tabel_masalah(), hide_index=True, width="stretch")


def filter_text(f: AspirasiFilter, options: FilterOptions) -> str:
    from ui.filters import names_for_describe

    return f.describe(names_for_describe(options))
