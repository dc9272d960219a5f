"""One line from pip-audit's JSON report: how many locked packages, how many with known vulnerabilities (named),
how many the advisory source had no record of."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(report: dict) -> str:
    """The line ``make audit`` prints."""
    deps = report.get("dependencies", [])
    vulnerable = [f"{d['name']} {d['version']} ({', '.join(v['id'] for v in d['vulns'])})"
                  for d in deps if d.get("vulns")]
    skipped = sum(1 for d in deps if d.get("skip_reason"))
    line = (f"pip-audit: {len(deps)} locked packages, {len(vulnerable)} with known vulnerabilities, "
            f"{skipped} without an advisory record at the index")
    return line + ("".join(f"\n  {v}" for v in vulnerable))


if __name__ == "__main__":
    print(summary(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
