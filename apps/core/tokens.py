"""Secret tokens for private links: random, shown once, stored only as a SHA-256 hash."""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits, far above the 128-bit floor.
# Tokens are 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token and the hash to store for it."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The stored form of a token. Lookups go by this hash, so no raw token is compared."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_digest(raw: str) -> str | None:
    """The hash to look a presented token up by; None when it cannot be one (empty or long)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    return hash_token(raw)
