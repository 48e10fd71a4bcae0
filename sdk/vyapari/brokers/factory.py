"""``make_broker(settings)``: the ONLY place that names concrete brokers.

``settings`` is a mapping of strings (the parsed environment: ``BROKER`` and the
``PAPER_*``, ``KITE_*``, ``UPSTOX_*`` variables of ``.env.sample``); nothing here reads
``os.environ``. Concrete broker modules are imported only when chosen, so paper trading
never imports ``kiteconnect`` or ``upstox_client``.

The paper broker keeps its account across restarts when it has a journal: the ``journal``
argument (a :class:`~vyapari.brokers.paper.journal.PaperJournal`, e.g. the AWS service's
DynamoDB journal), else the JSON-lines file ``PAPER_STATE_FILE``; with neither it starts
afresh every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.secrets import LocalFileSecretsStore, SecretsStore
from vyapari.brokers.session import SessionProvider
from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:
    from vyapari.brokers.paper.journal import PaperJournal

BROKERS = ("paper", "zerodha", "upstox")
DEFAULT_SECRETS_FILE = Path.home() / ".vyapari" / "secrets.json"


def broker_name(settings: Mapping[str, str]) -> str:
    """The validated ``BROKER`` setting (default ``paper``)."""
    name = (settings.get("BROKER") or "paper").strip().lower()
    if name not in BROKERS:
        raise InvalidInput("BROKER", f"{name!r} is not one of {', '.join(BROKERS)}")
    return name


def secrets_store_from_settings(settings: Mapping[str, str]) -> SecretsStore:
    """The local secrets file named by ``VYAPARI_SECRETS_FILE`` (default ``~/.vyapari/secrets.json``)."""
    return LocalFileSecretsStore(settings.get("VYAPARI_SECRETS_FILE") or DEFAULT_SECRETS_FILE)


def make_broker(
    settings: Mapping[str, str],
    *,
    secrets: SecretsStore | None = None,
    journal: PaperJournal | None = None,
) -> BrokerAdapter:
    """The broker adapter ``settings["BROKER"]`` names, configured from ``settings``.

    Parameters
    ----------
    settings : Mapping[str, str]
        ``BROKER`` and the broker's variables.
    secrets : SecretsStore, optional
        Where the daily session lives (the AWS service passes its Secrets Manager store);
        the local file by default.
    journal : PaperJournal, optional
        Where the paper broker journals its inputs (it wins over ``PAPER_STATE_FILE``); only
        the paper broker reads it, the others ignore it.
    """
    name = broker_name(settings)
    if name == "paper":
        from vyapari.brokers.paper import PaperBrokerAdapter, paper_config_from_env

        if journal is not None or settings.get("PAPER_STATE_FILE"):
            from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter

            return JournaledPaperBrokerAdapter(
                journal if journal is not None else settings["PAPER_STATE_FILE"],
                paper_config_from_env(settings),
            )
        return PaperBrokerAdapter(paper_config_from_env(settings))
    provider = SessionProvider(name, secrets or secrets_store_from_settings(settings))
    if name == "zerodha":
        from vyapari.brokers.zerodha import KiteBrokerAdapter, kite_config_from_env

        return KiteBrokerAdapter(kite_config_from_env(settings), provider)
    from vyapari.brokers.upstox import UpstoxBrokerAdapter, upstox_config_from_env

    return UpstoxBrokerAdapter(upstox_config_from_env(settings), provider)
