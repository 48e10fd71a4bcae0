"""Keep Python's cyclic garbage collector off the live engine's decision path.

CPython collects cycles when allocations pass a threshold, wherever that happens: in a
slice with orders, a generation-2 pass over the day's intents, fills and history can take
several milliseconds in the middle of the decision (measured in ``benchmarks/bench_live.py``:
busy-slice p99 about 3× higher with automatic collection). :class:`SliceCollector` turns
automatic collection off for the session and collects at known points instead:

* :meth:`~SliceCollector.start`: one full collection, then :func:`gc.freeze` moves every
  object that survived start-up (modules, calendars, instruments, warmed kernels) to the
  permanent generation, so later passes never scan them;
* :meth:`~SliceCollector.after_slice`: called by the engine once a slice's orders are out
  and its records written; a young-generation pass every slice and a full pass every
  ``full_every`` slices (memory stays bounded: cycles are still reclaimed, only later);
* :meth:`~SliceCollector.stop`: automatic collection back on, the frozen objects released.

The pauses still happen, after the decision instead of inside it: the ticks that arrive
meanwhile wait in the feed's queue (at 10,000 ticks/s a 5 ms pause is 50 ticks, drained at
about a million ticks a second).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field


@dataclass
class SliceCollector:
    """Collect garbage between slices, never during one (see the module docstring).

    ``young_generation`` is the generation collected after every slice (0 or 1);
    ``full_every`` is the number of slices between full (generation 2) collections.
    ``pauses_ns`` sums the time spent collecting (ns), ``collections`` counts the passes.
    """

    young_generation: int = 1
    full_every: int = 30
    pauses_ns: int = field(default=0, init=False)
    collections: int = field(default=0, init=False)
    _slices: int = field(default=0, init=False)
    _was_enabled: bool = field(default=True, init=False)
    _active: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.young_generation not in (0, 1):
            raise ValueError(f"young_generation must be 0 or 1, got {self.young_generation}")
        if self.full_every < 1:
            raise ValueError(f"full_every must be at least 1 slice, got {self.full_every}")

    @property
    def active(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._active

    def start(self) -> None:
        """Collect once, freeze the survivors and turn automatic collection off."""
        if self._active:
            return
        self._was_enabled = gc.isenabled()
        gc.collect()
        gc.freeze()
        gc.disable()
        self._active = True

    def after_slice(self) -> None:
        """A young pass (a full one every ``full_every`` slices); nothing unless started."""
        if not self._active:
            return
        self._slices += 1
        generation = 2 if self._slices % self.full_every == 0 else self.young_generation
        started = time.perf_counter_ns()
        gc.collect(generation)
        self.pauses_ns += time.perf_counter_ns() - started
        self.collections += 1

    def stop(self) -> None:
        """Automatic collection as it was before :meth:`start`; the frozen objects collectable again."""
        if not self._active:
            return
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()
        self._active = False

    def __enter__(self) -> SliceCollector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
