"""The spend ledger: what each paid job was quoted, what the service charged, and what it gave back.

Rows live in the job journal (table ``spending``, journal format 5), keyed by job id and kind ("reserved",
"charge" or "refund"), so recording the same charge twice (a resume, a second process polling the same job) counts
it once. A charge the service did not report is recorded from the quote and marked estimated; a later reported
figure replaces an estimate, never a reported one. Days are local calendar days (what "today" means to the user).

Before a paid request leaves, ``reserve`` writes a "reserved" row holding the job's quote (and, later, the balance
read before sending). It does so in the same BEGIN IMMEDIATE transaction that sums today's spending, so two
processes sharing one library cannot both pass the daily cap: SQLite lets one writer in at a time, and the second
sees the first's reservation. Recording the charge turns the reservation into it (quote and balance carried over);
a job refused before payment drops it; a job whose fate is unknown keeps it, since it may have been charged.

Deleting a job settles its reservation (``JobStore.delete``, in the same transaction): dropped when the journal
shows its paid request never left (still "preparing", no remote id, never "needs check"); otherwise kept, still
counted against that day's cap, and noted ``JOB_DELETED`` so reports call it "unsettled" rather than "being sent".
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import MeshwrightError

if TYPE_CHECKING:  # store.py settles a deleted job's reservation with this module: no import cycle at run time
    from desktop_app.core.jobs.store import JobStore

CHARGE, REFUND, RESERVED = "charge", "refund", "reserved"
NOT_CHARGED = "You were not charged."
JOB_DELETED = "job deleted"  # the note on a reservation whose job was deleted while its fate was unknown
UNSETTLED = "unsettled: job deleted, may have been charged"


@dataclass(frozen=True)
class Entry:
    job_id: str
    kind: str  # CHARGE, REFUND or RESERVED (quoted, being sent or of unknown fate; not a charge yet)
    service: str  # provider name: "scenario", "hyper3d"
    model_id: str
    day: str  # YYYY-MM-DD, local time
    amount: float  # positive for both kinds; a refund is subtracted
    unit: str = ""
    quoted: float | None = None  # the price shown before sending, when it was asked
    estimated: bool = False  # the service reported no charge: ``amount`` is the quote
    balance_before: float | None = None  # None: the service has no balance reading, or it came too late
    balance_after: float | None = None
    at: float = 0.0
    note: str = ""

    @property
    def unsettled(self) -> bool:
        """A reservation whose job was deleted with its fate unknown: it may have been charged, nobody will tell."""
        return self.kind == RESERVED and self.note == JOB_DELETED

    @property
    def signed(self) -> float:
        """What this entry adds to the money spent: a reservation adds nothing until it is charged."""
        return -self.amount if self.kind == REFUND else 0.0 if self.kind == RESERVED else self.amount

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


def settle_deleted_reservation(db: sqlite3.Connection, job_id: str, never_left: bool) -> str:
    """Inside the journal transaction that deletes job ``job_id``: drop its reservation when its paid request
    ``never_left`` (nothing can have been charged), else keep it, still counted against that day's cap, noted
    ``JOB_DELETED``. Returns "released", "kept" or "" (no reservation)."""
    if never_left:
        cur = db.execute("DELETE FROM spending WHERE job_id = ? AND kind = ?", (job_id, RESERVED))
        return "released" if cur.rowcount else ""
    cur = db.execute("UPDATE spending SET note = ? WHERE job_id = ? AND kind = ?", (JOB_DELETED, job_id, RESERVED))
    return "kept" if cur.rowcount else ""


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
            if e.kind == CHARGE:
                row = self._take_reservation(row)
            cur = store._db.execute(
                "INSERT INTO spending (job_id, kind, service, model_id, day, amount, unit, quoted, estimated, "
                "balance_before, balance_after, at, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (job_id, kind) DO UPDATE SET amount = excluded.amount, estimated = 0, "
                "balance_after = COALESCE(excluded.balance_after, balance_after) "
                "WHERE spending.estimated = 1 AND excluded.estimated = 0", row)
            return cur.rowcount > 0

    def _take_reservation(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Inside a write transaction: drop the job's reservation, keeping its quote and balance-before on the
        charge row that replaces it."""
        db = self.store._db
        held = db.execute("SELECT quoted, balance_before FROM spending WHERE job_id = ? AND kind = ?",
                          (row[0], RESERVED)).fetchone()
        if held is None:
            return row
        db.execute("DELETE FROM spending WHERE job_id = ? AND kind = ?", (row[0], RESERVED))
        quoted = row[7] if row[7] is not None else held["quoted"]
        before = row[9] if row[9] is not None else held["balance_before"]
        # A charge recorded again (a resume) still gets what the reservation knew.
        db.execute("UPDATE spending SET quoted = COALESCE(quoted, ?), balance_before = COALESCE(balance_before, ?) "
                   "WHERE job_id = ? AND kind = ?", (quoted, before, row[0], CHARGE))
        return (*row[:7], quoted, row[8], before, *row[10:])

    def reserve(self, job_id: str, service: str, model_id: str, quote: float | None, unit: str,
                cap: float | None, day: str | None = None) -> tuple[bool, float]:
        """Check today's spending on ``service`` against ``cap`` and, when the job fits, write its reservation,
        in one transaction (atomic across processes sharing the journal). Returns (reserved, spent so far).

        "Spent" counts charges, minus refunds, plus other jobs' reservations: a job being sent elsewhere may be
        charged any moment. The job's own earlier reservation (a submit started again) is replaced."""
        day = day or today()
        store = self.store
        with store._lock, store._write_txn():
            row = store._db.execute(
                "SELECT COALESCE(SUM(CASE kind WHEN 'refund' THEN -amount ELSE amount END), 0) FROM spending "
                "WHERE service = ? AND day = ? AND NOT (job_id = ? AND kind = 'reserved')",
                (service, day, job_id)).fetchone()
            spent = float(row[0])
            if over_cap(cap, spent, quote):
                store._db.execute("DELETE FROM spending WHERE job_id = ? AND kind = ?", (job_id, RESERVED))
                return False, spent
            store._db.execute(
                "INSERT OR REPLACE INTO spending (job_id, kind, service, model_id, day, amount, unit, quoted, "
                "estimated, at) VALUES (?,?,?,?,?,?,?,?,1,?)",
                (job_id, RESERVED, service, model_id, day, float(quote or 0.0), unit, quote, time.time()))
            return True, spent

    def release(self, job_id: str) -> None:
        """Drop a job's reservation: it was refused or stopped before its paid request left."""
        with self.store._lock, self.store._write_txn():
            self.store._db.execute("DELETE FROM spending WHERE job_id = ? AND kind = ?", (job_id, RESERVED))

    def set_balance(self, job_id: str, *, before: float | None = None, after: float | None = None) -> None:
        """Note the account balance read before the paid request left or after the job settled, on the job's
        charge (or its reservation, while there is no charge yet). A reading never overwrites one."""
        with self.store._lock, self.store._write_txn():
            self.store._db.execute(
                "UPDATE spending SET balance_before = COALESCE(balance_before, ?), "
                "balance_after = COALESCE(balance_after, ?) WHERE job_id = ? AND kind IN ('charge', 'reserved')",
                (before, after, job_id))

    def get(self, job_id: str, kind: str = CHARGE) -> Entry | None:
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT * FROM spending WHERE job_id = ? AND kind = ?", (job_id, kind)).fetchone()
        return _entry(row) if row else None

    def job_lines(self, job_ids: Iterable[str]) -> dict[str, JobLine]:
        """The ledger of these jobs only (read by job id, the table's key), folded per job; a job with no rows
        (free, never sent, or its reservation dropped) is absent."""
        ids = list(dict.fromkeys(job_ids))
        rows: list[Any] = []
        with self.store._lock:
            for start in range(0, len(ids), 500):  # SQLite's host-parameter limit
                chunk = ids[start:start + 500]
                rows += self.store._db.execute(
                    f"SELECT * FROM spending WHERE job_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return {line.job_id: line for line in per_job(_entry(r) for r in rows)}

    def entries(self, since: str | None = None) -> list[Entry]:
        """Every entry (oldest first), or those from day ``since`` (YYYY-MM-DD) on."""
        sql = "SELECT * FROM spending" + (" WHERE day >= ?" if since else "") + " ORDER BY day, at"
        with self.store._lock:
            rows = self.store._db.execute(sql, (since,) if since else ()).fetchall()
        return [_entry(r) for r in rows]

    def spent_on(self, service: str, day: str) -> float:
        """Charges minus refunds recorded for ``service`` on ``day``, plus reservations (jobs being sent)."""
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
    quoted: float | None = None  # the quotes of these jobs, None when none was asked
    pending: float = 0.0  # reserved: jobs being sent, or whose fate is unknown (they may have been charged)
    unsettled: float = 0.0  # reserved by deleted jobs whose fate is unknown: may have been charged, never settled

    @property
    def net(self) -> float:
        return self.charged - self.refunded

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "net": self.net}


