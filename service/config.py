"""Runtime settings, read from the environment once; nothing else reads os.environ."""

from functools import lru_cache
from typing import Literal

from limits import parse
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure, each with a working default."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///./data/service.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str = Field(
        default="",
        description="Base of the feed URLs handed out (https://calendar.example.org); "
        "if empty, the address each request came to.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Proxies whose X-Forwarded-Proto, -For and -Host are believed: addresses "
        "and networks, comma-separated, or * for any (uvicorn's setting of the same name).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="json: one object per line, for log collectors; text: for people.",
    )
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_timeout_seconds: float = Field(
        default=5.0,
        ge=1,
        le=300,
        description="PostgreSQL: how long a request waits for each of a pooled connection, a new "
        "connection and the database's answer to what it sent before it gets a 503.",
    )
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=1,
        description="How long a server asked to stop (SIGTERM) takes at most: requests in "
        "flight get half of it to finish, and the process exits by the end of it whatever the "
        "database does.",
    )
    retry_after_seconds: int = Field(default=5, ge=1)
    max_body_bytes: int = Field(
        default=1_000_000, ge=1_000, description="Larger request bodies are refused with 413."
    )
    api_rate_limit: str = Field(
        default="1200/minute",
        description="Requests per API key (e.g. 1200/minute, 50/second); empty for no limit.",
    )
    feed_rate_limit: str = Field(
        default="120/minute",
        description="Requests per feed URL; calendar apps poll hourly. Empty for no limit.",
    )
    feed_revalidate_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long a replica answers feed polls from memory before asking the "
        "database again; its own writes count at once, other replicas' within this time.",
    )
    api_key_trust_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long a replica trusts an API key it has checked before asking the "
        "database again, so a revoked key stops working within this time; 0 to always ask.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// (this process) or a Redis URL "
        "(redis://host:6379/0) shared by every replica.",
    )
    web_concurrency: int = Field(
        default=1,
        ge=1,
        description="Server worker processes (uvicorn's); each keeps its own in-memory rate "
        "limits, feed cache and trusted keys.",
    )
    writer_process: bool = Field(
        default=True,
        description="Store creates in a process of the server's own, on another core than the "
        "HTTP work; false keeps them in the server's process.",
    )

    @field_validator("api_rate_limit", "feed_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if value:
            parse(value)  # raises ValueError on anything but "N/period"
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
