"""The paper broker: simulated fills with the backtest's rules, slippage and fees."""

from vyapari.brokers.paper.adapter import PaperBrokerAdapter, PaperTickStream
from vyapari.brokers.paper.config import PaperConfig, paper_config_from_env
from vyapari.brokers.paper.exchange import PaperExchange
from vyapari.brokers.paper.journal import (
    FilePaperJournal,
    InMemoryPaperJournal,
    JournaledPaperBrokerAdapter,
    PaperJournal,
)

__all__ = [
    "FilePaperJournal",
    "InMemoryPaperJournal",
    "JournaledPaperBrokerAdapter",
    "PaperBrokerAdapter",
    "PaperConfig",
    "PaperExchange",
    "PaperJournal",
    "PaperTickStream",
    "paper_config_from_env",
]
