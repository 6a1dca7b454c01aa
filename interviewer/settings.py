"""All configuration in one pydantic-settings class: environment first, then a TOML file."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import UsageError

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
    # one model call may take llm_timeout seconds, retries included: it fits an interactive turn
    llm_timeout: float = Field(default=20.0, gt=0, validation_alias=AliasChoices("MLSD_LLM_TIMEOUT", "llm_timeout"))
    llm_retries: int = Field(default=1, ge=0, validation_alias=AliasChoices("MLSD_LLM_RETRIES", "llm_retries"))
    llm_backoff: float = Field(default=0.5, ge=0, validation_alias=AliasChoices("MLSD_LLM_BACKOFF", "llm_backoff"))
    # after this many failed calls in a row the rest of the session runs offline
    llm_max_failures: int = Field(default=3, ge=1, validation_alias=AliasChoices("MLSD_LLM_MAX_FAILURES", "llm_max_failures"))
    words_per_minute: float = 130.0

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as e:
            raise UsageError(_one_line(e, type(self))) from None

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


def _one_line(e: ValidationError, cls: type[BaseSettings]) -> str:
    """The first settings error as one line naming the variable, e.g.
    `MLSD_LLM_TIMEOUT: Input should be greater than 0 (got '0'); set it in the environment or in <config.toml>`."""
    first = e.errors()[0]
    name = str(first["loc"][0]) if first.get("loc") else "?"
    info = cls.model_fields.get(name)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and alias.choices:
        name = str(alias.choices[0])
    msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    got = first.get("input")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    shown = f" (got {got!r})" if got is not None and not isinstance(got, (dict, SecretStr)) and name != "OPENAI_API_KEY" else ""
    return f"{name}: {msg}{shown}{more}; set it in the environment or in {config_file()}"


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)
