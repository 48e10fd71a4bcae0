"""What a live run is asked to do, validated once at the edge (the CLI or the Fargate entrypoint).

:class:`LiveRunConfig` is frozen: :func:`vyapari.live.runner.run_live` reads it and nothing else
(besides the injected :class:`~vyapari.live.ports.LivePorts`). A bad value raises
:class:`~vyapari.core.errors.InvalidInput` naming the field (or the environment variable it came
from), before anything is connected or written. Amounts ₹, instants tz-aware (IST).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from vyapari.brokers.factory import broker_name
from vyapari.brokers.paper.config import PaperConfig, paper_config_from_env
from vyapari.core.errors import InvalidInput
from vyapari.costs.base import FeeModel
from vyapari.live.market_feed import check_feed
from vyapari.live.risk import RiskLimits, risk_limits_from_env

SETTING_PREFIXES = ("BROKER", "PAPER_", "KITE_", "UPSTOX_", "RISK_", "DAILY_LOSS_LIMIT_INR")
"""The environment variables a live run reads (the broker's, the paper broker's, the risk limits)."""

DEFAULT_CAPITAL_INR = 1_000_000.0
Action = Literal["run", "kill", "reset", "status"]
ACTIONS: tuple[Action, ...] = ("run", "kill", "reset", "status")


def live_settings(
    environ: Mapping[str, str],
    *,
    state_dir: Path,
    broker: str | None = None,
    capital_inr: float | None = None,
    fees: str | None = None,
) -> dict[str, str]:
    """The variables of ``environ`` a live run reads (:data:`SETTING_PREFIXES`), with the given
    ``broker`` / ``capital_inr`` / ``fees`` on top (as ``BROKER``, ``PAPER_INITIAL_CAPITAL``,
    ``PAPER_FEES``), the secrets file's name and the paper journal under ``state_dir`` by default."""
    settings = {k: v for k, v in environ.items() if k.startswith(SETTING_PREFIXES)}
    given = {"BROKER": broker, "PAPER_INITIAL_CAPITAL": capital_inr, "PAPER_FEES": fees}
    settings.update({k: str(v) for k, v in given.items() if v is not None and v != ""})
    settings["VYAPARI_SECRETS_FILE"] = environ.get("VYAPARI_SECRETS_FILE", "")
    settings.setdefault("PAPER_STATE_FILE", str(state_dir / "paper-journal.jsonl"))
    return settings


