"""The pipeline's stages, one module each: intake -> read -> split -> tag -> match -> validate -> gate -> decide.

Each is a component (``ordex.stages.base.Stage``): typed options, ``name``, ``model`` and ``version`` for the
trace, ``warm_up()`` and ``__call__(case) -> Case``. ``ordex.pipeline.Engine`` builds the list and runs it.
"""

from ordex.stages.base import Component, Options, Stage
from ordex.stages.decide import DecideOptions, DecideStage
from ordex.stages.gate import GateOptions, GateStage
from ordex.stages.intake import IntakeOptions, IntakeStage
from ordex.stages.match import SURE_COUNT, MatchOptions, MatchStage
from ordex.stages.read import ReadOptions, ReadStage
from ordex.stages.split import SplitOptions, SplitStage, customer_of_sender
from ordex.stages.tag import TagOptions, TagStage
from ordex.stages.validate import Ledger, ValidateOptions, ValidateStage

__all__ = [
    "Component", "DecideOptions", "DecideStage", "GateOptions", "GateStage", "IntakeOptions", "IntakeStage", "Ledger", "MatchOptions",
    "MatchStage", "Options", "ReadOptions", "ReadStage", "SplitOptions", "SplitStage", "Stage", "TagOptions",
    "SURE_COUNT", "TagStage", "ValidateOptions", "ValidateStage", "customer_of_sender",
]
