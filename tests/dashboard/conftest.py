import pytest

from .leads import make_leads


@pytest.fixture
def leads(scoring_model):
    """``leads(count, answers=…, **fields)``: bulk leads scored on the fixture model."""
    return lambda count, **kwargs: make_leads(count, scoring_model, **kwargs)
