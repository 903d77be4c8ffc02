"""``spending [--json] [--jobs] [--since DATE]``: what Meshwright's jobs were quoted, charged and refunded, per day,
model and service, with totals, or job by job with the account balance before and after (desktop_app.core.jobs.spending
keeps the ledger)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from typing import Any

from desktop_app.core.errors import ValidationError
from desktop_app.core.jobs.spending import UNSETTLED, Ledger, figure, per_job, summarise


def add_parser(sub: Any) -> None:
    p = sub.add_parser("spending", help="what your jobs cost: quotes, charges and refunds per day, model and service")
    p.add_argument("--json", action="store_true")
    p.add_argument("--jobs", action="store_true",
                   help="one line per job: quote, charge, refund, and the balance before and after")
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
    jobs = per_job(entries)
    if args.json:
        print(json.dumps({"rows": [r.to_json() for r in rows], "totals": totals,
                          "jobs": [j.to_json() for j in jobs],
                          "entries": [e.to_json() for e in entries]}, indent=2))
        return 0
    if not rows:
        print("No paid jobs recorded" + (f" since {since}." if since else "."))
        return 0
    if args.jobs:
        print(f"{'day':10}  {'job':12} {'model':34} {'quoted':>8} {'charged':>8} {'refunded':>8}  "
              f"{'balance before → after':24} status")
        for j in jobs:
            balance = f"{figure(j.balance_before)} → {figure(j.balance_after)}"
            print(f"{j.day:10}  {j.job_id[:12]:12} {j.model_id[:34]:34} {figure(j.quoted, '-'):>8} "
                  f"{figure(j.charged, '-'):>8} {j.refunded:>8g}  {balance:24} "
                  f"{UNSETTLED if j.status == 'unsettled' else j.status} {j.unit}")
        return 0
    print(f"{'day':10}  {'service':9} {'model':34} {'jobs':>4} {'quoted':>8} {'charged':>9} {'refunded':>9} "
          f"{'net':>9}")
    for r in rows:
        mark = " (estimated)" if r.estimated else ""
        pending = f", {r.pending:g} reserved" if r.pending else ""
        pending += f", {r.unsettled:g} {UNSETTLED}" if r.unsettled else ""
        print(f"{r.day:10}  {r.service:9} {r.model_id[:34]:34} {r.jobs:>4} {figure(r.quoted, '-'):>8} "
              f"{r.charged:>9g} {r.refunded:>9g} {r.net:>9g} {r.unit}{mark}{pending}")
    for name, t in totals.items():
        pending = (f", {t['pending']:g} reserved by jobs being sent or of unknown outcome" if t["pending"] else "")
        pending += f", {t['unsettled']:g} {UNSETTLED}" if t["unsettled"] else ""
        print(f"Total {name}: quoted {t['quoted']:g}, charged {t['charged']:g}, refunded {t['refunded']:g}, "
              f"net {t['net']:g}{pending}")
    return 0
