"""Rotasi Rembuk: cycle progress, the next Fridays with their transparent priority, the rotation map,
the status of every kelurahan, and (staff) confirming and changing the plan."""

from __future__ import annotations

from ui import rotasi
from ui.pages import open_page

actor, _, today = open_page("rotasi")

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
