"""A PDF render collects its own garbage at its end and leaves the collector as it found it."""

import gc
import weakref

from apps.reports import pdf


class Node:
    """An object that can refer to itself: a cycle only the cyclic collector frees."""

    me: "Node"


def test_the_render_frees_its_own_cycles_before_it_returns() -> None:
    with pdf._collecting_own_garbage():
        node = Node()
        node.me = node
        freed = weakref.ref(node)
        del node
    assert freed() is None


def test_the_collector_is_as_before_after_a_render() -> None:
    with pdf._collecting_own_garbage():
        assert gc.get_freeze_count() > 0, "the objects from before are not set aside"
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_objects_someone_else_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        with pdf._collecting_own_garbage():
            pass
        # Still frozen (an unfreeze would leave none). Not an exact count: a frozen object
        # that dies meanwhile leaves the permanent generation.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
