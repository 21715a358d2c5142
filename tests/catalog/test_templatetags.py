from apps.catalog.templatetags.catalog_tags import inline_code


def test_it_shows_backticks_as_code_and_escapes_the_rest():
    html = inline_code("Use `--gres=gpu:a100:4` & <b>not</b> `<script>`")

    assert html == (
        "Use <code>--gres=gpu:a100:4</code> &amp; &lt;b&gt;not&lt;/b&gt; "
        "<code>&lt;script&gt;</code>"
    )


def test_it_leaves_an_unpaired_backtick_alone():
    assert inline_code("a ` b") == "a ` b"
