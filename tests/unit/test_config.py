"""Settings: defaults, environment variables and overrides, with their types."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings


def test_environment_variables_override_defaults_with_their_types() -> None:
    settings = Settings.from_env(
        {
            "MHKG_QUERY_TIMEOUT_S": "2.5",
            "MHKG_MAX_RESULT_ROWS": "10",
            "MHKG_STORE_DIR": "/tmp/x",
            "MHKG_SERVICE_ALLOWLIST": "https://a.example/ https://b.example/",
            "MHKG_UPDATE_TOKEN": "secret",
        }
    )
    assert settings.query_timeout_s == 2.5
    assert settings.max_result_rows == 10
    assert settings.store_dir == Path("/tmp/x")
    assert settings.service_allowlist == ("https://a.example/", "https://b.example/")
    assert settings.update_token == "secret"


def test_explicit_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"MHKG_PORT": "9000"}, port=9100)
    assert settings.port == 9100


def test_the_token_never_appears_in_the_settings_repr() -> None:
    assert "secret" not in repr(Settings(update_token="secret"))


@pytest.mark.parametrize("overrides", [{"base_iri": "https://example.org"}, {"query_timeout_s": 0}])
def test_invalid_settings_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        Settings(**overrides)
