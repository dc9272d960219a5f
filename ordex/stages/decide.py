"""decide: ``auto`` only when nothing was raised; ``no_order`` when the message holds no line and no finding."""

from __future__ import annotations

from typing import ClassVar

from ordex.schema import Case, Status
from ordex.stages.base import Component, Options


class DecideOptions(Options):
    """The decision has nothing to set: any finding holds the whole message for a person."""


class DecideStage(Component):
    """Sets the case's status from its findings and lines."""

    name: ClassVar[str] = "decide"

    def __init__(self, options: DecideOptions | None = None) -> None:
        self.options = options or DecideOptions()

    def __call__(self, case: Case) -> Case:
        if case.findings:
            status = Status.EXCEPTION
        elif case.lines:
            status = Status.AUTO
        else:
            status = Status.NO_ORDER
        return case.model_copy(update={"status": status})
