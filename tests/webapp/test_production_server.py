"""The production server as `make serve-prod` starts it: gunicorn with
deploy/gunicorn.conf.py on a migrated database; it answers /healthz and /readyz, its
workers start with the matcher's pool already read (before the fork), and each response
carries a request id that the access log and the JSON request log repeat."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.factories import ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PASSERELLES_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "SEARCH_INDEX_PATH": str(tmp_path / "index.sqlite3"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    env.pop("MEILI_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [BIN / "flask", "--app", "webapp", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "webapp:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.1)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_gunicorn_serves_ready_and_warm(server):
    base, log = server
    with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
        body = json.load(response)
        request_id = response.headers["X-Request-Id"]
    assert body["status"] == "ready"
    assert body["checks"]["matcher_pool"]["warm"] is True  # read before the fork
    time.sleep(0.5)  # the log lines are written as the response leaves
    text = log.read_text()
    assert "matcher pool warm before fork" in text
    assert f"id={request_id}" in text  # gunicorn's access line
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(line["request_id"] == request_id and line["status"] == 200 for line in lines)
