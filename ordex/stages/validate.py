"""validate: every rule of the contract on every order that has lines (``rules/validate.py``, ``rules.yaml``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import ClassVar

from pydantic import Field

import rules.validate as rules_module
from ordex.catalog import MasterData
from ordex.schema import Case
from ordex.stages.base import Component, Options
from rules.validate import OrderView, PastOrder, usual_orders, validate_order


@dataclass(frozen=True)
class Ledger:
    """What the store knows of a customer that the rules need: released value and recent orders."""

    released_value: Decimal
    recent: tuple[PastOrder, ...]


LedgerFor = Callable[[Case], Callable[[str], Ledger]]


class ValidateOptions(Options):
    """Thresholds the rules take from the settings."""

    qty: float = Field(default=0.5, description="Below this quantity confidence a line raises QTY_UNCLEAR")
    history: bool = Field(default=True, description="The history_evidence check (models.accounting.LINE_CHECKS): "
                                                    "a quantity far over what was ever ordered is QTY_UNCLEAR")


class ValidateStage(Component):
    """The rules, given the store's ledger of each customer (released value, recent orders) for the case."""

    name: ClassVar[str] = "validate"

    def __init__(self, md: MasterData, ledger: LedgerFor, options: ValidateOptions | None = None) -> None:
        self.options = options or ValidateOptions()
        self.md = md
        self.ledger = ledger
        self._version = rules_version()
        self.usual = usual_orders(md)

    @property
    def model(self) -> str:
        return "rules.yaml"

    @property
    def version(self) -> str:
        return self._version

    def __call__(self, case: Case) -> Case:
        return validate(case, self.md, self.ledger(case), self.options.qty, self.usual if self.options.history else None)


@cache
def rules_version() -> str:
    """A short hash of ``rules.yaml`` and the rules' code: which rules decided a case."""
    h = hashlib.sha256()
    for path in (Path(rules_module.__file__).with_name("rules.yaml"), Path(rules_module.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def validate(case: Case, md: MasterData, ledger: Callable[[str], Ledger], qty_threshold: float = 0.5,
             usual: Callable[[str | None], Mapping[str, float]] | None = None) -> Case:
    """Run every rule on every order that has lines; findings are added to the intake's."""
    findings = list(case.findings)
    for k, s in enumerate(case.sections):
        lines = [(i, ln) for i, ln in enumerate(case.lines) if ln.section == k]
        if not lines:
            continue
        customer = md.customer(s.customer_id)
        led = ledger(customer.customer_id) if customer else Ledger(Decimal(0), ())
        view = OrderView(section=k, message_id=case.message.id, received_at=case.message.received_at, customer=customer,
                         lines=lines, released_value=led.released_value, recent=led.recent, named=s.named,
                         qty_threshold=qty_threshold, usual=usual(s.customer_id) if usual else {})
        findings.extend(validate_order(view, md))
    return case.model_copy(update={"findings": tuple(findings)})
