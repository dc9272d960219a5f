"""deploy/: the docker-compose file and the Kubernetes manifest name only settings ordex has, share one PostgreSQL
between two replicas, and probe BentoML's own health routes. (No Docker engine runs here: the files are checked,
the image itself is built by ``bentoml containerize`` where one does; ``tests/serving/test_bento.py`` checks its
build context.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from serving.settings import ServiceSettings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
PROBES = {"/livez", "/readyz", "/healthz"}  # BentoML serves these itself


def settings_named(text: str) -> set[str]:
    return set(re.findall(r"\bORDEX_[A-Z0-9_]+\b", text)) - {"ORDEX_IMAGE", "ORDEX_MASTER_DATA"}


def is_setting(name: str) -> bool:
    """Whether ``ORDEX_<FIELD>`` (or ``ORDEX_<FIELD>__<SUB>``) is a field of the service's settings."""
    field, _, sub = name.removeprefix("ORDEX_").lower().partition("__")
    if field not in ServiceSettings.model_fields:
        return False
    if not sub:
        return True
    annotation: Any = ServiceSettings.model_fields[field].annotation
    return sub in getattr(annotation, "model_fields", {})


def test_compose_runs_two_replicas_on_one_postgresql_with_mlflow() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert {"postgres", "mlflow", "ordex-a", "ordex-b", "load", "keys"} <= set(services)
    urls = {services[s]["environment"]["ORDEX_DATABASE_URL"] for s in ("ordex-a", "ordex-b", "load", "keys")}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql://") and "@postgres:" in next(iter(urls))
    assert {services[s]["environment"]["ORDEX_MLFLOW_TRACKING_URI"] for s in ("ordex-a", "ordex-b")} == {
        "http://mlflow:5000"}
    for replica in ("ordex-a", "ordex-b"):
        probe = " ".join(services[replica]["healthcheck"]["test"])
        assert "/readyz" in probe
        assert services[replica]["depends_on"]["load"]["condition"] == "service_completed_successfully"
    assert services["load"]["command"][:2] == ["ordex", "load"] and services["keys"]["command"][:3] == [
        "ordex", "keys", "create"]
    unknown = [n for n in settings_named(text) if not is_setting(n)]
    assert not unknown, unknown


def test_the_kubernetes_manifest_probes_bentomls_routes_and_names_real_settings() -> None:
    text = (DEPLOY / "kubernetes" / "ordex.yaml").read_text()
    deployment, service = list(yaml.safe_load_all(text))
    assert deployment["kind"] == "Deployment" and deployment["spec"]["replicas"] >= 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] in PROBES
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    names = {e["name"] for e in container["env"]}
    assert "ORDEX_DATABASE_URL" in names and all(is_setting(n) for n in names)
    assert service["kind"] == "Service" and service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
