#!/usr/bin/env python3
"""Writes a synthetic schedule.json (c3voc/pretalx shape) of a FOSDEM-sized congress:
N sessions over 3 days in 40 rooms, about N*0.7 speakers. Deterministic (seeded).
Usage: gen_schedule.py N OUT.json [NAME]   (NAME seeds the guids, so two files do not share any)"""
import json, random, sys, uuid
from datetime import datetime, timedelta, timezone

n, out = int(sys.argv[1]), sys.argv[2]
rooms, days = 40, 3
rnd = random.Random(2027)
ns = uuid.uuid5(uuid.NAMESPACE_URL, "kongress-bench:" + (sys.argv[3] if len(sys.argv) > 3 else "large"))
cet = timezone(timedelta(hours=1))
first = datetime(2027, 2, 5, tzinfo=cet)
speakers = [{"guid": str(uuid.uuid5(ns, f"person-{i}")), "name": f"Speaker {i}",
             "biography": "Works on open source in the public sector. " * 3}
            for i in range(max(1, int(n * 0.7)))]
per_room_day = -(-n // (rooms * days))
room_names = [f"Room {chr(65 + r // 10)}{r % 10}" for r in range(rooms)]
day_list = []
k = 0
for d in range(days):
    date = first + timedelta(days=d)
    day_rooms = {name: [] for name in room_names}
    for r, name in enumerate(room_names):
        for s in range(per_room_day):
            if k >= n:
                break
            start = date.replace(hour=9) + timedelta(minutes=50 * s)
            day_rooms[name].append({
                "guid": str(uuid.uuid5(ns, f"event-{k}")), "id": k + 1,
                "date": start.isoformat(), "start": start.strftime("%H:%M"), "duration": "00:45",
                "room": name, "slug": f"fosdem_bench-{k + 1}-talk", "url": f"https://example.org/e/{k + 1}",
                "title": f"Talk {k + 1}: {rnd.choice(['Rust', 'Databases', 'Open Data', 'Mobility', 'Energy'])} in practice",
                "subtitle": "", "track": rnd.choice(["Main", "Devroom A", "Devroom B", "Lightning", "Community"]),
                "type": rnd.choice(["Talk", "Talk", "Talk", "Workshop", "Lightning talk"]),
                "language": "en", "abstract": "An abstract of a few sentences about the talk. " * 4,
                "description": None,
                "persons": [{k2: v for k2, v in sp.items()} for sp in rnd.sample(speakers, rnd.choice([1, 1, 2]))],
                "links": [],
            })
            k += 1
    day_list.append({"index": d + 1, "date": date.date().isoformat(),
                     "day_start": date.replace(hour=8).isoformat(),
                     "day_end": date.replace(hour=23).isoformat(), "rooms": day_rooms})
doc = {"schedule": {"version": "bench", "base_url": "https://example.org/",
       "conference": {"acronym": "fosdem_bench", "title": f"Bench congress ({n} sessions)",
                      "start": first.date().isoformat(), "end": (first + timedelta(days=days - 1)).date().isoformat(),
                      "daysCount": days, "timeslot_duration": "00:05", "time_zone_name": "Europe/Brussels",
                      "rooms": [{"name": r, "guid": str(uuid.uuid5(ns, r))} for r in room_names],
                      "days": day_list}}}
json.dump(doc, open(out, "w"))
print(f"{out}: {k} sessions, {len(speakers)} speakers, {rooms} rooms, {days} days")
