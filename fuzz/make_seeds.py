"""Write a small seed corpus for a fuzz target (generated, so no binary files are committed)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import _common  # noqa: F401  (puts the project on sys.path)


def seeds(target: str) -> list[bytes]:
    if target == "tabular":
        import openpyxl

        csv_text = (
            'judul;kelurahan;rw;rt;tanggal\nLampu mati;Gadingasri;9;2;28/11/2025\n"a;b";Kota Lama;01;03;2025-11-28\n'
        )
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Judul", "Kelurahan", "RW", "Tanggal"])
        sheet.append(["Jalan rusak", "Tasikmadu", 5, "Jumat, 28 November 2025"])
        sheet["E2"] = "=1+1"
        buf = io.BytesIO()
        book.save(buf)
        return [
            b"\x00" + csv_text.encode(),
            b"\x00" + "\ufeff".encode() + csv_text.replace(";", ",").encode(),
            b"\x00" + csv_text.encode("utf-16"),
            b"\x00" + csv_text.encode("cp1252") + "é".encode("cp1252"),
            b"\x01" + buf.getvalue(),
        ]
    if target == "tanggal":
        texts = ("2025-11-28", "28/11/2025", "Jumat, 28 November 2025", "28-Agt-2025", "31.02.2024")
        return [s.encode() for s in texts]
    if target == "names":
        return [s.encode() for s in ("Gadingasri", "Kel. Rampal Celaket", "35.73.02.1001", "Oro-Oro Dowo", "Kota Lama")]
    raise SystemExit(f"unknown target {target}")


if __name__ == "__main__":
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(seeds(sys.argv[1])):
        (out / f"seed-{i}").write_bytes(data)
