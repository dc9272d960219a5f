"""The BentoML server's entry point: ``bentoml serve`` with this instance's own Prometheus folder.

BentoML keeps its multiprocess metrics in one folder under its home and empties it at start, so a second
instance on the same host would wipe the first one's counters and then write beside them. ``ordex serve``
gives each instance its folder (``ORDEX_METRICS_DIR``, by default ``<data dir>/metrics/<port>``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

METRICS_DIR_ENV = "ORDEX_METRICS_DIR"


def main(argv: Sequence[str]) -> None:
    """``bentoml serve ARGV`` with BentoML's Prometheus folder set to ``$ORDEX_METRICS_DIR`` when it is set."""
    folder = os.environ.get(METRICS_DIR_ENV)
    if folder:
        from bentoml._internal.configuration.containers import BentoMLContainer

        os.makedirs(folder, exist_ok=True)
        BentoMLContainer.prometheus_multiproc_dir.set(folder)
    from bentoml_cli.cli import cli

    cli(["serve", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
