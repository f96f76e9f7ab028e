"""One typed settings object: read once from the environment (KNOWHOW_*), overridable in tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.engines import DEFAULT_POOL_SIZE, POSTGRES_SCHEMES, is_postgres

EMBED_BATCH_SIZE = 4  # texts per forward pass of the model, unless KNOWHOW_EMBED_BATCH_SIZE says otherwise

SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWHOW_", extra="ignore")

    data: Path = Field(Path("knowhow-data"), description="Data folder holding the SQLite store and the vector index files.")
    database_url: SecretStr | None = Field(
        None, description="A PostgreSQL database (postgresql://user:password@host:5432/name) instead of the SQLite "
        "file in the data folder: several app servers share it, each keeping its own vector and word indexes in "
        "its own data folder (README, \"Running several servers\"). Unset: DATA/knowhow.db.",
    )
    database_pool_size: int = Field(
        DEFAULT_POOL_SIZE, ge=1, le=1000, description="PostgreSQL connections each server process holds at most: "
        "a request borrows one for its length and the others wait for it (background work keeps a few of its own).")
    model_path: str | None = Field(
        None,
        description="Folder of a sentence-transformers model; default: the packaged all-MiniLM-L6-v2.",
    )
    encoder: str = Field(
        "fp32", pattern="^(fp32|fp32-torch|int8-queries|int8)$", description="How the model runs. fp32: queries "
        "and passages by an ONNX Runtime copy of the model's own weights (made once in DATA/models/; the same "
        "vectors as torch's, one query 2.4x faster, imports 2.5x); fp32-torch: both by torch, as published. "
        "int8-queries: queries by an ONNX Runtime copy with int8 weights (made once in DATA/models/; one query "
        "~4x faster), passages by the fp32 copy, so stored vectors stay fp32's (the answered decision loses a "
        "little); int8: both by the copy (its own vectors: a data folder made with another encoder is refused "
        "until `knowhow reindex`). Chosen by benchmarks.int8 (benchmarks/README.md, \"int8 encoding\").",
    )
    embed_batch_size: int = Field(
        EMBED_BATCH_SIZE, ge=1, le=1024,
        description="Texts per forward pass of the embedding model. Small passes pad less and run fastest on "
        "a CPU, in every engine (benchmarks/README.md, \"Passages through the fp32 ONNX copy\").",
    )
    index_batch_size: int = Field(
        512, ge=1, le=100_000, description="Passages embedded and committed together (the unit of resumable work)."
    )
    chunk_words: int = Field(150, ge=20, le=2000, description="Target chunk length in words (the model reads ~256 tokens).")
    inline_embed_passages: int = Field(
        64, ge=0, le=100_000, description="Passages an edit embeds before it answers; a longer item is embedded in "
        "the background (found by its words at once, by its meaning when done)."
    )
    chunk_overlap_words: int = Field(30, ge=0, le=500, description="Words repeated between neighbouring chunks of one item.")
    hnsw_threshold: int = Field(
        50_000, ge=1, description="Vector count above which the index is approximate (HNSW) instead of exact."
    )
    fusion: str = Field("convex", pattern="^(convex|rrf)$", description="How dense and lexical scores are fused.")
    fusion_alpha: float = Field(0.7, ge=0.0, le=1.0, description="Weight of the dense side in convex fusion.")
    candidates: int = Field(100, ge=10, le=2000, description="Chunks each retriever returns before fusion.")
    searches_at_once: int = Field(
        2, ge=1, le=64, description="Searches one server process works on at once; the rest wait their turn. "
        "Python runs one thread at a time, so 40 searches at once each crawl (50 users: 9 req/s, search p95 "
        "8.8 s) where two at a time finish in turn (33 req/s, 2.5 s; benchmarks.load). For more cores, run "
        "more worker processes (`knowhow serve --workers N`).",
    )
    answered_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Confidence (0-1) at or above which a query counts as answered: higher answers fewer "
        "questions and puts more on L&D's gap list; unset: the configured model's calibrated cut, 0.5 for "
        "MiniLM (models/model_profile.py). The confidence combines the best passage's cosine with how far "
        "the best result stands out from the rest; it is no longer a cosine.",
    )
    gap_similarity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Mean cosine at which unanswered questions count as one gap topic; "
        "unset: the configured model's calibrated value (models/model_profile.py).",
    )
    expert_floor: float | None = Field(
        None, ge=0.0, le=1.0, description="Expert score the best person must reach for anyone to be suggested "
        "(the ask page and APIs then list others down to the profile's expert_others_floor), and that mentors, "
        "gap topics and everyone routed a question must reach; "
        "unset: the configured model's calibrated value (models/model_profile.py)."
    )
    stale_months: int = Field(12, ge=1, le=120, description="Months without an update after which an item is stale.")
    max_query_chars: int = Field(4000, ge=10, description="Longest accepted question, in characters.")
    allow_anonymous_read: bool = Field(
        False, description="Let people who are not signed in search and read (a trusted intranet or single user)."
    )
    proxy_user_header: str = Field(
        "X-Forwarded-User", description="Header carrying the signed-in user's name from a company SSO proxy."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses (or networks) of reverse proxies whose user header is believed; none by default.",
    )
    cookie_secure: bool = Field(False, description="Send the session cookie over HTTPS only (set behind TLS).")
    session_hours: int = Field(12, ge=1, le=24 * 90, description="How long a sign-in lasts.")
    login_attempts: int = Field(
        5, ge=1, le=100, description="Failed sign-ins for one user name from one address in 15 minutes before a "
        "pause (10x per address; 20x per user name, except from addresses it signed in from lately).")
    max_request_bytes: int = Field(2_000_000, ge=10_000, description="Largest request body, except imports.")
    max_import_bytes: int = Field(
        50_000_000, ge=10_000, description="Largest body of an import over HTTP: the JSON Lines of POST /api/import, "
        "an upload (POST /api/imports, the Import page)."
    )
    max_import_file_bytes: int = Field(
        50_000_000, ge=1, description="Largest document or people CSV an import reads (each is read whole); a larger "
        "one is reported and skipped."
    )
    max_unpacked_bytes: int = Field(
        500_000_000, ge=1, description="Largest total an upload unpacks to (its files and what its zips hold): a zip "
        "over it is refused before anything is written, however small it is packed."
    )
    question_working_days: int = Field(
        3, ge=1, le=60, description="Working days a routed question waits for an answer before it is offered to the "
        "next experts (and, after them, to L&D)."
    )
    contact_url_template: str = Field(
        "mailto:{email}", description="Contact link for a person; {email}, {id} and {name} are filled in."
    )
    smtp_url: SecretStr | None = Field(
        None, description="SMTP server for notification e-mail: smtp://[user:pass@]host[:25], "
        "smtp+starttls://...:587 (STARTTLS required) or smtps://...:465 (TLS); unset: no e-mail is sent.",
    )
    mail_from: str = Field("Knowhow <knowhow@localhost>", min_length=3, description="Sender of notification e-mail.")
    public_url: str = Field(
        "http://127.0.0.1:8000", pattern=r"^https?://[^/\s]+", description="The address people open Knowhow at: "
        "links in e-mail are made absolute with it.",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse at start a URL that names another engine, rather than taking it for a file name."""
        if value is None or not value.get_secret_value():
            return None
        if not is_postgres(value.get_secret_value()):
            raise ValueError(f"the database URL must start with {' or '.join(POSTGRES_SCHEMES)}")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse at start a URL the sender could not use, rather than failing on every message later."""
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ValueError(f"the SMTP URL must look like smtp://host:25 (schemes: {', '.join(SMTP_SCHEMES)})")
        return value

    @property
    def db_path(self) -> Path:
        return self.data / "knowhow.db"

    @property
    def database(self) -> Path | str:
        """Where the store lives: the PostgreSQL URL when one is set, else the SQLite file in the data folder."""
        return self.database_url.get_secret_value() if self.database_url else self.db_path

    @property
    def embedded(self) -> bool:
        """Whether the store is the data folder's own SQLite file (which backups copy and restores replace)."""
        return self.database_url is None

    @property
    def index_dir(self) -> Path:
        return self.data / "index"

    @property
    def models_dir(self) -> Path:
        """Derived copies of the model (the int8 one), made once per data folder."""
        return self.data / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()
