"""The service in process: a real engine on a real SQLite store, its background worker, keys for every role.

One host per module (opening an engine takes a second or two); each test posts messages with ids of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import write_trade
from support_serving import TOKEN, MediaServer, Svc, client_for, open_host

from ordex.keys import ROLES, create_key


@pytest.fixture(scope="module")
def media_server() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory, media_server: MediaServer) -> Iterator[Svc]:
    tmp = tmp_path_factory.mktemp("svc")
    md = write_trade(tmp / "md")
    host = open_host(tmp, md, whatsapp_access_token=TOKEN, whatsapp_graph_url=media_server.base_url)
    keys = {role: create_key(host.store, role, f"{role}-tester") for role in ROLES}
    yield Svc(host, client_for(host), keys, media_server, md)
    host.close()
