"""Market data independent of the order venue: paper trading on a broker's live feed.

``vyapari live --broker paper --feed zerodha|upstox --symbols ...`` (or ``PAPER_FEED``) takes the
ticks from that broker's live stream and sends the orders to the simulated exchange, which fills
them against the minute bars the engine builds from those ticks (as in a replay). The stream is the
one live trading uses (:class:`~vyapari.brokers.zerodha.ticks.KiteTickStream` on ``KiteTicker``,
:class:`~vyapari.brokers.upstox.ticks.UpstoxTickStream` on Upstox's v3 streamer), driven by the same
:class:`~vyapari.live.service.LiveService`: resubscription after every reconnect, the feed watchdog,
malformed-frame counting and the in-session tick-freshness check.

The feed broker's session is the one ``vyapari login <broker>`` stores (Secrets Manager in AWS);
its API key and endpoints come from the ``KITE_*`` / ``UPSTOX_*`` settings. Instrument tokens come
from the lake's instrument snapshot of that broker in force today (``vyapari instruments publish``)
when there is one, else from the broker's instrument list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.secrets import SecretsStore
from vyapari.brokers.ticks import TickStream
from vyapari.core.errors import InvalidInput
from vyapari.data.storage import ObjectStore
from vyapari.instruments.records import InstrumentRecord

FEEDS = ("zerodha", "upstox")


def check_feed(feed: str | None, broker: str, *, replay: bool) -> str | None:
    """The validated feed name (None: the order broker's own stream).

    A feed is for paper trading (a live broker streams its own market data) and not for a replay
    (the replay is the market data).
    """
    if not feed:
        return None
    name = feed.strip().lower()
    if name not in FEEDS:
        raise InvalidInput("--feed", f"{feed!r} is not one of {', '.join(FEEDS)}")
    if broker not in ("paper", name):
        raise InvalidInput("--feed", f"only with --broker paper ({broker} streams its own market data)")
    if replay:
        raise InvalidInput("--feed", "not with --replay (the replay is the market data)")
    return name


def snapshot_records(lake: ObjectStore | None, broker: str, on: date) -> list[InstrumentRecord] | None:
    """``broker``'s instrument snapshot in force on ``on`` from ``lake``; None without one."""
    if lake is None:
        return None
    from vyapari.instruments import InstrumentMaster, InstrumentSnapshots
    from vyapari.instruments.records import table_to_records

    snapshots = InstrumentSnapshots(lake)
    day = InstrumentMaster(snapshots, broker).snapshot_date(on)
    return None if day is None else table_to_records(snapshots.read(broker, day))


def feed_adapter(feed: str, settings: Mapping[str, str], *, secrets: SecretsStore | None = None,
                 instruments: list[InstrumentRecord] | None = None) -> BrokerAdapter:
    """The market-data side of broker ``feed`` (its session, keys and instrument tokens)."""
    from vyapari.brokers.factory import secrets_store_from_settings
    from vyapari.brokers.session import SessionProvider

    provider = SessionProvider(feed, secrets or secrets_store_from_settings(settings))
    if feed == "zerodha":
        from vyapari.brokers.zerodha import KiteBrokerAdapter, kite_config_from_env

        return KiteBrokerAdapter(kite_config_from_env(settings), provider, instruments=instruments)
    from vyapari.brokers.upstox import UpstoxBrokerAdapter, upstox_config_from_env

    return UpstoxBrokerAdapter(upstox_config_from_env(settings), provider, instruments=instruments)


def market_stream(orders: BrokerAdapter, feed: str | None, settings: Mapping[str, str], *,
                  secrets: SecretsStore | None = None, lake: ObjectStore | None = None,
                  today: date | None = None) -> TickStream:
    """A new, unconnected tick stream: ``feed``'s live stream, or the order broker's own when None.

    Raises :class:`~vyapari.brokers.errors.SessionExpired` (naming the login command) when the feed
    broker has no valid session.
    """
    if feed is None:
        return orders.tick_stream()
    from vyapari.brokers.session import now_ist

    records = snapshot_records(lake, feed, today or now_ist().date())
    return feed_adapter(feed, settings, secrets=secrets, instruments=records).tick_stream()
