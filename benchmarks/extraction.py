"""Measure job-statement extraction: detection precision/recall, kind accuracy, normalisation, and speed.

Usage: python benchmarks/extraction.py [--n-speed 5000] [--compare]

1. Eight kinds of text (benchmarks/data/statements_multi.jsonl, STATEMENTS_GUIDE.md), leave one source out: for
   each source, the statement model is trained on the seven others exactly as scripts/build_detector.py trains the
   shipped one, and the whole extractor (detector, then the job's normalisation) runs on the held-out source. A
   unit counts as found when the extractor emits a statement for it. The cue rules alone are the baseline row.
   `--compare` adds the detector designs that were measured against it (detection only). Agreement between two
   labellers (Cohen's kappa) is printed per source.
2. The older set benchmarks/data/statements_dev.jsonl (HN postings, HN replies, startup questions): rules were tuned
   on its `dev` part only; `heldout` is reported beside it and never looked at while tuning.
3. Speed over HN postings from ../shared (skipped cleanly when absent).

Prints tables and writes benchmarks/results/extraction.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _common import REPO, peak_rss_mb, write_results

DEV_SET = REPO / "benchmarks" / "data" / "statements_dev.jsonl"
POSTINGS = REPO.parent / "shared" / "corpora" / "hn-whoishiring-2018-2026" / "postings.jsonl.gz"


def predict(record: dict, detector: str = "rules") -> tuple[str | None, str | None]:
    """The extractor's (kind, job) for one labelled sentence, seen in its document role (posting/discussion/title)."""
    from jtbd.extract import StatementExtractor
    from jtbd.types import Document

    sentence = record["sentence"]
    is_title = record["source"] == "startup_question" and record["start"] == 0
    parent = "parent" if record["source"] == "hn_reply" else None  # the tool knows a reply answers a parent
    doc = Document(
        id=record["id"],
        source="dev",
        kind=record["doc_kind"],
        text=sentence,
        title=sentence if is_title else None,
        parent_id=parent,
    )
    statements = StatementExtractor(detector=detector).extract([doc]).statements
    if not statements:
        return None, None
    return statements[0].kind, statements[0].job


def keeps_verb_and_object(predicted: str, gold: str, nlp) -> bool:
    """True when the predicted job has the gold job's verb (lemma) and at least one of its object nouns."""
    from jtbd.normalise import lemma

    gold_doc, pred_doc = nlp(gold), nlp(predicted)
    pred_lemmas = {lemma(t) for t in pred_doc}
    gold_verb = next((lemma(t) for t in gold_doc if t.pos_ in ("VERB", "AUX")), gold.split()[0].lower())
    gold_nouns = {lemma(t) for t in gold_doc if t.pos_ in ("NOUN", "PROPN")}
    pred_first = lemma(pred_doc[0]) if len(pred_doc) else ""
    verb_kept = gold_verb == pred_first or gold_verb in pred_lemmas
    object_kept = not gold_nouns or bool(gold_nouns & pred_lemmas)
    return verb_kept and object_kept


def quality(records: list[dict], detector: str = "rules") -> dict:
    from jtbd.extract import load_parser

    nlp = load_parser()
    tp = fp = fn = kind_right = kept = 0
    by_source: dict[str, list[int]] = {}
    errors = []
    for record in records:
        kind, job = predict(record, detector)
        gold = bool(record["is_statement"])
        hit = kind is not None
        counts = by_source.setdefault(record["source"], [0, 0, 0])
        if hit and gold:
            tp += 1
            counts[0] += 1
            kind_right += kind == record["kind"]
            ok = keeps_verb_and_object(job or "", record["job"], nlp)
            kept += ok
            if not ok:
                errors.append(("NORM", record["id"], job, record["job"]))
        elif hit:
            fp += 1
            counts[1] += 1
            errors.append(("FP", record["id"], kind, record["sentence"][:100]))
        elif gold:
            fn += 1
            counts[2] += 1
            errors.append(("FN", record["id"], record["kind"], record["sentence"][:100]))
    return {
        "n": len(records),
        "statements": tp + fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "kind_accuracy": round(kind_right / tp, 3) if tp else None,
        "keeps_verb_and_object": round(kept / tp, 3) if tp else None,
        "by_source_tp_fp_fn": by_source,
        "errors": errors,
    }


def speed(n: int) -> dict | None:
    """Cold extraction (no cache) of the first `n` HN postings, by the shipped design and by the rules alone, in one
    run: the machines here vary by 2x from run to run, so compare the two as a ratio."""
    if n < 1 or not POSTINGS.is_file():
        return None
    from jtbd.detect import load_detector
    from jtbd.extract import StatementExtractor, load_parser
    from jtbd.ingest import read_corpus

    documents = read_corpus(POSTINGS).documents[:n]
    load_parser()  # model loading is reported by the pipeline, not here
    load_detector()
    out: dict = {"documents": len(documents)}
    for detector in ("learned", "rules"):
        start = time.perf_counter()
        statements = StatementExtractor(detector=detector).extract(documents).statements
        seconds = time.perf_counter() - start
        out[detector] = {
            "seconds": round(seconds, 2),
            "docs_per_s": round(len(documents) / seconds, 1),
            "statements_per_doc": round(len(statements) / len(documents), 2),
        }
    return {**out, **peak_rss_mb()}


