"""PriceReport wording: what `quote` prints for a price, a missing price and a missing balance."""

from __future__ import annotations

from desktop_app.pricing import PriceReport


def test_price_with_balance_detail_and_missing_price_read_plainly() -> None:
    priced = PriceReport("hyper3d:rodin", "Hyper3D Rodin", 2.0, "credits", "1 credit + 1 for HighPack", 12.5, "credits")
    assert priced.text() == "Hyper3D Rodin: 2 credits (1 credit + 1 for HighPack)\nBalance: 12.5 credits"
    unpriced = PriceReport("scenario:m", "Scenario", None, note="Scenario gives no price for this job.")
    assert unpriced.text() == "Scenario gives no price for this job." and unpriced.to_json()["cost"] is None
    no_balance = PriceReport("hyper3d:rodin", "Hyper3D Rodin", 0.5, "credits", note="Balance unavailable: no key.")
    assert no_balance.text().splitlines() == ["Hyper3D Rodin: 0.5 credits", "Balance unavailable: no key."]
    assert PriceReport("local:relief", "Offline", 0.0, "credits", "runs here").text() == "Offline: free (runs here)"