def summarise(entries: Iterable[Entry]) -> tuple[list[SummaryRow], dict[str, dict[str, float]]]:
    """Rows per day, service and model (sorted), and totals per service and unit:
    ``{"scenario CU": {"charged": .., "refunded": .., "net": .., "quoted": .., "pending": .., "unsettled": ..}}``."""
    rows: dict[tuple[str, str, str, str], SummaryRow] = {}
    totals: dict[str, dict[str, float]] = {}
    for e in entries:
        key = (e.day, e.service, e.model_id, e.unit)
        row = rows.setdefault(key, SummaryRow(*key))
        total = totals.setdefault(f"{e.service} {e.unit}".strip(),
                                  {"charged": 0.0, "refunded": 0.0, "net": 0.0, "quoted": 0.0, "pending": 0.0,
                                   "unsettled": 0.0})
        if e.kind == REFUND:
            row.refunded += e.amount
            total["refunded"] += e.amount
        elif e.unsettled:
            row.unsettled += e.amount
            total["unsettled"] += e.amount
        elif e.kind == RESERVED:
            row.pending += e.amount
            total["pending"] += e.amount
        else:
            row.jobs += 1
            row.charged += e.amount
            row.estimated = row.estimated or e.estimated
            total["charged"] += e.amount
        if e.kind != REFUND and e.quoted is not None:
            row.quoted = (row.quoted or 0.0) + e.quoted
            total["quoted"] += e.quoted
        total["net"] += e.signed
    return [rows[k] for k in sorted(rows)], totals


