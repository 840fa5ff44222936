"""The package boundaries of the README's architecture, as import-linter contracts.

``make test`` runs ``lint-imports`` on the tree; these tests show the contracts are not
vacuous (a deliberate violation breaks them) and that the core really loads alone. The
contracts are denylists (they name what is forbidden); the allowlist below names all the
core and the engine may import, so that a new dependency (marshmallow, jinja2, click...)
in them fails even though no contract names it.
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


# Besides the standard library, what each package's modules may import: the engine what
# the core may, the core itself and its search server's client.
_CORE_IMPORTS = {"domain", "numpy", "geopy", "scipy"}
ALLOWED_IMPORTS = {"domain": _CORE_IMPORTS, "search": _CORE_IMPORTS | {"search", "meilisearch"}}


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
    """search -> domain is allowed, but if the core then reached webapp the engine would
    reach it through the core: the contract follows the chain, not only direct imports."""
    graph = copy.deepcopy(graph)
    assert graph.find_shortest_chain(importer="search.query", imported="domain.text")
    assert contract("engine").check(graph, verbose=False).kept
    graph.add_import(
        importer="domain.text", imported="webapp.models", line_number=1, line_contents="x"
    )
    assert not contract("engine").check(graph, verbose=False).kept


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


def imported_outside_allowlist(graph: grimp.ImportGraph, package: str) -> dict[str, set[str]]:
    """Each top-level package ``package``'s modules import that is neither in the standard
    library nor in ``ALLOWED_IMPORTS[package]`` -> the modules that import it."""
    allowed = ALLOWED_IMPORTS[package] | sys.stdlib_module_names
    found: dict[str, set[str]] = {}
    for module in graph.find_descendants(package) | {package}:
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if top not in allowed:
                found.setdefault(top, set()).add(module)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_the_core_and_engine_import_only_their_allowlist(graph, package):
    assert imported_outside_allowlist(graph, package) == {}


def test_every_allowed_third_party_package_is_used(graph):
    """An allowance no module needs any more goes, rather than waiting for a use."""
    imported = {
        i.split(".")[0]
        for package in ALLOWED_IMPORTS
        for m in graph.find_descendants(package) | {package}
        for i in graph.find_modules_directly_imported_by(m)
    }
    assert set().union(*ALLOWED_IMPORTS.values()) <= imported


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        # Packages no contract forbids, which the allowlist still refuses.
        ("domain.kinds", "flask_smorest"),
        ("domain.kinds", "marshmallow"),
        ("domain.text", "webargs.fields"),
        ("domain.cpv", "jinja2"),
        ("domain.matching.evaluate", "openpyxl"),
        ("domain.kinds", "meilisearch"),  # the engine's dependency, not the core's
        ("search.query", "click"),
        ("search.meili", "alembic"),
        ("search.embedded", "importers.reference"),
    ],
)
def test_a_deliberate_violation_breaks_the_allowlist(graph, importer, imported):
    graph = copy.deepcopy(graph)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    package = importer.split(".")[0]
    assert imported_outside_allowlist(graph, package) == {imported.split(".")[0]: {importer}}
