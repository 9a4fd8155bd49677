"""Tests for jtbd.store: waiting for another process's lock, and one-line errors for a store that cannot open."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from jtbd import store
from jtbd.errors import StoreError

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the store's lock for `seconds`; returns once it holds it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_store_waits_for_another_process_to_let_go(tmp_path):
    path = tmp_path / "cache.duckdb"
    holder = _hold(path, 1.5)
    try:
        begin = time.monotonic()
        with store.connect(path, wait=30) as con:
            assert con.execute("SELECT 1").fetchone() == (1,)
        assert time.monotonic() - begin >= 0.5  # it did wait
    finally:
        holder.wait(timeout=30)


def test_store_locked_too_long_is_one_clear_line(tmp_path):
    path = tmp_path / "cache.duckdb"
    holder = _hold(path, 30)
    try:
        with pytest.raises(StoreError) as caught:
            store.connect(path, wait=0.5)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "JTBD_HOME" in message


def test_store_that_is_not_a_database_is_one_clear_line(tmp_path):
    path = tmp_path / "cache.duckdb"
    path.write_text("not a database, just text\n" * 100, encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        store.connect(path, wait=0.5)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "delete it" in message


def test_store_in_a_home_that_cannot_be_created_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        store.connect(blocker / "cache.duckdb")
    message = str(caught.value)
    assert "\n" not in message and str(blocker) in message and "JTBD_HOME" in message
