"""Photo widgets (issue 15): upload (file picker with phone camera, or ``st.camera_input``), galleries with
full size on click, management (private flag, blur a region, delete, purge), the Peta panel thumbnails,
Mode Rembuk's "Sebelum → Sesudah" and the admin setting "bukti foto sesudah wajib".

Photos reach the browser only as bytes through ``st.image`` on a page the user is logged in to (never a
static URL: the store is not under ``static/``). Which photos a role sees is decided in db/foto/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from db.auth.roles import AccessDenied, Actor
from db.format import format_date
from db.foto import images as foto_images
from db.foto import queries as foto_queries
from db.foto import services as foto_services
from db.foto import storage as foto_storage
from db.foto.images import FotoRejected, PreparedFoto
from db.foto.queries import FotoInfo
from db.foto.services import Owner
from db.settings import timezone_name
from ui import data

CACHE_KEY = "_foto_terproses"
COLUMNS = 4


# --- upload ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the user picked in an upload widget: the sound photos and the refusals (one line each)."""

    siap: list[PreparedFoto]
    galat: list[str]


def _key(key: str) -> str:
    """The current widget key of an uploader (bumped to clear it after saving)."""
    return f"{key}_{st.session_state.get(f'{key}__n', 0)}"


def clear(key: str) -> None:
    st.session_state[f"{key}__n"] = st.session_state.get(f"{key}__n", 0) + 1
    st.session_state.pop(CACHE_KEY, None)


def _process(uploaded) -> tuple[PreparedFoto | None, str | None]:
    """Check and re-encode once per uploaded file (re-runs reuse the result)."""
    cache = st.session_state.setdefault(CACHE_KEY, {})
    fid = getattr(uploaded, "file_id", None) or f"{uploaded.name}:{uploaded.size}"
    if fid not in cache:
        try:
            cache[fid] = (foto_images.process(uploaded.getvalue(), uploaded.name), None)
        except FotoRejected as exc:
            cache[fid] = (None, str(exc))
    return cache[fid]


def selected(key: str) -> Selection:
    """The photos currently in the widgets of ``key`` (also callable inside a button callback)."""
    files = list(st.session_state.get(f"{_key(key)}_berkas") or [])
    shot = st.session_state.get(f"{_key(key)}_kamera")
    if shot is not None:
        files.append(shot)
    siap, galat = [], []
    for f in files:
        ok, err = _process(f)
        if ok is not None:
            siap.append(ok)
        else:
            galat.append(err)
    return Selection(siap, galat)


def pick_foto(
    key: str, label: str = "Foto", *, kamera: bool = True, maks: int = foto_services.MAX_PER_ASPIRASI
) -> Selection:
    """File picker (on a phone it offers the camera) plus an optional in-page camera; shows refusals."""
    k = _key(key)
    jenis = ", ".join(e.upper() for e in foto_images.EXTENSIONS if e != "jpeg")
    st.file_uploader(
        f"{label} ({jenis}; paling banyak {maks})",
        type=foto_images.EXTENSIONS,
        accept_multiple_files=True,
        key=f"{k}_berkas",
        help=f"Maks. {foto_images.MAX_BYTES // 2**20} MB per berkas. Lokasi GPS dan semua data EXIF dihapus dari foto yang "  # noqa: E501
        "disimpan; foto disimpan ulang (paling panjang 1.600 piksel).",
    )
    if not foto_images.HEIC:
        st.caption(foto_images.HEIC_MESSAGE)
    if kamera and st.toggle("Ambil foto dengan kamera", key=f"{k}_pakai_kamera"):
        st.camera_input("Kamera", key=f"{k}_kamera")
    pilihan = selected(key)
    for msg in pilihan.galat:
        st.error(msg, icon=":material/block:")
    if len(pilihan.siap) > maks:
        st.warning(f"Dipilih {len(pilihan.siap)} foto; hanya {maks} yang boleh disimpan.")
    return pilihan


# --- create form of an aspiration (ui/aspirasi.py) ----------------------------------------------------


ATTACHMENT = "f_foto"


def _coordinates(v: float) -> str:
    return f"{v:.6f}".replace(".", ",")


def _use_gps(lat: float | None, lon: float | None) -> None:
    st.session_state["f_lat"], st.session_state["f_lon"] = lat, lon


