"""``spending [--json] [--since DATE]``: what Meshwright's jobs were quoted, charged and refunded, per day, model
and service, with totals (desktop_app.core.spending keeps the ledger)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from typing import Any

from desktop_app.core.errors import ValidationError
from desktop_app.core.spending import Ledger, summarise


def add_parser(sub: Any) -> None:
    p = sub.add_parser("spending", help="what your jobs cost: charges and refunds per day, model and service")
    p.add_argument("--json", action="store_true")
    p.add_argument("--since", default="", metavar="DATE", help="only from this day on (YYYY-MM-DD)")


def parse_day(text: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValidationError({"--since": f"wants a day like 2026-03-01, got “{text}”"}) from None


async def run(services: Any, args: argparse.Namespace) -> int:
    since = parse_day(args.since) if args.since else None
    entries = await asyncio.to_thread(Ledger(services.store).entries, since)
    rows, totals = summarise(entries)
    if args.json:
        print(json.dumps({"rows": [r.to_json() for r in rows], "totals": totals,
                          "entries": [e.to_json() for e in entries]}, indent=2))
        return 0
    if not rows:
        print("No paid jobs recorded" + (f" since {since}." if since else "."))
        return 0
    print(f"{'day':10}  {'service':9} {'model':34} {'jobs':>4} {'charged':>9} {'refunded':>9} {'net':>9}")
    for r in rows:
        mark = " (estimated)" if r.estimated else ""
        print(f"{r.day:10}  {r.service:9} {r.model_id:34} {r.jobs:>4} {r.charged:>9g} {r.refunded:>9g} "
              f"{r.net:>9g} {r.unit}{mark}")
    for name, t in totals.items():
        print(f"Total {name}: charged {t['charged']:g}, refunded {t['refunded']:g}, net {t['net']:g}")
    return 0
