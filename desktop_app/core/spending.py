"""The spend ledger: what each paid job was quoted, what the service charged, and what it gave back.

Rows live in the job journal (table ``spending``, journal format 5), keyed by job id and kind ("charge" or
"refund"), so recording the same charge twice (a resume, a second process polling the same job) counts it once.
A charge the service did not report is recorded from the quote and marked estimated; a later reported figure
replaces an estimate, never a reported one. Days are local calendar days (what "today" means to the user).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.jobs import JobStore

CHARGE, REFUND = "charge", "refund"
NOT_CHARGED = "You were not charged."


@dataclass(frozen=True)
class Entry:
    job_id: str
    kind: str  # CHARGE or REFUND
    service: str  # provider name: "scenario", "hyper3d"
    model_id: str
    day: str  # YYYY-MM-DD, local time
    amount: float  # positive for both kinds; a refund is subtracted
    unit: str = ""
    quoted: float | None = None  # the price shown before sending, when it was asked
    estimated: bool = False  # the service reported no charge: ``amount`` is the quote
    balance_before: float | None = None
    balance_after: float | None = None
    at: float = 0.0
    note: str = ""

    @property
    def signed(self) -> float:
        return -self.amount if self.kind == REFUND else self.amount

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CapReachedError(MeshwrightError):
    """Today's spending on a service plus this job's quote would pass the cap the user set."""


def today(now: float | None = None) -> str:
    return dt.date.fromtimestamp(time.time() if now is None else now).isoformat()


def cap_message(service: str, cap: float, spent: float, quote: float | None, unit: str) -> str:
    unit = f" {unit}" if unit else ""
    quoted = f", this job is quoted at {quote:g}{unit}" if quote is not None else ""
    return (f"Today's {service} spending cap of {cap:g}{unit} is reached: {spent:g}{unit} spent{quoted}. "
            f"Raise the cap in Settings → Spending or wait until tomorrow. {NOT_CHARGED}")


def over_cap(cap: float | None, spent: float, quote: float | None) -> bool:
    """Whether one more job would pass the cap. An unknown quote is judged by what is already spent."""
    if cap is None:
        return False
    return spent + (quote or 0.0) > cap + 1e-9 or (quote is None and spent >= cap)


class Ledger:
    """Reads and writes the ``spending`` table of a ``JobStore``'s journal (same connection, same lock)."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def record(self, entry: Entry) -> bool:
        """Add ``entry``; True if it changed the ledger. The same job and kind again is ignored, except that
        a reported charge replaces an estimated one."""
        e = entry
        row = (e.job_id, e.kind, e.service, e.model_id, e.day, float(e.amount), e.unit, e.quoted, int(e.estimated),
               e.balance_before, e.balance_after, e.at or time.time(), e.note)
        store = self.store
        with store._lock, store._write_txn():  # the ledger is part of the journal: same connection
            cur = store._db.execute(
                "INSERT INTO spending (job_id, kind, service, model_id, day, amount, unit, quoted, estimated, "
                "balance_before, balance_after, at, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (job_id, kind) DO UPDATE SET amount = excluded.amount, estimated = 0, "
                "balance_after = COALESCE(excluded.balance_after, balance_after) "
                "WHERE spending.estimated = 1 AND excluded.estimated = 0", row)
            return cur.rowcount > 0

    def get(self, job_id: str, kind: str = CHARGE) -> Entry | None:
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT * FROM spending WHERE job_id = ? AND kind = ?", (job_id, kind)).fetchone()
        return _entry(row) if row else None

    def entries(self, since: str | None = None) -> list[Entry]:
        """Every entry (oldest first), or those from day ``since`` (YYYY-MM-DD) on."""
        sql = "SELECT * FROM spending" + (" WHERE day >= ?" if since else "") + " ORDER BY day, at"
        with self.store._lock:
            rows = self.store._db.execute(sql, (since,) if since else ()).fetchall()
        return [_entry(r) for r in rows]

    def spent_on(self, service: str, day: str) -> float:
        """Charges minus refunds recorded for ``service`` on ``day``."""
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT COALESCE(SUM(CASE kind WHEN 'refund' THEN -amount ELSE amount END), 0) FROM spending "
                "WHERE service = ? AND day = ?", (service, day)).fetchone()
        return float(row[0])


def _entry(row: Any) -> Entry:
    return Entry(job_id=row["job_id"], kind=row["kind"], service=row["service"], model_id=row["model_id"],
                 day=row["day"], amount=row["amount"], unit=row["unit"], quoted=row["quoted"],
                 estimated=bool(row["estimated"]), balance_before=row["balance_before"],
                 balance_after=row["balance_after"], at=row["at"], note=row["note"])


@dataclass
class SummaryRow:
    day: str
    service: str
    model_id: str
    unit: str
    jobs: int = 0
    charged: float = 0.0
    refunded: float = 0.0
    estimated: bool = False

    @property
    def net(self) -> float:
        return self.charged - self.refunded

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "net": self.net}


def summarise(entries: Iterable[Entry]) -> tuple[list[SummaryRow], dict[str, dict[str, float]]]:
    """Rows per day, service and model (sorted), and totals per service and unit:
    ``{"scenario CU": {"charged": .., "refunded": .., "net": ..}}``."""
    rows: dict[tuple[str, str, str, str], SummaryRow] = {}
    totals: dict[str, dict[str, float]] = {}
    for e in entries:
        key = (e.day, e.service, e.model_id, e.unit)
        row = rows.setdefault(key, SummaryRow(*key))
        total = totals.setdefault(f"{e.service} {e.unit}".strip(), {"charged": 0.0, "refunded": 0.0, "net": 0.0})
        if e.kind == REFUND:
            row.refunded += e.amount
            total["refunded"] += e.amount
        else:
            row.jobs += 1
            row.charged += e.amount
            row.estimated = row.estimated or e.estimated
            total["charged"] += e.amount
        total["net"] += e.signed
    return [rows[k] for k in sorted(rows)], totals


def per_day(entries: Iterable[Entry], service: str | None = None) -> dict[str, float]:
    """Net spend per day of one service (units differ between services), or of all: the chart's bars."""
    days: dict[str, float] = {}
    for e in entries:
        if service is None or e.service == service:
            days[e.day] = days.get(e.day, 0.0) + e.signed
    return dict(sorted(days.items()))
