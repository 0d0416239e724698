"""Rotasi Rembuk: cycle progress, the next Fridays with their transparent priority, the rotation map,
the status of every kelurahan, and (staff) confirming and changing the plan."""

from __future__ import annotations

from ui import rotasi
from ui.pages import open_page

actor, _, today = open_page("rotasi")

plan, df = rotasi.status(rotasi.key(), today)
rotasi.summary(plan, df)
rotasi.estimated_calendar(plan, today)
rotasi.schedule(plan, today)
rotasi.map_section(df)
rotasi.status_table(today)
if actor.can("tulis"):
    rotasi.staff_actions(actor, plan, df, today)
if actor.can("admin"):
    rotasi.settings_section(actor)
    rotasi.calendar_admin(actor, plan, today)
