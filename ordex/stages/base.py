"""What every stage is: a component with typed options, a name and a version, warmed up once, ``Case -> Case``."""

from __future__ import annotations

from functools import cache
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from ordex.schema import Case


class Options(BaseModel):
    """Base of every stage's options: frozen, built once from the settings, each field described."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@runtime_checkable
class Stage(Protocol):
    """One step of the pipeline. ``model`` and ``version`` name what decided (a model's registry version, the
    lexicon's, a hash of ``rules.yaml``) and go into the case's trace with the milliseconds it took."""

    name: ClassVar[str]

    @property
    def model(self) -> str: ...

    @property
    def version(self) -> str: ...

    def warm_up(self) -> None: ...

    def __call__(self, case: Case) -> Case: ...


@cache
def package_version(name: str) -> str:
    """An installed package's version, looked up once (the trace asks for it on every case)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "dev"


class Component:
    """Defaults for a stage with nothing to load and no model of its own (its version is ordex's)."""

    name: ClassVar[str] = ""

    @property
    def model(self) -> str:
        return ""

    @property
    def version(self) -> str:
        return package_version("ordex")

    def warm_up(self) -> None:
        """Nothing to load."""
