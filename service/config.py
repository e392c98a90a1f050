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

    secret_key: str = Field(
        default="",
        description="The key webhook secrets are sealed with at rest; every replica must have the "
        "same. Empty: read from secret_key_file, which is made once (mode 0600) if missing.",
    )
    secret_key_file: str = Field(
        default="./data/secret.key",
        description="Where the service key lives when SECRET_KEY is empty.",
    )
    webhook_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How often a worker scans for due and missed steps and looks for deliveries.",
    )
    webhook_worker: bool = Field(
        default=True,
        description="Run a webhook delivery worker in each server process; false when "
        "`python -m service worker` runs apart.",
    )
    webhook_allow_private_addresses: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, private and link-local addresses, and "
        "plain http: for local development and tests only.",
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, le=64, description="Deliveries in flight at once, per worker process."
    )
    webhook_endpoint_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Deliveries in flight at once to one endpoint, per worker process.",
    )
    webhook_lease_seconds: float = Field(
        default=60.0,
        ge=1,
        description="How long a worker holds a delivery it claimed; one that dies holding it "
        "lets it go when this ends. Keep it above the 15 s attempt timeout.",
    )
    webhook_digest_time: str = Field(
        default="08:00",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="The local time (HH:MM, in each candidate's zone) of the daily digest.",
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
