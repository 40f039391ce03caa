"""The house's contract over the import graph (read from the source, nothing imported):

- ``kit`` imports no other part of flexcover, and ``rules`` only ``kit``;
- no domain module (anything but a router, a page or a command) imports ``web`` or ``cli``;
- a capability reaches another through its ``service`` (and its ``problems``, ``schemas``, the
  registry's ``authz``, ``accounts`` and ``roster``), never its models, repository or other
  internals; a repository may join the registry's reference tables in SQL;
- no two capabilities' cores (all but their routers, pages and commands) import each other:
  one informs the other through an event (``kit.events``, wired in ``flexcover.wiring``).

No import breaks them today; the ``KNOWN_`` lists are where a breach would be named while it is
paid off (a listed one that is gone fails too: strike it). The composition root (``web.app``,
``flexcover.wiring``), the migrations' table list and the synthetic data builders (which
arrange whole worlds on purpose) are outside the contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "flexcover"
CAPABILITIES = {"registry", "ledger", "contributions", "coverage", "cockpit", "jobs"}
DOORS = {"service", "problems", "schemas", "authz"}
REGISTRY_DOORS = {"accounts", "roster"}
"""The registry, the oldest and widest capability, has two more services: logins, sessions and
tokens (``accounts``) and platforms' rosters (``roster``)."""
SHARED_TABLES = {"registry.models"}
"""A repository may join the registry's reference tables (people, jurisdictions, platforms) in
its SQL; nothing else reaches into another capability's tables."""
EDGES = ("api", "pages", "commands", "link_command")
"""Module names (or endings) of routers, pages and commands: the edge, where web and cli belong."""
OUTSIDE = {"web.app", "wiring", "migrations", "synth", "cli", "__main__"}

KNOWN_EDGE_IMPORTS: set[tuple[str, str]] = set()
KNOWN_INTERNALS: set[tuple[str, str]] = set()


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


def _door(module: str, target: str) -> bool:
    inside = ".".join(target.split(".")[:2])
    name = target.split(".")[1]
    if name in DOORS or (_package(target) == "registry" and name in REGISTRY_DOORS):
        return True
    return module.endswith("repository") and inside in SHARED_TABLES


def test_a_capability_is_entered_through_its_service():
    internals = {
        (module, ".".join(target.split(".")[:2]))
        for module, target in _imports()
        if _package(target) in CAPABILITIES
        and _package(target) != _package(module)
        and not _door(module, target)
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


def test_routers_pages_commands_and_panels_read_through_services():
    """No ``session.get`` on a table outside a capability's insides: an edge reads what a service
    found, authorised and audited."""
    edges = [
        path
        for path in SOURCE.rglob("*.py")
        if path.name in ("api.py", "pages.py", "commands.py", "roster_api.py")
        or path.name.endswith(("_pages.py", "_panels.py", "_command.py"))
    ]
    assert edges
    offenders = [
        str(path.relative_to(SOURCE)) for path in edges if "session.get(" in path.read_text()
    ]
    assert offenders == []
