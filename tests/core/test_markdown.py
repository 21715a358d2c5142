from apps.core.markdown import render_markdown
from apps.core.tokens import hash_token, new_token


def test_it_renders_markdown_and_strips_scripts():
    html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1))")

    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_it_adds_noopener_to_links():
    html = render_markdown("[docs](https://slurm.schedmd.com/)")

    assert 'rel="noopener noreferrer"' in html


def test_it_makes_long_random_tokens_and_stores_only_their_hash():
    raw, stored = new_token()

    assert len(raw) >= 43  # 32 random bytes, URL-safe base64
    assert stored == hash_token(raw)
    assert raw not in stored
    assert new_token()[0] != raw


def test_it_marks_table_headers_as_column_headers():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")

    assert '<th scope="col">a</th>' in html
