"""KOTAKBANK through its real 5:1 split (ex-date 2026-01-14) in a lake of real NSE bhavcopies.

The bhavcopies are ``../shared/data`` (skipped when absent); the split is ingested as NSE's
corporate-action export lists it. Held through the ex-date on raw prices, the run must show
what a broker's statement shows: 100 shares become 500 at a fifth of the average price, and
the equity moves only with the market, not by the −₹1.7 lakh of a price that fell 5×.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from tests.unit.backtest.bt_strategies import target_strategy
from tests.unit.data.official_layouts import read_reshaped, reshaped_dir, to_legacy_bytes

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.data.lake import Lake
from vyapari.model.enums import Exchange
from vyapari.strategy.feed import LakeDataFeed, load_panel

DAYS = ("12012026", "13012026", "14012026", "16012026", "19012026")
pytestmark = pytest.mark.skipif(
    not all((reshaped_dir() / f"{d}.csv").exists() for d in DAYS),
    reason="real bhavcopies of 12..19 Jan 2026 in ../shared/data/nse_bhavcopy_reshaped are absent",
)
ACTIONS = (
    "SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE VALUE,EX-DATE,RECORD DATE,BOOK CLOSURE START DATE,"
    "BOOK CLOSURE END DATE\n"
    "KOTAKBANK,Kotak Mahindra Bank Limited,EQ,"
    "Face Value Split (Sub-Division) - From Rs 5/- Per Share To Re 1/- Per Share,"
    "5,14-Jan-2026,14-Jan-2026,-,-\n"
)
CAPITAL = 1_000_000.0


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    lake = Lake.at(tmp_path_factory.mktemp("lake"))
    for d in DAYS:
        frame = read_reshaped(reshaped_dir() / f"{d}.csv")
        frame = frame[frame["SYMBOL"] == "KOTAKBANK"]
        stamp = frame["TIMESTAMP"].iloc[0].upper()
        assert (
            lake.ingest_file(to_legacy_bytes(frame), f"cm{stamp.replace('-', '')}bhav.csv").status
            == "ingested"
        )
    assert lake.ingest_file(ACTIONS.encode(), "CF-CA-equities.csv").status == "ingested"
    return lake


def _run(lake: Lake, path: str, *, settle: bool = True):
    feed = LakeDataFeed(lake, Exchange.NSE, ["KOTAKBANK"], "1d")
    panel = load_panel(feed, date(2026, 1, 12), date(2026, 1, 19))
    if not settle:
        panel = panel.with_arrays(share_ratio=np.empty((0, 0)), cash_per_share=np.empty((0, 0)))
    targets = np.full(panel.shape, 100.0)  # 100 shares of the first session, held throughout
    result = run_backtest(target_strategy(lambda p: targets, qty=1), panel, BacktestConfig(path=path))
    return panel, result


@pytest.mark.parametrize("path", ["vector", "event"])
def test_holding_kotakbank_through_its_split_books_no_fake_loss(lake: Lake, path: str) -> None:
    panel, result = _run(lake, path)
    assert result.path == path
    close = panel.close[:, 0]
    assert close[1] > 1500 and close[2] < 500  # the raw prices do fall about 5× on the ex-date
    trades = result.trades_frame()
    assert list(trades["quantity"]) == [100]  # bought once; the split is no signal and no trade
    bought_at, charges = float(trades["price"].iloc[0]), float(trades["charges_inr"].iloc[0])
    assert result.positions[-1, 0] == 500
    # a broker's statement: 500 shares at the last close against 100 bought, less the charges
    statement = CAPITAL - 100 * bought_at - float(result.fills.charges.sum()) + 500 * close[-1]
    assert result.equity[-1] == pytest.approx(statement, abs=1e-6)
    assert charges < 300
    day_moves = np.diff(result.equity[1:])
    market_moves = 500 * np.diff(np.where(np.arange(len(close)) >= 2, close, close / 5)[1:])
    np.testing.assert_allclose(day_moves, market_moves, atol=1e-6)


def test_the_control_without_settlement_shows_the_fake_loss(lake: Lake) -> None:
    panel, settled = _run(lake, "vector")
    _, raw = _run(lake, "vector", settle=False)
    fake = raw.equity[-1] - settled.equity[-1]
    assert fake == pytest.approx(-400 * panel.close[-1, 0], rel=0.05)  # about −₹1.7 lakh
    assert fake < -150_000
