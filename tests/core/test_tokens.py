"""Private tokens: stored and looked up only as a hash; a malformed one looks nothing up."""

from apps.core.tokens import MAX_TOKEN_LENGTH, hash_token, new_token, token_digest


def test_a_new_token_is_stored_as_its_hash_and_found_by_it():
    raw, stored = new_token()

    assert len(raw) == 43
    assert stored == hash_token(raw) == token_digest(raw)
    assert raw not in stored


def test_an_empty_or_overlong_token_has_no_digest():
    assert token_digest("") is None
    assert token_digest("x" * (MAX_TOKEN_LENGTH + 1)) is None
    assert token_digest("x" * MAX_TOKEN_LENGTH) == hash_token("x" * MAX_TOKEN_LENGTH)
