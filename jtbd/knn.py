"""Exact cosine k-nearest neighbours of unit vectors, in row blocks so memory stays bounded at any corpus size."""

from __future__ import annotations

import numpy as np


def knn_cosine(X: np.ndarray, k: int, *, block_elements: int = 2**25) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of each unit row by cosine, self excluded: (indices, similarities), (n, k) each.

    Ties break by index, so the result is deterministic: a row's copies (a line a company reposts every month)
    come first, lowest index first. Identical rows are searched once (a corpus of reposted lines holds about half
    as many distinct vectors as rows). Computed in row blocks of at most `block_elements` similarities, so memory
    stays ~0.4 GB at any corpus size.
    """
    first, group, counts = identical_rows(X)
    if len(first) == len(X):
        return _knn_distinct(X, k, block_elements)
    distinct = X[first]
    n_distinct_neighbours = min(k, len(first) - 1)
    if n_distinct_neighbours > 0:
        near, near_similarity = _knn_distinct(distinct, n_distinct_neighbours, block_elements)
    else:  # every row is a copy of one
        near, near_similarity = np.empty((1, 0), dtype=np.int64), np.empty((1, 0), dtype=np.float32)
    self_similarity = np.einsum("ij,ij->i", distinct, distinct)
    members = np.argsort(group, kind="stable")  # each group's rows, lowest index first
    bounds = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty((len(X), k), dtype=np.int64)
    similarities = np.empty((len(X), k), dtype=np.float32)
    lone = np.zeros(len(first), dtype=bool)  # a row without copies whose neighbours have none: nothing to expand
    if n_distinct_neighbours == k:
        lone = (counts == 1) & (counts[near] == 1).all(axis=1)
        indices[first[lone]] = first[near[lone]]
        similarities[first[lone]] = near_similarity[lone]
    for g in np.flatnonzero(~lone):
        copies = members[bounds[g] : bounds[g + 1]]
        # Candidates for every copy of g: the first k + 1 rows in order of similarity, then index (one is itself).
        rows, sims = [copies[: k + 1]], [np.full(min(len(copies), k + 1), self_similarity[g], dtype=np.float32)]
        taken = len(rows[0])
        for other, similarity in zip(near[g], near_similarity[g]):
            if taken > k:
                break
            more = members[bounds[other] : bounds[other + 1]][: k + 1 - taken]
            rows.append(more)
            sims.append(np.full(len(more), similarity, dtype=np.float32))
            taken += len(more)
        candidates, candidate_similarity = np.concatenate(rows), np.concatenate(sims)
        order = np.lexsort((candidates, -candidate_similarity))
        candidates, candidate_similarity = candidates[order], candidate_similarity[order]
        for row in copies:
            keep = candidates != row
            indices[row] = candidates[keep][:k]
            similarities[row] = candidate_similarity[keep][:k]
    return indices, similarities


def identical_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups of identical rows, in order of first appearance: (first row of each group, each row's group, sizes)."""
    as_bytes = np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    _, first, group, counts = np.unique(as_bytes, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first)
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return first[order], renumber[group.ravel()], counts[order]


def _knn_distinct(X: np.ndarray, k: int, block_elements: int) -> tuple[np.ndarray, np.ndarray]:
    """`knn_cosine` over rows that are all different from each other."""
    n_points = len(X)
    indices = np.empty((n_points, k), dtype=np.int64)
    similarities = np.empty((n_points, k), dtype=np.float32)
    step = max(1, block_elements // max(n_points, 1))
    for start in range(0, n_points, step):
        block = X[start : start + step] @ X.T
        rows = np.arange(len(block))
        block[rows, start + rows] = -np.inf
        top = np.argpartition(block, -k, axis=1)[:, -k:]  # partitioning `-block` would copy it and take 3x longer
        top_sim = np.take_along_axis(block, top, axis=1)
        order = np.lexsort((top, -top_sim), axis=1)
        indices[start : start + step] = np.take_along_axis(top, order, axis=1)
        similarities[start : start + step] = np.take_along_axis(top_sim, order, axis=1)
    return indices, similarities
