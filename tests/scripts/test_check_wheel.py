"""scripts/check_wheel.py's footprint: the figures README's install table is written from."""

from __future__ import annotations

import sys
from pathlib import Path

from check_wheel import distributions, footprint_lines, tree_size


def test_the_footprint_table_is_the_plain_install_then_what_each_extra_adds() -> None:
    rows = [
        ("light-inc", 22_345_678, 11),
        ("light-inc[mock]", 43_210_000, 34),
        ("light-inc[cli]", 22_800_000, 12),
    ]
    assert footprint_lines(rows) == [
        "check_wheel: install footprint (a fresh venv; pip itself not counted)",
        "check_wheel:   light-inc                 22.3 MB in 11 packages",
        "check_wheel:   light-inc[mock]           43.2 MB in 34 packages  (+20.9 MB, +23)",
        "check_wheel:   light-inc[cli]            22.8 MB in 12 packages  (+0.5 MB, +1)",
    ]


def test_sizes_count_every_file_and_distributions_are_read_from_their_metadata(
    tmp_path: Path,
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_bytes(b"x" * 10)
    (tmp_path / "b.txt").write_bytes(b"y" * 5)
    info = tmp_path / "demo_dist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Demo_Dist\nVersion: 1.0\n")
    assert tree_size(tmp_path) == 15 + len((info / "METADATA").read_bytes())
    assert distributions(tmp_path) == {"demo_dist"}
    assert "pip" in distributions(Path(next(p for p in sys.path if p.endswith("site-packages"))))
