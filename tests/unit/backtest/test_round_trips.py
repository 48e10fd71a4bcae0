"""Round trips of fills that flip a position in one fill, interleave symbols and leave one open."""

import pandas as pd

from vyapari.backtest.round_trips import round_trips


def test_a_flipping_fill_closes_then_opens_and_open_positions_are_left_out():
    t = pd.Timestamp("2026-01-05 09:15", tz="Asia/Kolkata")
    minutes = [0, 1, 2, 3, 4, 5]
    trades = pd.DataFrame(
        {
            "ts": [t + pd.Timedelta(minutes=m) for m in minutes],
            "symbol": ["A", "B", "A", "B", "A", "B"],
            "side": ["BUY", "SELL", "SELL", "BUY", "BUY", "BUY"],
            "quantity": [5, 2, 8, 2, 1, 7],
            "price": [100.0, 50.0, 110.0, 45.0, 90.0, 40.0],
            "charges_inr": [5.0, 2.0, 8.0, 2.0, 1.0, 7.0],
        }
    )
    trips = round_trips(trades)
    # A: long 5 closed by the first 5 of the 8-share sell (which opens a 3-share short), then 1 of
    # the short bought back at 90; 2 short shares stay open. B: short 2 closed at 45; the 7 long stay open.
    assert trips["symbol"].tolist() == ["A", "B", "A"]
    assert trips["direction"].tolist() == ["long", "short", "short"]
    assert trips["quantity"].tolist() == [5, 2, 1]
    assert trips["entry_price"].tolist() == [100.0, 50.0, 110.0]
    assert trips["exit_price"].tolist() == [110.0, 45.0, 90.0]
    assert trips["gross_pnl_inr"].tolist() == [50.0, 10.0, 20.0]
    assert trips["charges_inr"].tolist() == [10.0, 4.0, 2.0]  # ₹1 a share on every fill, both legs
    assert trips["holding"].tolist() == [pd.Timedelta(minutes=m) for m in (2, 2, 2)]


def test_no_fills_give_an_empty_table_with_the_columns():
    empty = pd.DataFrame(columns=["ts", "symbol", "side", "quantity", "price", "charges_inr"])
    trips = round_trips(empty)
    assert trips.empty and "holding" in trips.columns
