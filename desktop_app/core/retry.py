"""The one retry policy for reads, polls and downloads (PRACTICES.md section 2).

What is retried: a ``ProviderError`` marked ``retryable`` (HTTP 408/429/500/502/503/504 and broken connections,
as the providers classify them with :data:`RETRYABLE_STATUS`) and a download's transient failure. How long to
wait: the server's ``Retry-After`` when it sent one (capped at ``max_retry_after``), else an exponential
backoff from ``base`` to ``cap``, spread by ``jitter`` so that many jobs failing together do not come back
together. How often: ``attempts`` tries in all (0: until the caller's own deadline, as polls have).

Never for the paid submit: a submit whose fate is unknown (``SubmitUncertainError``) is not resent, and
:meth:`RetryPolicy.should_retry` refuses it whatever its flags say. The scheduler's handling of a submit the
service *refused* (a known "not accepted") is its own, in core/jobs/scheduler_submit.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.core.errors import ProviderError, SubmitUncertainError

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # tries in all, the first included; 0 = no limit here (the caller has a deadline)
    base: float  # seconds before the first retry
    cap: float  # the longest wait between two tries
    jitter: float = 0.2  # each wait is spread over ±20 %
    max_retry_after: float = 150.0  # a server's Retry-After is honoured up to this

    def backoff(self, failure: int, *, cap: float | None = None,
                rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the ``failure``-th failure in a row (1-based), with jitter."""
        limit = self.cap if cap is None else cap
        plain = min(limit, self.base * (2 ** max(0, failure - 1)))
        spread = plain * self.jitter * (2.0 * rand() - 1.0)
        return max(0.0, min(limit, plain + spread))

    def delay(self, failure: int, retry_after: float | None = None, *, cap: float | None = None,
              rand: Callable[[], float] = random.random) -> float:
        """The wait before the next try: the server's Retry-After when given, else the backoff."""
        if retry_after is not None:
            return max(0.0, min(self.max_retry_after, retry_after))
        return self.backoff(failure, cap=cap, rand=rand)

    def tries_left(self, failure: int) -> bool:
        return self.attempts == 0 or failure < self.attempts

    def should_retry(self, exc: BaseException, failure: int) -> bool:
        """Try again after ``exc``, the ``failure``-th failure in a row? Never for a paid request's unknown fate."""
        if isinstance(exc, SubmitUncertainError):
            return False
        return isinstance(exc, ProviderError) and exc.retryable and self.tries_left(failure)


# Reads: model lists, schemas, output lists, fresh download links, free uploads.
READS = RetryPolicy(attempts=5, base=2.0, cap=60.0)
# Polls: the job's own deadline ends them; the cap is the provider's poll cap where it has one.
POLLS = RetryPolicy(attempts=0, base=2.0, cap=60.0)
# Downloads of finished files: a transient failure is tried again over a fresh link.
DOWNLOADS = RetryPolicy(attempts=5, base=1.0, cap=20.0)
# Scenario's free asset uploads, before the paid request: a couple of quick tries.
UPLOADS = RetryPolicy(attempts=3, base=1.0, cap=3.0, max_retry_after=30.0)