def multi_source(compare: bool) -> dict:
    """Section 1: eight kinds of text, leaving one source out; and the two labellers' agreement."""
    import multisource as ms

    if not ms.MULTI_SET.is_file():
        return {}
    records = ms.load()
    rows = {"rules (cue rules alone)": ms.rules, "learned (shipped design)": ms.learned}
    if compare:
        rows |= {
            "plain cue regex (detection only)": ms.detection_only(ms.plain_regex),
            "model alone, words + facts (detection)": ms.detection_only(ms.words_and_facts),
            "MiniLM + facts, LR (detection only)": ms.detection_only(ms.minilm_model("lr")),
            "MiniLM + facts, MLP (detection only)": ms.detection_only(ms.minilm_model("mlp")),
        }
    results: dict = {}
    for name, predict in rows.items():
        results[name] = ms.leave_one_source_out(records, predict)
    sources = sorted({r["source"] for r in records})
    print("Eight kinds of text, each held out in turn (precision / recall of units found end to end):")
    print(f"{'':<38}" + "".join(f"{s[:11]:>13}" for s in sources) + f"{'macro P/R':>13}{'worst R':>9}{'kind':>6}")
    for name, r in results.items():
        cells = "".join(
            f"{(m['precision'] or 0):>7.2f}/{(m['recall'] or 0):.2f}" for m in (r["by_source"][s] for s in sources)
        )
        macro = r["macro"]
        kind = f"{r['kind_accuracy']:.2f}" if r.get("kind_accuracy") is not None else "  -"
        print(
            f"{name:<38}{cells}{macro['precision']:>8.2f}/{macro['recall']:.2f}{macro['worst_recall']:>9.2f}{kind:>6}"
        )
    shipped = results["learned (shipped design)"]
    shipped["keeps_verb_and_object"] = ms.keeps_verb_and_object(records, shipped["_found"])
    kept = shipped["keeps_verb_and_object"]
    print("shipped design, job keeps the labelled verb + object: " + ", ".join(f"{k} {v}" for k, v in kept.items()))
    positives = {s: sum(r["is_statement"] for r in records if r["source"] == s) for s in sources}
    print("statements per source (of 300): " + ", ".join(f"{s} {n}" for s, n in positives.items()))
    agreement = ms.kappa(records, ms.load(ms.SECOND_SET)) if ms.SECOND_SET.is_file() else {}
    if agreement:
        print("\nTwo labellers, 40 units per source: agreement, Cohen's kappa (statement or not), same kind")
        for name, a in agreement.items():
            k = f"{a['kappa']:.2f}" if a["kappa"] is not None else "  -"
            ka = f"{a['kind_agreement']:.2f}" if a["kind_agreement"] is not None else "  -"
            print(f"  {name:<22}{a['n']:>4}  {a['agreement']:.3f}  kappa {k}  kind {ka}  "
                  f"(statements {a['statements_first']} / {a['statements_second']})")  # fmt: skip
    for r in results.values():
        r.pop("_found", None)
    return {"leave_one_source_out": results, "statements_per_source": positives, "agreement": agreement}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-speed", type=int, default=5000, help="HN postings for the speed figure")
    parser.add_argument("--compare", action="store_true", help="also the detector designs measured against it")
    parser.add_argument(
        "--show-errors", choices=["dev", "none"], default="none", help="list misses on the dev part (never on heldout)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "extraction.json")
    args = parser.parse_args()
    results: dict = {"multi_source": multi_source(args.compare)}
    records = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    print("\nThe older set (HN postings, HN replies, startup questions):")
    print(f"{'part':<18}{'n':>5}{'stmts':>7}{'precision':>11}{'recall':>8}{'kind acc':>10}{'verb+obj':>10}")
    for detector in ("rules", "learned"):
        for part in ("dev", "heldout"):
            q = quality([r for r in records if r["split"] == part], detector)
            results[f"{part} ({detector})"] = {k: v for k, v in q.items() if k != "errors"}
            print(
                f"{part + ' (' + detector + ')':<18}{q['n']:>5}{q['statements']:>7}{q['precision'] or 0:>11.3f}"
                f"{q['recall'] or 0:>8.3f}{q['kind_accuracy'] or 0:>10.3f}{q['keeps_verb_and_object'] or 0:>10.3f}"
            )
            if part == "dev" and args.show_errors == "dev":
                for error in q["errors"]:
                    print("   ", *error)
    results["speed"] = speed(args.n_speed)
    if results["speed"]:
        s = results["speed"]
        for detector in ("learned", "rules"):
            d = s[detector]
            print(
                f"\nspeed ({detector}): {s['documents']:,} HN postings cold in {d['seconds']} s = {d['docs_per_s']} "
                f"docs/s, {d['statements_per_doc']} statements/doc"
            )
        print(f"peak RSS {s['peak_rss_mb']} MB (+ parser child {s['peak_rss_child_mb']} MB)")
    else:
        print(f"\nspeed: skipped ({POSTINGS} not found)")
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
