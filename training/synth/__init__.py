"""Synthetic distributors and dealer messages in invented trades, for training and judging generalisation.

``generate_trade(name, seed)`` makes a whole distributor (catalog, customers, prices, aliases, history);
``generate_messages(md, n, seed)`` writes labelled messages for any master data; ``python -m training.synth``
writes contract-format folders.
"""

from training.synth.generator import (
    LABELS,
    Example,
    GoldLine,
    GoldOrder,
    Span,
    TradeData,
    all_trades,
    generate_cases,
    generate_messages,
    generate_trade,
)
from training.synth.trades import TRADES

__all__ = ["LABELS", "TRADES", "Example", "GoldLine", "GoldOrder", "Span", "TradeData", "all_trades", "generate_cases",
           "generate_messages", "generate_trade"]
