"""The house's contract over the import graph (read from the source, nothing imported):

- ``kit`` imports no other part of flexcover, and ``rules`` only ``kit``;
- no domain module (anything but a router, a page or a command) imports ``web`` or ``cli``;
- a capability reaches another through its ``service`` (and its ``problems``, ``schemas`` and the
  registry's ``authz``), never its models, repository or other internals;
- no two capabilities' cores (all but their routers, pages and commands) import each other:
  one informs the other through an event (``kit.events``, wired in ``flexcover.wiring``).

The imports that break the last two today are listed below by name: they are the debt the next
refactoring pays off. A new one fails this test; so does a listed one that is gone (strike it).
The composition root (``web.app``), the migrations' table list and the synthetic data builders
(which arrange whole worlds on purpose) are outside the contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "flexcover"
CAPABILITIES = {"registry", "ledger", "contributions", "coverage", "cockpit", "jobs"}
DOORS = {"service", "problems", "schemas", "authz"}
EDGES = ("api", "pages", "commands", "link_command")
"""Module names (or endings) of routers, pages and commands: the edge, where web and cli belong."""
OUTSIDE = {"web.app", "wiring", "migrations", "synth", "cli", "__main__"}

KNOWN_EDGE_IMPORTS: set[tuple[str, str]] = set()
KNOWN_INTERNALS = {
    ("cockpit.coverage_panels", "coverage.canonical"),
    ("cockpit.coverage_panels", "coverage.labels"),
    ("cockpit.coverage_panels", "coverage.models"),
    ("cockpit.links", "coverage.expansion"),
    ("cockpit.pages", "registry.models"),
    ("cockpit.person_pages", "contributions.overview"),
    ("cockpit.person_pages", "coverage.pages"),
    ("contributions.api", "registry.api"),
    ("contributions.platform_pages", "registry.accounts"),
    ("contributions.platform_pages", "registry.roster"),
    ("contributions.platforms", "registry.roster"),
    ("contributions.repository", "registry.models"),
    ("contributions.settlement", "ledger.columns"),
    ("coverage.api", "registry.api"),
    ("coverage.repository", "registry.models"),
    ("ledger.repository", "registry.models"),
    ("web.auth", "registry.accounts"),
    ("web.bulk", "registry.models"),
    ("web.pages", "registry.accounts"),
}


def _imports() -> list[tuple[str, str]]:
    """(module, imported flexcover module or module.name) for every import in the source."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flexcover."):
                base = node.module.removeprefix("flexcover.")  # type: ignore[union-attr]
                if "." in base:
                    found.append((module, base))
                else:
                    found.extend((module, f"{base}.{alias.name}") for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend(
                    (module, alias.name.removeprefix("flexcover."))
                    for alias in node.names
                    if alias.name.startswith("flexcover.")
                )
    return found


def _package(module: str) -> str:
    return module.split(".")[0]


def _outside(module: str) -> bool:
    return module in OUTSIDE or _package(module) in OUTSIDE


def _is_edge(module: str) -> bool:
    last = module.split(".")[-1]
    return last in EDGES or last.endswith(("_api", "_pages", "_command"))


def test_kit_and_rules_import_nothing_above_them():
    above = [
        (module, target)
        for module, target in _imports()
        if (_package(module) == "kit" and _package(target) != "kit")
        or (_package(module) == "rules" and _package(target) not in ("rules", "kit"))
    ]
    assert above == []


def test_only_the_edge_imports_the_web_and_the_command_line():
    edge_imports = {
        (module, _package(target))
        for module, target in _imports()
        if _package(target) in ("web", "cli")
        and _package(module) not in ("web", "cli")
        and not _outside(module)
        and not _is_edge(module)
    }
    assert edge_imports - KNOWN_EDGE_IMPORTS == set(), "new imports of web or cli"
    assert KNOWN_EDGE_IMPORTS - edge_imports == set(), "gone: strike them from the list"


def test_a_capability_is_entered_through_its_service():
    internals = {
        (module, ".".join(target.split(".")[:2]))
        for module, target in _imports()
        if _package(target) in CAPABILITIES
        and _package(target) != _package(module)
        and target.split(".")[1] not in DOORS
        and not _outside(module)
    }
    assert internals - KNOWN_INTERNALS == set(), "new imports of another capability's insides"
    assert KNOWN_INTERNALS - internals == set(), "gone: strike them from the list"


def test_no_two_capabilities_import_each_other():
    uses = {
        (_package(module), _package(target))
        for module, target in _imports()
        if _package(module) in CAPABILITIES
        and _package(target) in CAPABILITIES
        and _package(module) != _package(target)
        and not _is_edge(module)
    }
    both_ways = sorted((a, b) for a, b in uses if (b, a) in uses and a < b)
    assert both_ways == []
