"""The one retry policy: how long, how often, what; and never the paid submit whose fate is unknown."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.core.retry import DOWNLOADS, POLLS, READS, RETRYABLE_STATUS, RetryPolicy, is_retryable_status


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(attempts=5, base=1.0, cap=5.0, jitter=0.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.backoff(3, cap=3.0) == 3.0  # a provider's own poll cap wins


def test_jitter_spreads_within_its_fraction_and_never_past_the_cap() -> None:
    policy = RetryPolicy(attempts=5, base=10.0, cap=15.0, jitter=0.2)
    assert policy.backoff(1, rand=lambda: 0.0) == pytest.approx(8.0)
    assert policy.backoff(1, rand=lambda: 1.0) == pytest.approx(12.0)
    assert policy.backoff(2, rand=lambda: 1.0) == 15.0
    waits = {round(policy.backoff(1), 6) for _ in range(50)}
    assert len(waits) > 1 and all(8.0 <= w <= 12.0 for w in waits)


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(attempts=3, base=1.0, cap=2.0, max_retry_after=30.0)
    assert policy.delay(1, retry_after=17.0) == 17.0  # longer than the cap: the server asked for it
    assert policy.delay(1, retry_after=900.0) == 30.0
    assert policy.delay(1, retry_after=-3.0) == 0.0
    assert 0.8 <= policy.delay(1) <= 1.2


def test_what_is_retried() -> None:
    assert {408, 429, 500, 502, 503, 504} == RETRYABLE_STATUS
    assert is_retryable_status(503) and not is_retryable_status(400) and not is_retryable_status(401)
    busy = ProviderError("busy", retryable=True)
    assert READS.should_retry(busy, 1) and READS.should_retry(busy, READS.attempts - 1)
    assert not READS.should_retry(busy, READS.attempts)  # attempts counts every try
    assert not READS.should_retry(ProviderError("bad request", retryable=False), 1)
    assert not READS.should_retry(AuthError("no key"), 1)
    assert not READS.should_retry(ValueError("bug"), 1)


def test_a_paid_request_of_unknown_fate_is_never_retried_whatever_its_flags() -> None:
    uncertain = SubmitUncertainError("the connection broke while sending")
    uncertain.retryable = True
    for policy in (READS, POLLS, DOWNLOADS):
        assert not policy.should_retry(uncertain, 1)


def test_polls_have_no_count_limit_of_their_own() -> None:
    assert POLLS.should_retry(ProviderError("busy", retryable=True), 10_000)
