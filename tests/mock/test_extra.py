"""Without the [mock] extra: the pytest plugin loads, its fixtures skip, the CLI exits 2.

The extra is hidden in a subprocess by putting ``None`` in ``sys.modules`` for its packages,
which makes importing them raise ``ModuleNotFoundError`` as if they were not installed. The
installed wheel is checked the same way for real by ``scripts/check_wheel.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from light_client.mock import MockExtraMissingError
from light_client.mock._extra import load_server

HIDE_EXTRA = "import sys; sys.modules['openapi_core'] = None; sys.modules['werkzeug'] = None; "
MESSAGE = (
    "the Light mock needs the [mock] extra (openapi_core is not installed): "
    "pip install 'light-inc[mock]'"
)


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE_EXTRA + code],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_cli_without_the_extra_exits_2_naming_it() -> None:
    result = _python("import runpy; runpy.run_module('light_client.mock', run_name='__main__')")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"python -m light_client.mock: {MESSAGE}\n"


def test_import_without_the_extra_names_it() -> None:
    result = _python(
        "import light_client.mock as m\n"
        "try:\n    m.LightMock\n"
        "except ModuleNotFoundError as e:\n    print(type(e).__name__, e.name, e)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"MockExtraMissingError openapi_core {MESSAGE}\n"


def test_fixtures_without_the_extra_skip_naming_it(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        "def test_plain() -> None:\n    assert 1 + 1 == 2\n\n"
        "def test_with_mock(light_mock_url: str) -> None:\n    raise AssertionError\n",
        encoding="utf-8",
    )
    result = _python(
        "import pytest; sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', 'test_user.py']))",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert f"SKIPPED [1] test_user.py:4: {MESSAGE}" in result.stdout


def test_other_import_errors_are_not_disguised(monkeypatch: pytest.MonkeyPatch) -> None:
    # A missing module that is not part of the extra is a bug: raised as it is.
    monkeypatch.setitem(sys.modules, "light_client.mock._server", None)
    with pytest.raises(ModuleNotFoundError) as caught:
        load_server()
    assert type(caught.value) is ModuleNotFoundError
    assert caught.value.name == "light_client.mock._server"
    assert not isinstance(caught.value, MockExtraMissingError)
