"""A seam to inject network faults into the transport, so tests can reproduce what real networks do.

The transport asks its `FaultInjector` (if any) before every request. The answer decides whether the
request is sent at all, whether its answer is thrown away after the server handled it (a lost
acknowledgement), whether it is sent twice, delayed, or answered with a 503 without reaching the
server. Production code never passes an injector.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class FaultKind(StrEnum):
    DROP_REQUEST = "drop_request"  # never reaches the server
    DROP_RESPONSE = "drop_response"  # the server handles it, the answer is lost
    DUPLICATE = "duplicate"  # sent twice; the client sees the second answer
    DELAY = "delay"  # sent after a pause
    UNAVAILABLE = "unavailable"  # answered 503 by "a proxy" without reaching the server


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    delay_seconds: float = 0.0


class FaultInjector(Protocol):
    def fault_for(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, or None to send it normally."""
        ...


class ScriptedFaults:
    """Faults queued for requests whose path starts with a prefix, consumed in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, deque[Fault]] = {}
        self.applied: list[tuple[str, FaultKind]] = []

    def add(self, path_prefix: str, kind: FaultKind, *, times: int = 1, delay: float = 0.0) -> None:
        with self._lock:
            queue = self._queued.setdefault(path_prefix, deque())
            queue.extend(Fault(kind, delay) for _ in range(times))

    def pending(self) -> int:
        with self._lock:
            return sum(len(queue) for queue in self._queued.values())

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for prefix, queue in self._queued.items():
                if queue and path.startswith(prefix):
                    fault = queue.popleft()
                    self.applied.append((path, fault.kind))
                    return fault
        return None


class RandomFaults:
    """Each request independently suffers a fault with the given probabilities (seeded)."""

    def __init__(
        self,
        *,
        seed: int,
        drop_request: float = 0.0,
        drop_response: float = 0.0,
        duplicate: float = 0.0,
        delay: float = 0.0,
        unavailable: float = 0.0,
        max_delay_seconds: float = 0.02,
        paths: tuple[str, ...] = ("/sync/",),
    ) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._rates = (
            (FaultKind.DROP_REQUEST, drop_request),
            (FaultKind.DROP_RESPONSE, drop_response),
            (FaultKind.DUPLICATE, duplicate),
            (FaultKind.DELAY, delay),
            (FaultKind.UNAVAILABLE, unavailable),
        )
        self._max_delay = max_delay_seconds
        self._paths = paths
        self.enabled = True
        self.applied: list[tuple[str, FaultKind]] = []

    def fault_for(self, method: str, path: str) -> Fault | None:
        if not self.enabled or not path.startswith(self._paths):
            return None
        with self._lock:
            roll = self._random.random()
            for kind, rate in self._rates:
                if roll < rate:
                    self.applied.append((path, kind))
                    return Fault(kind, self._random.uniform(0, self._max_delay))
                roll -= rate
        return None
