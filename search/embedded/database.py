"""The index database's connections and the transactions every read and write runs in.

A file is opened in WAL mode (readers never wait for the writer) by a small pool of
connections, each used by one thread at a time: a connection per thread would pile up
under a server that starts a thread per request. A memory database exists only within its
one connection, used behind a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from search.backend import SearchUnavailable

MAX_IDLE_CONNECTIONS = 8
MMAP_BYTES = 1 << 30  # address space, not memory: the OS pages in what is read


@contextmanager
def unavailable_on_error(action: str) -> Iterator[None]:
    """A damaged, locked or unreachable index file is an engine outage (a 503 and a kept
    outbox), not a crash; ``flask search reindex`` rebuilds it."""
    try:
        yield
    except sqlite3.Error as exc:
        raise SearchUnavailable(f"embedded index unavailable ({action}): {exc}") from exc


class Database:
    """The SQLite database at ``path``, a file or ``":memory:"``."""

    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._memory = path == ":memory:"
        self._lock = threading.RLock()
        self._shared: sqlite3.Connection | None = None  # the memory database's
        self._idle: list[sqlite3.Connection] = []  # a file's, not in use

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly, none is left open by accident.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA temp_store = MEMORY")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Pages mapped from the file are shared by the pool's connections and other
            # processes; a per-connection cache would hold one copy each.
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            with self._lock:
                if self._shared is None:
                    self._shared = self._connect()
                yield self._shared
            return
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        conn = conn or self._connect()
        try:
            yield conn
        finally:
            with self._lock:
                kept = len(self._idle) < MAX_IDLE_CONNECTIONS
                if kept:
                    self._idle.append(conn)
            if not kept:
                conn.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every statement of a search sees the same index."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back if the block raises."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connections not in use (all of them, once searches are over)."""
        with self._lock:
            for conn in [*self._idle, *([self._shared] if self._shared else [])]:
                conn.close()
            self._idle.clear()
            self._shared = None
