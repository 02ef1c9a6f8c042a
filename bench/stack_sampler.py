"""Where each thread was, sampled every few milliseconds: to explain a long UI-thread gap.

A daemon thread records the innermost frames of every thread `every_ms` apart. Afterwards,
`during(start, end)` lists what the threads were doing between two moments. A sample is only taken
when the sampler gets the GIL, so a gap with no samples inside it means some thread held the GIL
in one long C call; samples showing the UI thread in Python code name the code that kept it busy.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

FRAMES_KEPT = 6


@dataclass
class StackSampler:
    every_ms: float = 5.0
    # (moment, "thread: stack" lines): text only, so the samples add nothing for the garbage
    # collector to walk (dicts would, and lengthen the very pauses being explained).
    samples: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        own = threading.get_ident()
        while not self._stop.wait(self.every_ms / 1000):
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            stacks = "\n".join(
                f"{names.get(ident, str(ident))}: {_short_stack(frame)}"
                for ident, frame in sys._current_frames().items()
                if ident != own
            )
            self.samples.append((time.perf_counter(), stacks))

    def during(self, start: float, end: float) -> list[str]:
        """The distinct stacks seen between two perf_counter moments, commonest first, per thread
        ("thread: stack (n samples)"), or a note that no sample could be taken."""
        seen = Counter(
            line
            for moment, stacks in self.samples
            if start <= moment <= end
            for line in stacks.splitlines()
        )
        if not seen:
            return ["no sample inside the gap: a thread held the GIL throughout"]
        return [f"{line} ({count} samples)" for line, count in seen.most_common(8)]


def _short_stack(frame: object) -> str:
    entries = traceback.extract_stack(frame)[-FRAMES_KEPT:]  # type: ignore[arg-type]
    return " <- ".join(
        f"{entry.name} ({entry.filename.rsplit('/', 2)[-1]}:{entry.lineno})"
        for entry in reversed(entries)
    )
