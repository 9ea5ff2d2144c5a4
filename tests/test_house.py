"""The house in ../shared/design.md, read from the tree: imports point down, modules stay small,
a channel never touches the posting ledger."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scheduler"
MAX_LINES = 400

# room -> floor; a room may import from its own floor or below, never from above.
FLOORS = {
    "cli": 7,
    "web": 7,
    "__main__": 7,
    "daemon": 6,
    "posting": 5,
    "reports": 5,
    "check": 5,
    "health": 5,
    "holdback": 5,
    "channels": 4,
    "cards": 3,
    "proofread": 3,
    "project": 2,
    "ledger": 2,
    "errors": 1,
    "files": 1,
    "redaction": 1,
    "logsetup": 1,
    "lock": 1,
    "textsafety": 1,
    "timefmt": 1,
    "texttable": 1,
    "watch": 1,
    "memory": 1,
    "__init__": 1,
}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "assets" not in p.relative_to(PACKAGE).parts)


def room_of(module: str) -> str:
    """'scheduler.posting.publisher' -> 'posting'; 'scheduler' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("scheduler"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scheduler"):
            found.add(node.module)
    return found


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_room_has_a_floor() -> None:
    rooms = {room_of(module_name(path)) for path in modules()}
    assert rooms - FLOORS.keys() == set(), "add the new room to design.md and FLOORS"


def test_imports_point_down() -> None:
    upward = []
    for path in modules():
        here = room_of(module_name(path))
        for target in imported_modules(path):
            there = room_of(target)
            if there != here and FLOORS.get(there, 0) > FLOORS[here]:
                upward.append(f"{module_name(path)} -> {target}")
    assert upward == []


def test_a_channel_never_touches_the_posting_ledger() -> None:
    offending = [
        f"{module_name(path)} -> {target}"
        for path in modules()
        if room_of(module_name(path)) == "channels"
        for target in imported_modules(path)
        if room_of(target) == "ledger"
    ]
    assert offending == []


def test_no_module_is_over_400_lines() -> None:
    sizes = {module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_rooms_on_one_floor_do_not_import_each_other_both_ways() -> None:
    """Dependencies point one way: two rooms of a floor may not lean on each other (a cycle)."""
    edges: set[tuple[str, str]] = set()
    for path in modules():
        here = room_of(module_name(path))
        edges.update((here, room_of(target)) for target in imported_modules(path) if room_of(target) != here)
    assert sorted((a, b) for a, b in edges if (b, a) in edges) == []
