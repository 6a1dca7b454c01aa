"""All configuration in one pydantic-settings class: environment first, then a TOML file."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import ConfigError

APP = "mlsd"


def config_file() -> Path:
    override = os.environ.get("MLSD_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


class _TomlSource(TomlConfigSettingsSource):
    """The TOML source, with a broken file reported as one line naming the file and line."""

    def _read_file(self, file_path: Path) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except OSError as e:
            raise ConfigError(f"{file_path}: cannot read the config file: {e.strerror or e}; fix its permissions or set MLSD_CONFIG to another file") from None
        except ValueError as e:  # tomllib.TOMLDecodeError, or bytes that are not UTF-8
            msg = str(e)
            m = re.search(r"\(at line (\d+), column \d+\)", msg)
            line = m.group(1) if m else None
            msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg) or type(e).__name__
            if isinstance(e, UnicodeDecodeError):
                msg = "not valid UTF-8"
            where = f"{file_path}:{line}" if line else str(file_path)
            raise ConfigError(f"{where}: invalid TOML: {msg}; fix that line or move the file aside") from None


def _key_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    return next((n for n, ln in enumerate(lines, 1) if pat.match(ln)), None)


def _names(key: str) -> list[str]:
    """Every name a setting goes by (field name and aliases), given any one of them."""
    for name, f in Settings.model_fields.items():
        choices = getattr(f.validation_alias, "choices", None) or ([f.validation_alias] if f.validation_alias else [])
        names = [name, *(c for c in choices if isinstance(c, str))]
        if key in names:
            return list(dict.fromkeys(names))
    return [key]


def _explain(e: ValidationError) -> str:
    """One line for the first bad setting: where it came from (variable, or config file and line) and why."""
    err = e.errors()[0]
    key = str(err["loc"][0]) if err.get("loc") else "settings"
    why = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    names = _names(key)
    env = next((n for n in names if n.isupper() and n in os.environ), None)
    if env:
        got = "" if env == "OPENAI_API_KEY" else f" (got {os.environ[env]!r})"
        return f"{env}: {why}{got}{more}" + ("" if "unset" in why else "; fix or unset the environment variable")
    cfg = config_file()
    if cfg.is_file():
        for n in names:
            line = _key_line(cfg, n)
            if line is not None:
                return f"{cfg}:{line}: {n}: {why}{more}; fix the value or remove the line"
    return f"setting {names[0]}: {why}{more}"


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
    # a streamed reply that brings no token for this many seconds (the first one included) has stalled:
    # the call fails at once (no retry) and counts as a failure for the breaker; at most llm_timeout
    llm_idle_timeout: float = Field(default=10.0, gt=0, validation_alias=AliasChoices("MLSD_LLM_IDLE_TIMEOUT", "llm_idle_timeout"))
    # after this many failed calls in a row (or in a row of one kind) the rest of the session runs offline
    llm_max_failures: int = Field(default=3, ge=1, validation_alias=AliasChoices("MLSD_LLM_MAX_FAILURES", "llm_max_failures"))
    words_per_minute: float = 130.0

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as e:
            raise ConfigError(_explain(e)) from None

    @field_validator("openai_base_url", mode="before")
    @classmethod
    def _base_url_is_a_url(cls, v: Any) -> Any:
        """An endpoint that is no http(s) URL fails at start, naming the value, not as "Connection error." on
        every turn (a probe's `OPENAI_BASE_URL='not a url'` and `127.0.0.1:9999`, with no scheme)."""
        if not isinstance(v, str):
            return v
        if not v.strip():
            return None
        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("is not an http:// or https:// URL; give the endpoint's whole address, such as http://127.0.0.1:8080/v1")
        return v.strip()

    @field_validator("home", mode="before")
    @classmethod
    def _home_not_empty(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            raise ValueError(f"is empty; unset it to use the default ({platformdirs.user_data_dir(APP)}) or give a folder")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls, toml_file=config_file()))

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
        """The data folder, created private (0700) if it does not exist; an existing folder keeps its mode."""
        from .paths import private_dir

        try:
            return private_dir(self.home)
        except FileExistsError:
            raise ConfigError(f"MLSD_HOME {self.home} is a file, not a folder; point MLSD_HOME at a folder") from None
        except OSError as e:
            raise ConfigError(f"cannot create the data folder {self.home}: {e.strerror or e}; set MLSD_HOME to a folder you can write") from None


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)
