"""Secret tokens for private links: random, shown once, stored only as a SHA-256 hash."""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits, far above the 128-bit floor.


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token and the hash to store for it."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The stored form of a token. Lookups go by this hash, so no raw token is compared."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
