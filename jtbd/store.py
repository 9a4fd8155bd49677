"""The DuckDB store under the home folder (embedding cache, parse cache, run history): one way to open it.

Each jtbd process holds the file only for a moment at a time (one lookup, one insert), so a second process that
finds it locked waits for its turn instead of failing; only a lock held for a long time, or a file that is not a
database, ends the run, with one line that says what to do.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jtbd.config import make_home_folder
from jtbd.errors import StoreError

#: How long to wait for another process to let go of the store.
WAIT_SECONDS = 120.0


def connect(path: Path, *, read_only: bool = False, wait: float = WAIT_SECONDS) -> Any:
    """A DuckDB connection to the store at `path` (created when missing, unless `read_only`)."""
    import duckdb

    if not read_only:
        make_home_folder(path.parent, "jtbd home folder", StoreError)
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            message = str(error).splitlines()[0]
            if "lock" not in message.lower():
                raise StoreError(
                    f"{path}: cannot open the cache ({message}). It holds only caches and run history: delete it, "
                    "or set JTBD_HOME to another folder."
                ) from None
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{path} is locked by another process for over {wait:.0f} s ({message}). Wait for that run to "
                    "finish, or set JTBD_HOME to another folder for this one."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def rows_for_keys(con: Any, query: str, keys: Sequence[str], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run `query`, which joins the temporary table `wanted(key)`, for these keys: one query, not one per key."""
    con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS key", [list(keys)])
    return list(con.execute(query, list(params)).fetchall())


def insert_new(con: Any, table: str, columns: dict[str, Any]) -> None:
    """Insert `columns` (name -> pyarrow array) into `table` in one bulk insert, skipping keys it already holds.

    From an Arrow table, because executemany inserts row by row, ~4 ms a row: 100x the encode itself with the
    static model (#4).
    """
    import pyarrow as pa

    con.register("new_rows", pa.table(columns))
    con.execute(f"INSERT OR IGNORE INTO {table} SELECT {', '.join(columns)} FROM new_rows")


class TextTable:
    """A table of text values by text key in the store at `path`, created on first use: what a stage found, so
    that a re-run need not find it again."""

    def __init__(self, path: Path, table: str, column: str) -> None:
        self.path, self.table, self.column = path, table, column

    def _connect(self) -> Any:
        con = connect(self.path)
        con.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key VARCHAR PRIMARY KEY, {self.column} VARCHAR)")
        return con

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        """The values of those `keys` the table holds."""
        if not keys:
            return {}
        query = f"SELECT t.key, t.{self.column} FROM {self.table} t JOIN wanted w USING (key)"
        with self._connect() as con:
            return dict(rows_for_keys(con, query, keys))

    def put(self, values: dict[str, str]) -> None:
        """Add these key -> value pairs; keys already there keep their value."""
        if not values:
            return
        import pyarrow as pa

        columns = {
            "key": pa.array(list(values), pa.string()),
            self.column: pa.array(list(values.values()), pa.string()),
        }
        with self._connect() as con:
            insert_new(con, self.table, columns)
