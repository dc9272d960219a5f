"""The stages as components: typed, frozen, described options; a name and a version each; the Engine runs them in
the contract's order and the extractor is a typed option, not a string mode."""

from __future__ import annotations

import pydantic
import pytest

from ordex import stages
from ordex.pipeline import Engine
from ordex.stages import Options, Stage, TagOptions

OPTION_CLASSES = [getattr(stages, n) for n in stages.__all__ if n.endswith("Options") and n != "Options"]


@pytest.mark.parametrize("cls", OPTION_CLASSES, ids=lambda c: c.__name__)
def test_every_option_is_frozen_and_described(cls: type[Options]) -> None:
    assert cls.model_config.get("frozen") is True
    assert all(f.description for f in cls.model_fields.values()), cls.__name__
    with pytest.raises(pydantic.ValidationError):
        cls(no_such_option=1)  # type: ignore[call-arg]


def test_the_engine_builds_the_eight_stages_in_order_each_named_and_versioned(engine: Engine) -> None:
    assert [s.name for s in engine.stages] == ["intake", "read", "split", "tag", "match", "validate", "gate", "decide"]
    assert all(isinstance(s, Stage) and s.version for s in engine.stages)


def test_the_extractor_is_a_typed_option_and_rules_are_named() -> None:
    with pytest.raises(pydantic.ValidationError):
        TagOptions(extractor="guess")  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError, match="unknown span rule"):
        TagOptions(rules=("known_units", "guess_harder"))
    assert TagOptions(rules=("known_units", "merge_products")).rules == ("merge_products", "known_units")  # run order
