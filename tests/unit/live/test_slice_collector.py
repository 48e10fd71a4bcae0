"""Garbage collection between slices: automatic collection off in the session, cycles still reclaimed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from vyapari.live.collector import SliceCollector


class Node:
    """A reference cycle only the cyclic collector can reclaim."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _gc_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def _cycle() -> weakref.ref[Node]:
    return weakref.ref(Node())


def test_automatic_collection_is_off_in_the_session_and_back_on_after() -> None:
    gc.enable()
    with SliceCollector() as collector:
        assert collector.active and not gc.isenabled()
        assert gc.get_freeze_count() > 0  # start-up objects moved out of the scanned generations
    assert gc.isenabled() and not collector.active
    assert gc.get_freeze_count() == 0


def test_a_cycle_lives_until_the_slice_ends_then_is_reclaimed() -> None:
    collector = SliceCollector(young_generation=1, full_every=10)
    with collector:
        ref = _cycle()
        for _ in range(700):  # allocations that would trigger an automatic gen-0 pass
            Node()
        assert ref() is not None, "collected in the middle of a slice"
        collector.after_slice()
        assert ref() is None
    assert collector.collections == 1 and collector.pauses_ns > 0


def test_a_survivor_of_young_passes_is_reclaimed_by_the_periodic_full_pass() -> None:
    collector = SliceCollector(young_generation=0, full_every=3)
    with collector:
        node = Node()
        ref = weakref.ref(node)
        gc.collect(1)  # still referenced: promoted to the oldest generation, as a long-lived object
        del node  # now garbage, but only a full pass looks there
        collector.after_slice()
        collector.after_slice()
        assert ref() is not None
        collector.after_slice()  # the third slice runs a full pass
        assert ref() is None


def test_outside_a_session_after_slice_does_nothing_and_bad_settings_are_refused() -> None:
    collector = SliceCollector()
    collector.after_slice()
    assert collector.collections == 0
    with pytest.raises(ValueError, match="young_generation"):
        SliceCollector(young_generation=2)
    with pytest.raises(ValueError, match="full_every"):
        SliceCollector(full_every=0)


def test_automatic_collection_stays_off_after_the_session_if_it_was_off_before() -> None:
    gc.disable()
    with SliceCollector():
        pass
    assert not gc.isenabled()