def per_day(entries: Iterable[Entry], service: str | None = None) -> dict[str, float]:
    """Net spend per day of one service (units differ between services), or of all: the chart's bars."""
    days: dict[str, float] = {}
    for e in entries:
        if (service is None or e.service == service) and e.kind != RESERVED:
            days[e.day] = days.get(e.day, 0.0) + e.signed
    return dict(sorted(days.items()))


@dataclass
class JobLine:
    """One paid job: its quote beside what it was charged and refunded, and the balance around it."""

    job_id: str
    day: str
    service: str
    model_id: str
    unit: str
    quoted: float | None = None
    charged: float | None = None  # None: not charged (yet): sending, or its fate is unknown
    refunded: float = 0.0
    estimated: bool = False
    balance_before: float | None = None  # None: unknown
    balance_after: float | None = None
    at: float = 0.0
    deleted: bool = False  # its job was deleted while reserved with its fate unknown (Entry.unsettled)

    @property
    def status(self) -> str:
        if self.charged is None:
            return "unsettled" if self.deleted else "reserved"
        return "refunded" if self.refunded else "estimated" if self.estimated else "charged"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def per_job(entries: Iterable[Entry]) -> list[JobLine]:
    """The ledger folded per job (oldest first): a job's reservation, charge and refund on one line."""
    lines: dict[str, JobLine] = {}
    for e in sorted(entries, key=lambda e: e.at):
        line = lines.setdefault(e.job_id, JobLine(e.job_id, e.day, e.service, e.model_id, e.unit, at=e.at))
        if e.kind == REFUND:
            line.refunded += e.amount
            continue
        if e.kind == CHARGE:
            line.charged, line.estimated, line.day = e.amount, e.estimated, e.day
        line.deleted = line.deleted or e.unsettled
        line.quoted = e.quoted if e.quoted is not None else line.quoted
        line.balance_before = e.balance_before if e.balance_before is not None else line.balance_before
        line.balance_after = e.balance_after if e.balance_after is not None else line.balance_after
    return sorted(lines.values(), key=lambda line: (line.day, line.at))


def figure(value: float | None, unknown: str = "unknown") -> str:
    """A ledger figure for a person: "30", or "unknown" where the service told nothing."""
    return unknown if value is None else f"{value:g}"
