"""Rotasi Rembuk: cycle progress, the next Fridays with their transparent priority, the rotation map,
the status of every kelurahan, and (staff) confirming and changing the plan."""

from __future__ import annotations

from ui import auth, components, data, rotasi
from ui.format import tanggal

actor = auth.require("lihat")
today = data.today()
components.header("Rotasi Rembuk", f"Kota Malang · {tanggal(today)}", demo=data.demo_info(data.key()))
rotasi.flash()

plan, df = rotasi.status(rotasi.key(), today)
rotasi.ringkasan(plan, df)
rotasi.kalender_perkiraan(plan, today)
rotasi.jadwal(plan, df)
rotasi.peta(df)
rotasi.tabel_status(df)
if actor.boleh("tulis"):
    rotasi.aksi_staf(actor, plan, df, today)
if actor.boleh("admin"):
    rotasi.pengaturan(actor)
    rotasi.kalender_admin(actor, plan, today)