def new_attachment(kelurahan_kode: str | None, cepat: bool) -> None:
    """Photos attached while recording (kind 'sebelum'); offers a photo's GPS point as the location."""
    with st.expander("Foto (opsional): dari galeri atau kamera ponsel", expanded=cepat):
        pilihan = pick_foto(ATTACHMENT, "Foto kondisi (sebelum)")
        st.checkbox(
            "Jangan tampilkan di layar/proyektor (wajah, nomor rumah)",
            key=f"{ATTACHMENT}_privat",
            help="Foto tetap terlihat oleh staf, tidak oleh pimpinan, Mode Rembuk, Peta atau PDF.",
        )
        if pilihan.siap:
            st.caption(f"{len(pilihan.siap)} foto siap disimpan bersama aspirasi.")
        gps = next((f for f in pilihan.siap if f.gps), None)
        if gps is None:
            return
        lat, lon = gps.gps
        st.info(
            f"Foto {gps.nama_berkas} memuat lokasi GPS ({_coordinates(lat)}, {_coordinates(lon)}). Periksa dulu: lokasi "  # noqa: E501
            "ponsel bisa saja rumah pelapor. Data GPS tidak ikut disimpan pada foto.",
            icon=":material/location_on:",
        )
        from geo.spatial import kelurahan_at

        where = kelurahan_at(lon, lat)
        if kelurahan_kode and where != kelurahan_kode:
            from geo.names import resolve_kelurahan

            st.warning(
                "Titik GPS foto berada di luar kelurahan yang dipilih"
                + (f" (di {resolve_kelurahan(where).nama})." if where else " (di luar Kota Malang)."),
                icon=":material/warning:",
            )
        st.button("Pakai lokasi foto sebagai lokasi aspirasi", on_click=_use_gps, args=(lat, lon), key="f_foto_gps")
        # Mode cepat has no location fields: say what will be saved, and let staff take it back.
        if cepat and st.session_state.get("f_lat") is not None:
            st.success(
                f"Lokasi aspirasi: {_coordinates(st.session_state['f_lat'])}, {_coordinates(st.session_state['f_lon'])}"
                " (dari foto).",
                icon=":material/location_on:",
            )
            st.button("Jangan pakai lokasi foto", on_click=_use_gps, args=(None, None), key="f_foto_gps_batal")


def save_attachment(actor: Actor, aspirasi_id: int) -> str:
    """Save the attached photos of the create form to the new aspiration (in its save callback)."""
    pilihan = selected(ATTACHMENT)
    if not pilihan.siap:
        clear(ATTACHMENT)
        return ""
    privat = bool(st.session_state.get(f"{ATTACHMENT}_privat"))
    try:
        ids = foto_services.save_foto(
            data.engine(),
            actor,
            Owner("aspirasi", aspirasi_id),
            "sebelum",
            pilihan.siap[: foto_services.MAX_PER_ASPIRASI],
            privat=privat,
        )
    except (FotoRejected, AccessDenied) as exc:
        return f" Foto tidak tersimpan: {exc}"
    clear(ATTACHMENT)
    st.session_state[f"{ATTACHMENT}_privat"] = False
    return f" {len(ids)} foto tersimpan."


# --- gallery ------------------------------------------------------------------------------------------


