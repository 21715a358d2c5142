import pytest
import time_machine

from .factories import NOW


@pytest.fixture
def frozen_now():
    """Time stands still at NOW (Sunday 6 January 2030, 12:00 UTC)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
