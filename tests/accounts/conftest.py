from tests.reports.conftest import (  # noqa: F401
    _fast_password_hashing,
    catalog,
    fast_pdf,
    scored,
    scoring_model,
)
