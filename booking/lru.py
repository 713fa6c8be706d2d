"""A bounded map that drops the least recently used entry first, shared by a process's threads.

The per-process caches of the app are this one map: rendered calendar events (ical), feed ETags
(views.feeds) and calendar pages (services.calendar_cache).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most *size* entries; a lock, because threaded workers share one per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The entry, or compute() stored under *key*; computed outside the lock, so another
        thread may compute the same entry meanwhile (both get the same answer)."""
        if (found := self.get(key)) is not None:
            return found
        value = compute()
        with self._lock:
            self.misses += 1
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
