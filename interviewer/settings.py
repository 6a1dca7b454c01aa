"""All configuration in one pydantic-settings class: environment first, then a TOML file."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

APP = "mlsd"


def config_file() -> Path:
    override = os.environ.get("MLSD_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


class Settings(BaseSettings):
    """mlsd settings. Environment variables win over `config.toml` in the user config directory."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    model: str = Field(default="gpt-4o-mini", validation_alias=AliasChoices("MLSD_MODEL", "model"))
    brain: Literal["auto", "offline", "llm"] = Field(default="auto", validation_alias=AliasChoices("MLSD_BRAIN", "brain"))
    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP)),
        validation_alias=AliasChoices("MLSD_HOME", "home"),
    )
    llm_timeout: float = Field(default=60.0, validation_alias=AliasChoices("MLSD_LLM_TIMEOUT", "llm_timeout"))
    llm_retries: int = Field(default=3, validation_alias=AliasChoices("MLSD_LLM_RETRIES", "llm_retries"))
    llm_backoff: float = Field(default=0.5, validation_alias=AliasChoices("MLSD_LLM_BACKOFF", "llm_backoff"))
    words_per_minute: float = 130.0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))

    def resolved_brain(self) -> Literal["offline", "llm"]:
        """auto means llm when a key or a base URL is set, else offline."""
        if self.brain == "auto":
            return "llm" if (self.openai_api_key or self.openai_base_url) else "offline"
        return self.brain

    def brain_reason(self) -> str:
        if self.brain != "auto":
            return f"brain set to {self.brain}"
        if self.openai_base_url:
            return f"OPENAI_BASE_URL is set ({self.openai_base_url})"
        if self.openai_api_key:
            return "OPENAI_API_KEY is set"
        return "no API key or base URL configured"

    def secrets(self) -> list[str]:
        """Values that must never be written to disk."""
        return [self.openai_api_key.get_secret_value()] if self.openai_api_key else []

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(self.home, 0o700)
        except OSError:
            pass
        return self.home


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)
