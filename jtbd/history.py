"""Run history in the DuckDB store beside the embedding cache: what ran, on what, with which result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from jtbd import store


def record_run(db_path: Path, info: dict[str, Any]) -> None:
    with store.connect(db_path) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS runs (started_at TIMESTAMPTZ, corpus VARCHAR, out_dir VARCHAR,"
            " n_documents INTEGER, n_statements INTEGER, n_clusters INTEGER, info JSON)"
        )
        counts = info["counts"]
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                info["started_at"],
                info["corpus"],
                info["out_dir"],
                counts["documents"],
                counts["statements"],
                counts["clusters"],
                json.dumps(info, default=str),
            ],
        )


def list_runs(db_path: Path, limit: int = 20) -> list[dict[str, Any]]:
    if not db_path.is_file():
        return []
    with store.connect(db_path, read_only=True) as con:
        try:
            rows = con.execute(
                "SELECT started_at, corpus, out_dir, n_documents, n_statements, n_clusters FROM runs"
                " ORDER BY started_at DESC LIMIT ?",
                [limit],
            ).fetchall()
        except duckdb.CatalogException:
            return []
    keys = ("started_at", "corpus", "out_dir", "n_documents", "n_statements", "n_clusters")
    return [dict(zip(keys, row)) for row in rows]
