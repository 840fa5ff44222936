"""scripts/with_meilisearch.sh, which .ci/run uses for the Meilisearch half of the search
contract: without a binary it runs nothing and says so (exit 78); with the real server
the machine has (MEILI_BIN or `meilisearch` on the PATH; skipped otherwise) the command
sees a healthy server at MEILI_URL with its master key, and the server is gone after."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request

import pytest

from tests.factories import ROOT

SCRIPT = ROOT / "scripts" / "with_meilisearch.sh"
BINARY = os.environ.get("MEILI_BIN") or shutil.which("meilisearch")


def test_without_a_binary_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    env = {"PATH": "/usr/bin:/bin", "MEILI_BIN": str(tmp_path / "absent")}
    done = subprocess.run(
        [str(SCRIPT), "touch", str(marker)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 78
    assert "no Meilisearch binary" in done.stderr
    assert not marker.exists()


@pytest.mark.skipif(not BINARY, reason="no Meilisearch binary (MEILI_BIN or on the PATH)")
def test_the_command_meets_a_real_server_that_is_stopped_afterwards():
    probe = (
        "import os, urllib.request, json;"
        "r = urllib.request.Request(os.environ['MEILI_URL'] + '/keys',"
        " headers={'Authorization': 'Bearer ' + os.environ['MEILI_MASTER_KEY']});"
        "print(os.environ['MEILI_URL']);"
        "print(len(json.load(urllib.request.urlopen(r))['results']) >= 0)"
    )
    env = {**os.environ, "MEILI_BIN": BINARY}
    done = subprocess.run(
        [str(SCRIPT), sys.executable, "-c", probe], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    url, authorised = done.stdout.split()[-2:]
    assert authorised == "True"
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/health", timeout=2)
