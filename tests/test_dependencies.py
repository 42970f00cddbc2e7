"""Every version range is true at both ends: CI runs the suite with the newest versions (the
README's command) and with the lowest ones pinned in ``tests/lowest-versions.txt``; this test
keeps that file and ``pyproject.toml`` in step, so a raised bound is a tested bound."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        found += [Requirement(r) for r in extra]
    return [r for r in found if r.marker is None or r.marker.evaluate()]


def pinned() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "tests/lowest-versions.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def lower_bound(req: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
    return max(bounds) if bounds else None


def test_every_range_has_a_lower_bound() -> None:
    assert [r.name for r in declared() if lower_bound(r) is None] == []


def test_the_lowest_versions_file_pins_each_range_at_its_low_end() -> None:
    pins = pinned()
    for req in declared():
        bound = lower_bound(req)
        assert bound is not None
        if any(s.operator == "==" for s in req.specifier):
            continue  # an exact pin (the linters) is tested by every run
        pin = pins.get(canonicalize_name(req.name))
        assert pin is not None, f"{req.name} has no pin in tests/lowest-versions.txt"
        assert pin in req.specifier, f"{req.name}=={pin} is outside {req.specifier}"
        # the first release at or after the bound: same release series as the bound says
        assert pin.release[: len(bound.release)] == bound.release or pin == bound, (
            f"{req.name}: pinned {pin}, but the range starts at {bound}"
        )


def test_nothing_is_pinned_that_is_not_declared() -> None:
    names = {canonicalize_name(r.name) for r in declared()}
    assert sorted(set(pinned()) - names) == []
