"""Settings come from the environment, with explicit overrides winning."""

from __future__ import annotations

import dataclasses

import pytest

from chatrec.app.settings import Settings


def test_defaults_bind_loopback_and_packaged_models() -> None:
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1" and settings.port == 7860
    assert settings.data == "ml-100k" and settings.lm == "smollm2"


def test_environment_is_typed_and_overrides_win() -> None:
    env = {"CHATREC_PORT": "8000", "CHATREC_LM": "none", "CHATREC_ALLOW_DOWNLOADS": "yes",
           "CHATREC_LM_TIME_BUDGET_S": "1.5"}
    settings = Settings.from_env(env, lm="distilgpt2", data=None)
    assert settings.port == 8000 and settings.allow_downloads is True
    assert settings.lm_time_budget_s == 1.5
    assert settings.lm == "distilgpt2" and settings.data == "ml-100k"


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="CHATREC_PORT"):
        Settings.from_env({"CHATREC_PORT": "eighty"})


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]
