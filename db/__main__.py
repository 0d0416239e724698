"""Command line of Kulakan's data layer: `python -m db --help`."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from db.engine import make_engine
from db.settings import database_url


def _engine():
    return make_engine()


def cmd_init(_args) -> int:
    from db.migrate import upgrade
    from db.reference import load_reference
    from db.schema import Kelurahan
    from geo.boundaries import check_against_database, load_boundaries

    engine = _engine()
    upgrade(engine)
    added = load_reference(engine)
    with engine.connect() as conn:
        codes = set(conn.scalars(select(Kelurahan.kode)))
    problems = check_against_database(load_boundaries(), codes)
    if problems:
        print("Data referensi tidak cocok dengan poligon:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"Basis data siap ({engine.url.render_as_string(hide_password=True)}).")
    print(f"Referensi ditambahkan: {added}")
    return 0


def cmd_seed_demo(args) -> int:
    import datetime as dt

    from db.demo.clear import DemoReferenced
    from db.demo.generate import generate_demo

    engine = _engine()
    today = dt.date.fromisoformat(args.today) if args.today else None
    terkait = bool(getattr(args, "termasuk_terkait", False))
    if terkait and not _show_references(engine, "Dengan --termasuk-terkait"):
        return 1
    started = time.perf_counter()
    try:
        result = generate_demo(
            engine,
            n_aspirasi=args.aspirasi,
            seed=args.seed,
            today=today,
            progress=lambda m: print(f"- {m}"),
            termasuk_terkait=terkait,
        )
    except DemoReferenced as exc:
        print(f"Data demo TIDAK diganti (tidak ada yang diubah). {exc}", file=sys.stderr)
        print(
            "Pilihan:\n"
            "  python -m db clear-demo                      hapus data demo, simpan baris demo yang dirujuk\n"
            "  python -m db seed-demo --termasuk-terkait    lepas/hapus rujukan di atas, lalu ganti data demo",
            file=sys.stderr,
        )
        return 1
    except SQLAlchemyError as exc:
        return _db_failed(exc)
    print(f"Data demo dimuat dalam {time.perf_counter() - started:.1f} dtk: {result}")
    return 0


def _show_references(engine, judul: str) -> bool:
    """Print the real records that refer to demo records and what will happen to them; False on a DB error."""
    from db.demo.clear import reference_message, references_to_demo

    try:
        with engine.connect() as conn:
            rujukan, _links = references_to_demo(conn)
    except SQLAlchemyError as exc:
        _db_failed(exc)
        return False
    if rujukan:
        print(f"{judul}: {reference_message(rujukan, batas=10_000)}")
    return True


def _db_failed(exc: Exception) -> int:
    print(
        f"Basis data menolak perubahan ({type(exc).__name__}); tidak ada yang diubah. "
        f"Rincian: {str(getattr(exc, 'orig', exc)).splitlines()[0][:300]}",
        file=sys.stderr,
    )
    return 1


def cmd_ensure_ready(args) -> int:
    """Migrate, load reference data, and load demo data when the database has no aspirations."""
    from db.auth.users import create_first_admin
    from db.schema import Aspirasi

    if cmd_init(args):
        return 1
    engine = _engine()
    sandi = create_first_admin(engine)
    if sandi:
        line = "=" * 72
        print(
            f"{line}\nBelum ada pengguna: admin pertama dibuat.\n"
            f"  nama pengguna : admin\n  kata sandi    : {sandi}   (sekali pakai, tampil sekali ini saja)\n"
            "Masuk dengan itu lalu ganti kata sandinya. Pengguna lain: "
            "python -m db create-user NAMA --peran pimpinan|staf|admin\n" + line
        )
    with engine.connect() as conn:
        n = conn.scalar(select(func.count(Aspirasi.id)))
    if n:
        print(f"Basis data berisi {n} aspirasi; data demo tidak dimuat.")
        return 0
    print("Basis data kosong: memuat data demo (sintetis).")
    args.today = None
    return cmd_seed_demo(args)


def _read_password(from_stdin: bool) -> str:
    import getpass

    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Kata sandi: ")
    if getpass.getpass("Ulangi kata sandi: ") != first:
        raise SystemExit("Kata sandi tidak sama; tidak ada yang disimpan.")
    return first


def cmd_create_user(args) -> int:
    from db.auth.roles import SYSTEM
    from db.auth.users import UserError, create_user

    sandi = _read_password(args.password_stdin)
    try:
        create_user(_engine(), SYSTEM, args.username, args.peran, sandi, args.nama, args.kecamatan)
    except UserError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    print(f"Pengguna '{args.username.strip().lower()}' ({args.peran}) dibuat.")
    return 0


def _cli_actor():
    import getpass

    from db.auth.roles import Actor

    # The command line acts with full rights; the OS user is recorded in the audit trail.
    return Actor(f"cli:{getpass.getuser()}", "admin")


def cmd_import_aspirasi(args) -> int:
    from db.aspirasi.importer import cli_import_aspirasi

    return cli_import_aspirasi(_engine(), _cli_actor(), args.file)


def cmd_import_peserta(args) -> int:
    from db.bimtek.importer import cli_import_peserta

    return cli_import_peserta(args.file, args.bimtek, _engine())


def cmd_backup(args) -> int:
    from db.backup import cli_backup

    return cli_backup(args)


def cmd_restore(args) -> int:
    from db.backup import cli_restore

    return cli_restore(args)


def cmd_postgis(_args) -> int:
    from db.postgis import aspirasi_outside_kelurahan, postgis_available, prepare_postgis

    engine = _engine()
    if not postgis_available(engine):
        print("PostGIS tidak tersedia: perlu PostgreSQL dengan paket postgis (mis. postgresql-15-postgis-3).")
        return 1
    n = prepare_postgis(engine)
    print(f"PostGIS siap: {n} poligon kelurahan di tabel kelurahan_geom.")
    print(f"Aspirasi berlokasi di luar kelurahan tercatatnya: {aspirasi_outside_kelurahan(engine)}")
    return 0


def cmd_clear_demo(args) -> int:
    from db.demo.generate import clear_demo

    terkait = bool(getattr(args, "termasuk_terkait", False))
    engine = _engine()
    if terkait and not _show_references(engine, "Dengan --termasuk-terkait"):
        return 1
    try:
        with engine.begin() as conn:
            hasil = clear_demo(conn, termasuk_terkait=terkait)
    except SQLAlchemyError as exc:
        return _db_failed(exc)
    gone = ", ".join(f"{n} {k}" for k, n in hasil.dihapus.items() if n) or "tidak ada"
    print(f"Data demo dihapus: {gone}.")
    if hasil.ada_yang_disimpan:
        from db.demo.clear import reference_message

        kept = ", ".join(f"{n} {k}" for k, n in hasil.disimpan.items() if n)
        print(
            f"Baris demo yang DISIMPAN karena dirujuk data asli: {kept}.\n{reference_message(hasil.rujukan)}\n"
            "Untuk melepas/menghapus rujukan itu lalu menghapus semua data demo: "
            "python -m db clear-demo --termasuk-terkait"
        )
    return 0


def cmd_check_foto(args) -> int:
    from db.foto.storage import check_foto

    rep = check_foto(_engine(), hapus=not args.dry_run, umur_min_detik=args.umur_menit * 60)
    print(f"Penyimpanan foto: {rep.ringkasan()}.")
    for name in rep.yatim[:50]:
        print(f"  berkas tanpa baris: {name}")
    return 1 if rep.hilang else 0


def cmd_stats(_args) -> int:
    from db.demo.generate import table_counts

    engine = _engine()
    counts = table_counts(engine)
    width = max(map(len, counts))
    print(f"Basis data: {engine.url.render_as_string(hide_password=True)}")
    for name, n in counts.items():
        print(f"  {name:<{width}}  {n:>9,}".replace(",", "."))
    return 0


def cmd_check_rollups(args) -> int:
    from db.aspirasi import rollups

    engine = _engine()
    if args.rebuild:
        rollups.rebuild(engine)
        print("Rekap aspirasi dihitung ulang dari arsip.")
    problems = rollups.check(engine)
    if not problems:
        print("Rekap aspirasi cocok dengan hitung ulang dari arsip.")
        return 0
    print(f"Rekap aspirasi TIDAK cocok dengan hitung ulang dari arsip: {len(problems)} perbedaan.", file=sys.stderr)
    for line in problems[:50]:
        print(f"  {line}", file=sys.stderr)
    if len(problems) > 50:
        print(f"  ... dan {len(problems) - 50} lainnya", file=sys.stderr)
    print("Perbaiki dengan: python -m db check-rollups --rebuild", file=sys.stderr)
    return 1


RELATED_HELP = (
    "juga lepas/hapus data asli yang merujuk ke data demo (janji pada rembuk demo, peserta pada bimtek demo, ...); "
    "daftarnya ditampilkan dulu"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m db",
        description=(f"Basis data Kulakan. URL dari variabel KULAKAN_DATABASE_URL (sekarang: {database_url()})."),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="PERINTAH")
    sub.add_parser("init", help="migrasi skema + muat data referensi (aman diulang)").set_defaults(func=cmd_init)

    def seed_args(p):
        p.add_argument("--aspirasi", type=int, default=3000, help="jumlah aspirasi demo (bawaan 3000)")
        p.add_argument("--seed", type=int, default=42, help="seed acak; seed sama = data sama (bawaan 42)")

    seed = sub.add_parser("seed-demo", help="ganti data demo (sintetis) dengan set baru")
    seed_args(seed)
    seed.add_argument("--today", help="tanggal 'hari ini' untuk data demo (YYYY-MM-DD; bawaan: hari ini WIB)")
    seed.add_argument("--termasuk-terkait", action="store_true", help=RELATED_HELP)
    seed.set_defaults(func=cmd_seed_demo)
    ready = sub.add_parser(
        "ensure-ready", help="init, lalu muat data demo bila belum ada aspirasi (dipakai `make run`)"
    )
    seed_args(ready)
    ready.set_defaults(func=cmd_ensure_ready)
    clear = sub.add_parser(
        "clear-demo", help="hapus data demo (data asli tidak disentuh; baris demo yang dirujuk data asli disimpan)"
    )
    clear.add_argument("--termasuk-terkait", action="store_true", help=RELATED_HELP)
    clear.set_defaults(func=cmd_clear_demo)
    sub.add_parser("stats", help="jumlah baris per tabel").set_defaults(func=cmd_stats)
    cr = sub.add_parser(
        "check-rollups", help="bandingkan rekap aspirasi (Beranda, Peta, Kinerja OPD) dengan hitung ulang dari arsip"
    )
    cr.add_argument("--rebuild", action="store_true", help="hitung ulang rekap dulu, lalu periksa")
    cr.set_defaults(func=cmd_check_rollups)
    cf = sub.add_parser(
        "check-foto", help="cari berkas foto tanpa baris (dihapus) dan baris foto tanpa berkas (dilaporkan)"
    )
    cf.add_argument("--dry-run", action="store_true", help="hanya laporkan, jangan hapus")
    cf.add_argument("--umur-menit", type=float, default=10, help="hapus hanya berkas yatim yang lebih tua (bawaan 10)")
    cf.set_defaults(func=cmd_check_foto)
    imp = sub.add_parser("import-aspirasi", help="impor aspirasi dari CSV/XLSX (semua baris atau tidak sama sekali)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import_aspirasi)
    pes = sub.add_parser(
        "import-peserta", help="impor daftar hadir bimtek dari CSV/XLSX (semua atau tidak sama sekali)"
    )
    pes.add_argument("file")
    pes.add_argument("--bimtek", type=int, required=True, metavar="ID", help="id acara bimtek")
    pes.set_defaults(func=cmd_import_peserta)
    bak = sub.add_parser(
        "backup", help="cadangkan basis data ke FILE (SQLite: salinan daring; PostgreSQL: pg_dump -Fc)"
    )
    bak.add_argument("file")
    bak.set_defaults(func=cmd_backup)
    rst = sub.add_parser("restore", help="pulihkan basis data dari FILE (SQLite: salinan pengaman dibuat dulu)")
    rst.add_argument("file")
    rst.set_defaults(func=cmd_restore)
    sub.add_parser(
        "postgis", help="opsional (PostgreSQL + PostGIS): simpan poligon kelurahan di basis data untuk ST_Contains"
    ).set_defaults(func=cmd_postgis)
    user = sub.add_parser(
        "create-user",
        help="buat pengguna; kata sandi ditanya (tidak ditampilkan) atau dibaca dari stdin",
    )
    user.add_argument("username")
    user.add_argument("--peran", required=True, choices=["pimpinan", "staf", "admin"])
    user.add_argument("--nama", help="nama lengkap")
    user.add_argument("--kecamatan", help="kode kecamatan bila akun staf hanya untuk satu kecamatan, mis. 35.73.02")
    user.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin")
    user.set_defaults(func=cmd_create_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
