"""The package boundaries of the README's architecture, as import-linter contracts.

``make test`` runs ``lint-imports`` on the tree; these tests show the contracts are not
vacuous (a deliberate violation breaks them) and that the core really loads alone.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib

import grimp
import pytest
from importlinter import configuration
from importlinter.contracts.forbidden import ForbiddenContract

from tests.factories import ROOT

configuration.configure()  # what the lint-imports command does first
SETTINGS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*SETTINGS["root_packages"], include_external_packages=True)


def contract(contract_id: str) -> ForbiddenContract:
    (options,) = (c for c in SETTINGS["contracts"] if c["id"] == contract_id)
    session = {key: value for key, value in SETTINGS.items() if key != "contracts"}
    return ForbiddenContract(options["name"], session, options)


@pytest.mark.parametrize("contract_id", ["leaf-core", "engine"])
def test_the_tree_keeps_the_contract(graph, contract_id):
    assert contract(contract_id).check(graph, verbose=False).kept


@pytest.mark.parametrize(
    ("contract_id", "importer", "imported"),
    [
        ("leaf-core", "domain.kinds", "flask"),
        ("leaf-core", "domain.matching.evaluate", "sqlalchemy"),
        ("leaf-core", "domain.gazetteer", "webapp.models"),
        ("leaf-core", "domain.text", "search.query"),
        ("engine", "search.query", "webapp.models"),
        ("engine", "search.embedded", "sqlalchemy"),
        ("engine", "search.meili", "importers.reference"),
    ],
)
def test_a_deliberate_violation_breaks_the_contract(graph, contract_id, importer, imported):
    graph = copy.deepcopy(graph)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    assert not contract(contract_id).check(graph, verbose=False).kept


def test_an_indirect_violation_breaks_it_too(graph):
    """domain -> search -> webapp is as bad as domain -> webapp."""
    graph = copy.deepcopy(graph)
    graph.add_import(
        importer="domain.kinds", imported="search.query", line_number=1, line_contents="x"
    )
    check = contract("leaf-core").check(graph, verbose=False)
    assert not check.kept


def test_importing_the_whole_core_and_engine_loads_no_web_or_database_code():
    probe = (
        "import importlib, pkgutil, sys\n"
        "import domain, search\n"
        "for package in (domain, search):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(' '.join(sorted(loaded & {'flask', 'flask_babel', 'sqlalchemy', 'werkzeug',"
        " 'webapp', 'importers', 'config'})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