def _time(t: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    local = t.astimezone(ZoneInfo(timezone_name()))
    return f"{format_date(local.date(), with_weekday=False)}, {local:%H.%M} WIB"


def caption(f: FotoInfo) -> str:
    extra = (" · jangan di layar" if f.privat else "") + (" · disamarkan" if f.disamarkan else "")
    return f"{f.label} · {_time(f.diunggah_pada)}{extra}"


def image(sha: str, caption: str | None = None, width: int | str = "stretch") -> bool:
    """One stored image as bytes (no URL of the store reaches the browser); False when its file is missing."""
    raw = foto_storage.read_file(sha)
    if raw is None:
        st.caption("Berkas foto tidak ditemukan di penyimpanan.")
        return False
    st.image(raw, caption=caption, width=width, output_format="JPEG")  # stored files are JPEG: no sniffing
    return True


def gallery(
    fotos: list[FotoInfo], actor: Actor | None, key: str, *, kelola: bool = False, kolom: int = COLUMNS
) -> None:
    """Thumbnails in a grid; 'Perbesar' opens the full display copy (and, for staff, its management)."""
    if not fotos:
        st.caption("Belum ada foto.")
        return
    for start in range(0, len(fotos), kolom):
        cols = st.columns(kolom)
        for col, f in zip(cols, fotos[start : start + kolom], strict=False):
            with col:
                image(f.sha256_thumb, caption(f))
                if st.button("Perbesar", key=f"{key}_besar_{f.id}", icon=":material/zoom_in:", width="stretch"):
                    _dialog_foto(f, kelola and actor is not None and actor.can("tulis"), actor)


@st.dialog("Foto", width="large")
def _dialog_foto(f: FotoInfo, kelola: bool, actor: Actor | None) -> None:
    image(f.sha256, caption(f))
    st.caption(f"{f.lebar} × {f.tinggi} piksel · {f.ukuran / 1024:.0f} KB · diunggah oleh {f.diunggah_oleh}")
    if not kelola or actor is None:
        return
    tab_privat, tab_samar, tab_hapus = st.tabs(["Tampilan", "Samarkan bagian", "Hapus"])
    with tab_privat:
        privat = st.toggle("Jangan tampilkan di layar/proyektor", value=f.privat, key=f"foto_privat_{f.id}")
        if privat != f.privat and st.button("Simpan", key=f"foto_privat_simpan_{f.id}"):
            _run(foto_services.update_private, data.engine(), actor, f.id, privat)
    with tab_samar:
        st.caption("Pilih kotak yang disamarkan (persen dari lebar dan tinggi foto), mis. wajah atau nomor rumah.")
        c1, c2 = st.columns(2)
        x = c1.slider("Kiri – kanan (%)", 0, 100, (30, 70), key=f"foto_x_{f.id}")
        y = c2.slider("Atas – bawah (%)", 0, 100, (30, 70), key=f"foto_y_{f.id}")
        kotak = (x[0] / 100, y[0] / 100, x[1] / 100, y[1] / 100)
        raw = foto_storage.read_file(f.sha256)
        if raw is not None and x[0] < x[1] and y[0] < y[1]:
            st.image(foto_images.blur_image(raw, kotak), caption="Pratinjau samaran", width="stretch")
            if st.button("Simpan foto yang disamarkan", type="primary", key=f"foto_samar_{f.id}"):
                _run(foto_services.blur_foto, data.engine(), actor, f.id, kotak)
        else:
            st.caption("Kotak kosong: geser kedua ujung penggeser.")
    with tab_hapus:
        alasan = st.text_input("Alasan penghapusan", max_chars=300, key=f"foto_alasan_{f.id}")
        if st.button("Hapus foto", key=f"foto_hapus_{f.id}", icon=":material/delete:"):
            _run(foto_services.delete_foto, data.engine(), actor, f.id, alasan)


def _run(fn, *args) -> None:
    try:
        fn(*args)
    except (FotoRejected, AccessDenied) as exc:
        st.error(str(exc))
        return
    st.rerun()


def deleted(pemilik: Owner, actor: Actor, key: str) -> None:
    """Admin: soft-deleted photos of a record, with 'Musnahkan' (purge: row and files)."""
    if not actor.can("admin"):
        return
    fotos = foto_queries.list_foto(data.engine(), pemilik, actor, dihapus=True)
    if not fotos:
        return
    with st.expander(f"Foto terhapus ({len(fotos)})"):
        for f in fotos:
            c1, c2 = st.columns([1, 3], vertical_alignment="center")
            with c1:
                image(f.sha256_thumb, width=120)
            c2.caption(f"{caption(f)} · dihapus {_time(f.dihapus_pada)}")
            if c2.button("Musnahkan", key=f"{key}_musnah_{f.id}", help="Hapus permanen baris dan berkasnya."):
                _run(foto_services.purge_foto, data.engine(), actor, f.id)


def _upload_button(actor: Actor, pemilik: Owner, key: str, jenis_pilihan: tuple[str, ...], default: str, maks: int):
    """Upload widgets + 'Unggah' for an existing record."""
    pilihan = pick_foto(key, maks=maks)
    c1, c2 = st.columns(2)
    jenis = c1.selectbox(
        "Jenis foto",
        jenis_pilihan,
        index=jenis_pilihan.index(default),
        format_func=foto_services.KINDS.get,
        key=f"{key}_jenis",
    )
    privat = c2.checkbox("Jangan tampilkan di layar/proyektor", key=f"{key}_privat")
    if st.button(
        "Unggah foto", type="primary", icon=":material/upload:", key=f"{key}_unggah", disabled=not pilihan.siap
    ):
        try:
            ids = foto_services.save_foto(data.engine(), actor, pemilik, jenis, pilihan.siap, privat=privat)
        except (FotoRejected, AccessDenied) as exc:
            st.error(str(exc))
            return
        clear(key)
        st.session_state["foto_pesan"] = f"{len(ids)} foto {foto_services.KINDS[jenis].lower()} tersimpan."
        st.rerun()


def _message() -> None:
    if msg := st.session_state.pop("foto_pesan", None):
        st.success(msg, icon=":material/check_circle:")


# --- where photos are shown ----------------------------------------------------------------------------


def aspirasi_section(aspirasi_id: int, actor: Actor, status: str) -> None:
    """The 'Foto' part of an aspiration's detail: gallery, upload (sebelum/proses/sesudah), management."""
    engine = data.engine()
    p = Owner("aspirasi", aspirasi_id)
    fotos = foto_queries.list_foto(engine, p, actor)
    n_sesudah = sum(f.jenis == "sesudah" for f in fotos)
    st.markdown(f"**Foto** ({len(fotos)}/{foto_services.MAX_PER_ASPIRASI} · sesudah: {n_sesudah})")
    _message()
    if foto_services.evidence_required(engine, aspirasi_id) and not n_sesudah and status != "selesai":
        st.info(
            "Kategori ini mewajibkan bukti foto sesudah: aspirasi baru dapat ditandai Selesai setelah ada minimal "
            "satu foto berjenis 'Sesudah'.",
            icon=":material/photo_camera:",
        )
    gallery(fotos, actor, f"asp_{aspirasi_id}", kelola=True)
    if actor.can("tulis"):
        sisa = foto_services.MAX_PER_ASPIRASI - foto_queries.count_active(engine, p)
        if sisa <= 0:
            st.caption(f"Sudah {foto_services.MAX_PER_ASPIRASI} foto: hapus foto lama untuk menambah.")
        else:
            default = (
                "sesudah"
                if status in ("dalam_proses", "selesai")
                else "proses"
                if status == "diteruskan"
                else "sebelum"
            )
            with st.expander("Tambah foto", expanded=False):
                _upload_button(actor, p, f"asp_foto_{aspirasi_id}", ("sebelum", "proses", "sesudah"), default, sisa)
    deleted(p, actor, f"asp_{aspirasi_id}")


def documentation(pemilik: Owner, actor: Actor | None, judul: str = "Dokumentasi foto") -> None:
    """Documentation gallery of a rembuk or a bimtek (with upload for staff)."""
    key = f"dok_{pemilik.jenis}_{pemilik.id}"
    fotos = foto_queries.list_foto(data.engine(), pemilik, actor)
    st.markdown(f"**{judul}** ({len(fotos)})")
    _message()
    gallery(fotos, actor, key, kelola=True)
    if actor is not None and actor.can("tulis"):
        with st.expander("Tambah foto dokumentasi"):
            _upload_button(actor, pemilik, f"{key}_baru", ("dokumentasi",), "dokumentasi", 20)
        deleted(pemilik, actor, key)


def foto_janji(janji_id: int, actor: Actor | None) -> None:
    """Photos of a janji's progress entries, and upload onto one entry (the latest by default)."""
    engine = data.engine()
    fotos = foto_queries.foto_janji(engine, janji_id, actor)
    entri = foto_queries.janji_progress(engine, janji_id)
    st.markdown(f"**Foto progres janji** ({len(fotos)})")
    _message()
    gallery(fotos, actor, f"janji_{janji_id}", kelola=True)
    if actor is None or not actor.can("tulis"):
        return
    if not entri:
        st.caption("Catat progres janji dulu; foto dilampirkan pada entri progres.")
        return
    label = {i: f"{_time(w)} · {p} % · {s}" for i, w, p, s in entri}
    with st.expander("Tambah foto pada entri progres"):
        pilih = st.selectbox("Entri progres", list(label), format_func=label.get, key=f"janji_foto_entri_{janji_id}")
        _upload_button(
            actor, Owner("janji_riwayat", pilih), f"janji_foto_{janji_id}", ("proses", "sesudah"), "proses", 10
        )


PANEL_MAX = 20


def _panel_key(key: tuple | None = None) -> tuple:
    """The app's one cache key (ui.data.key(); its fingerprint covers the photos). ``key``: the page's
    ``data.key()`` when it has one already."""
    return key or data.key()


@st.cache_data(ttl=300, show_spinner=False, max_entries=128)
def _thumbnails(key: tuple, nomor: tuple[str, ...]) -> dict[str, FotoInfo]:
    return foto_queries.thumbnail_per_aspirasi(data.engine(), list(nomor), None, layar=True)


@st.cache_data(ttl=300, show_spinner=False, max_entries=128)
def _pairs(key: tuple, kode: str, today: dt.date, limit: int) -> list[foto_queries.BeforeAfter]:
    return foto_queries.before_after(data.engine(), kode, today, limit)


def panel_thumbnails(nomor: list[str], kolom: int = 4, *, key: tuple | None = None) -> None:
    """Peta drill-down: one thumbnail per open aspiration listed (up to 20; never private photos, the map
    is shown on the projector). ``key`` is accepted like the other components' but not needed (the run's
    ``data.key()`` is memoised)."""
    thumbs = _thumbnails(data.key(), tuple(nomor))
    shown = [(n, thumbs[n]) for n in nomor if n in thumbs][:PANEL_MAX]
    if not shown:
        return
    st.markdown(f"**Foto aspirasi terbuka** ({len(shown)})")
    for start in range(0, len(shown), kolom):
        for col, (n, f) in zip(st.columns(kolom), shown[start : start + kolom], strict=False):
            with col:
                image(f.sha256_thumb, f"{n} · {f.label}")


def before_after(
    kelurahan_kode: str, today: dt.date, limit: int = 10, *, kolom: int = 5, key: tuple | None = None
) -> int:
    """Mode Rembuk: "Sebelum → Sesudah" of this kelurahan's aspirations resolved since its last rembuk (no
    private photo, no citizen text: category, RW and date only). Returns the number of pairs shown."""
    pairs = _pairs(_panel_key(key), kelurahan_kode, today, limit)
    if not pairs:
        st.caption("Belum ada aspirasi selesai berfoto sejak rembuk terakhir.")
        return 0
    for start in range(0, len(pairs), kolom):
        for col, p in zip(st.columns(kolom), pairs[start : start + kolom], strict=False):
            with col:
                a, b = st.columns(2, gap="small")
                with a:
                    if p.sebelum is not None:
                        image(p.sebelum.sha256_thumb, "Sebelum")
                    else:
                        st.caption("Tanpa foto sebelum")
                with b:
                    image(p.sesudah.sha256_thumb, "Sesudah")
                rw = f" · RW {p.rw:02d}" if p.rw else ""
                st.caption(f"{p.kategori}{rw} · selesai {format_date(p.tanggal_selesai, with_weekday=False)}")
    return len(pairs)


def admin_evidence(actor: Actor) -> None:
    """Admin: categories whose aspirations need a 'sesudah' photo before they can be closed as Selesai."""
    engine = data.engine()
    kat = foto_services.evidence_kategori(engine)
    st.markdown("**Bukti foto sesudah wajib** (aspirasi kategori ini hanya dapat ditandai Selesai dengan foto sesudah)")
    with st.form("bukti_foto"):
        pilih = st.multiselect(
            "Kategori",
            list(kat),
            default=[k for k, (_, w) in kat.items() if w],
            format_func=lambda k: kat[k][0],
            placeholder="Tidak ada kategori yang mewajibkan",
            select_all=False,
        )
        if st.form_submit_button("Simpan bukti foto"):
            try:
                foto_services.set_evidence_required(engine, actor, pilih)
            except (FotoRejected, AccessDenied) as exc:
                st.error(str(exc))
            else:
                st.success("Pengaturan bukti foto disimpan.")


def rembuk_documentation(rembuk_id: int) -> None:
    """Hook for the Rembuk page (ui/rembuk.py): documentation gallery of one rembuk."""
    from ui.auth import current_actor

    documentation(Owner("rembuk", rembuk_id), current_actor(), "Dokumentasi foto rembuk")


def bimtek_documentation(bimtek_id: int) -> None:
    """Hook for the Bimtek page (ui/bimtek.py): documentation gallery of one bimtek."""
    from ui.auth import current_actor

    documentation(Owner("bimtek", bimtek_id), current_actor(), "Dokumentasi foto bimtek")