@dataclass(frozen=True)
class LiveRunConfig:
    """One live or paper run (or the replay of recorded days through the live engine).

    Attributes
    ----------
    strategy, params : str, Mapping
        The strategy (a reference name, an entry point, ``module:Class`` or ``file.py:Class``)
        and its parameters.
    state_dir : Path
        Folder of the order-state SQLite file, the paper journal, the fills log and the metrics
        (local defaults; a deployment's ports replace the first and the last).
    settings : Mapping[str, str]
        ``BROKER`` and the broker's, paper broker's and risk variables (see :func:`live_settings`);
        kept out of ``repr`` (it can hold an API key).
    symbols : tuple of str, optional
        The universe (required to stream; a replay defaults to every symbol of its source).
    replay, session_date, speed : Path, date, float, optional
        Replay this minute-bar folder or lake (only ``session_date``, else all its days) at
        ``speed`` × real time (None: as fast as possible).
    run_id : str, optional
        Deployment id in every ``client_order_id`` (default: the strategy's name).
    capital_inr, fees : float, str, optional
        The engine's starting cash (₹) and fee model when the broker is not paper (paper: its own).
    lake : Path, optional
        Local lake: readiness, instrument snapshots (lots, freeze quantities) and the recording.
    ready_at : datetime, optional
        Check readiness as of this instant (tz-aware) instead of now, once (no holiday wait).
    skip_ready, feed, record_ticks, record : bool, str, bool, bool
        Skip the pre-open check; paper on this broker's tick stream; keep the ticks too; record
        the session's bars into the lake.

    Derived (validated in ``__post_init__``): ``broker``, ``paper`` (the paper broker's
    :class:`PaperConfig`, None for a real broker) and ``limits`` (:class:`RiskLimits`).
    """

    strategy: str
    state_dir: Path
    settings: Mapping[str, str] = field(repr=False)
    params: Mapping[str, Any] = field(default_factory=dict)
    symbols: tuple[str, ...] | None = None
    replay: Path | None = None
    session_date: date | None = None
    speed: float | None = None
    run_id: str | None = None
    capital_inr: float | None = None
    fees: str | None = None
    lake: Path | None = None
    ready_at: datetime | None = None
    skip_ready: bool = False
    feed: str | None = None
    record_ticks: bool = False
    record: bool = True
    broker: str = field(init=False)
    paper: PaperConfig | None = field(init=False, repr=False)
    limits: RiskLimits = field(init=False)

    def __post_init__(self) -> None:
        if not self.strategy or not self.strategy.strip():
            raise InvalidInput("strategy", "required to run")
        if not isinstance(self.params, Mapping):
            raise InvalidInput("params", f"must be a JSON object, got {type(self.params).__name__}")
        if self.speed is not None and not 0 < self.speed < float("inf"):
            raise InvalidInput("speed", f"must be a positive number of times real time, got {self.speed!r}")
        if self.symbols is not None and not all(s and s == s.strip().upper() for s in self.symbols):
            raise InvalidInput("symbols", f"must be upper-case names, no blanks: {list(self.symbols)!r}")
        if self.replay is None and not self.symbols:
            raise InvalidInput("symbols", "required to stream (without a replay)")
        if self.session_date is not None and self.replay is None:
            raise InvalidInput("session_date", "only with a replay")
        if self.ready_at is not None and self.ready_at.utcoffset() is None:
            raise InvalidInput("ready_at", "needs a UTC offset")
        if self.capital_inr is not None and not 0 < self.capital_inr < float("inf"):
            raise InvalidInput("capital_inr", f"must be > 0 ₹, got {self.capital_inr!r}")
        if self.run_id is not None and not self.run_id.strip():
            raise InvalidInput("run_id", "must not be blank")
        broker = broker_name(self.settings)
        object.__setattr__(self, "broker", broker)
        paper = self.replay is None and broker == "paper"
        feed = self.feed or (self.settings.get("PAPER_FEED") if paper else None)
        object.__setattr__(self, "feed", check_feed(feed, broker, replay=self.replay is not None))
        object.__setattr__(self, "paper", paper_config_from_env(self.settings) if broker == "paper" else None)
        object.__setattr__(self, "limits", risk_limits_from_env(self.settings))

    @property
    def streams(self) -> bool:
        """True for a run on a live tick stream (not a replay)."""
        return self.replay is None

    @property
    def checks_readiness(self) -> bool:
        """True when the pre-open readiness check must pass before trading (a stream, not skipped)."""
        return self.streams and not self.skip_ready

    @property
    def engine_capital_inr(self) -> float:
        """The engine ledger's starting cash in ₹: the paper broker's capital, else ``capital_inr``."""
        if self.paper is not None:
            return float(self.paper.initial_capital)
        return self.capital_inr or DEFAULT_CAPITAL_INR

    @property
    def engine_fees(self) -> FeeModel | str:
        """The fee model the engine books: the paper broker's own, else ``fees`` (default Zerodha)."""
        if self.paper is not None:
            return self.paper.fees
        return self.fees or "zerodha"


@dataclass(frozen=True)
class LiveCommand:
    """A ``live`` invocation: ``run`` (with its :class:`LiveRunConfig`) or a kill-switch action
    (``kill`` with ``reason``, ``reset``, ``status``) on the order state of ``state_dir``."""

    action: Action
    state_dir: Path
    broker: str
    reason: str = "operator"
    run: LiveRunConfig | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InvalidInput("action", f"{self.action!r} is not one of {', '.join(ACTIONS)}")
        if (self.action == "run") != (self.run is not None):
            raise InvalidInput("run", "a run needs its configuration, and only a run has one")

    @property
    def record_mode(self) -> str:
        """``paper`` for the paper broker, ``live`` otherwise (the API's record partition)."""
        return "paper" if self.broker == "paper" else "live"
