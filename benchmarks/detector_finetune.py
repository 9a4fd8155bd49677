"""Probe: how far a fine-tuned transformer gets on the statement task, leaving one source out (not shipped).

Usage: python benchmarks/detector_finetune.py [--epochs 3] [--sources hn_posting,github_issue]

MiniLM (the pinned all-MiniLM-L6-v2) with a linear head on its mean-pooled output, fine-tuned end to end on the
units of seven sources and scored on the eighth, as benchmarks/extraction.py scores the shipped detector. A unit is
fed with its role in front ("title: ...", "posting: ...", "reply: ..."). The threshold is the one with the best F1
on the training sources' own predictions after training (optimistic for this probe; the shipped detector chooses
it out of source). Costs minutes per source on two CPU cores. Writes benchmarks/results/detector_finetune.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import REPO, write_results

sys.path.insert(0, str(Path(__file__).parent))
import multisource as ms  # noqa: E402


def text_of(record: dict) -> str:
    role = "title" if record["is_title"] else "reply" if record["source"] == "hn_reply" else record["doc_kind"]
    return f"{role}: {record['unit']}"


def train_and_score(train: list[dict], test: list[dict], epochs: int, seed: int = 0) -> tuple[np.ndarray, float]:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from jtbd.models import offline_and_quiet, verified_model_dir

    torch.manual_seed(seed)
    folder = verified_model_dir("minilm")
    with offline_and_quiet():
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        encoder = AutoModel.from_pretrained(str(folder), local_files_only=True)
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    params = list(encoder.parameters()) + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=4e-5, weight_decay=0.01)
    y = torch.tensor([float(r["is_statement"]) for r in train])
    positive_weight = torch.tensor((len(y) - y.sum()) / max(y.sum(), 1))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=positive_weight)

    def logits(records: list[dict]) -> torch.Tensor:
        batch = tokenizer([text_of(r) for r in records], padding=True, truncation=True, max_length=96,
                          return_tensors="pt")  # fmt: skip
        hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)

    rng = np.random.default_rng(seed)
    encoder.train()
    for _ in range(epochs):
        order = rng.permutation(len(train))
        for start in range(0, len(order), 16):
            rows = order[start : start + 16]
            loss = loss_fn(logits([train[i] for i in rows]), y[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    encoder.eval()
    with torch.no_grad():
        p_train = torch.cat([torch.sigmoid(logits(train[i : i + 64])) for i in range(0, len(train), 64)]).numpy()
        p_test = torch.cat([torch.sigmoid(logits(test[i : i + 64])) for i in range(0, len(test), 64)]).numpy()
    yt = y.numpy().astype(bool)

    def f1(t: float) -> float:
        return 2 * (yt & (p_train >= t)).sum() / max((p_train >= t).sum() + yt.sum(), 1)

    best = max(np.arange(0.1, 0.95, 0.05), key=f1)
    return p_test, float(best)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sources", default="", help="comma-separated sources to hold out (default: all eight)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "detector_finetune.json")
    args = parser.parse_args()
    if not ms.MULTI_SET.is_file():
        print(f"skipped: {ms.MULTI_SET} not found")
        return 0
    records = ms.load()
    sources = args.sources.split(",") if args.sources else sorted({r["source"] for r in records})
    per_source = {}
    for source in sources:
        begin = time.perf_counter()
        test = [r for r in records if r["source"] == source]
        train = [r for r in records if r["source"] != source]
        p, threshold = train_and_score(train, test, args.epochs)
        per_source[source] = {**ms.scores([r["is_statement"] for r in test], p >= threshold), "threshold": threshold}
        m = per_source[source]
        took = time.perf_counter() - begin
        print(f"{source:<22} P {m['precision'] or 0:.3f} R {m['recall'] or 0:.3f}  ({took:.0f} s)", flush=True)
    summary = ms.macro(per_source)
    print(f"macro: P {summary['precision']} R {summary['recall']} F1 {summary['f1']} worst R {summary['worst_recall']}")
    write_results(args.out, {"epochs": args.epochs, "by_source": per_source, "macro": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
