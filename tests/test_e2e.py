"""End-to-end checks with the real pinned models (MiniLM, en_core_web_sm): the honest tests, marked slow.

They read only the repository's own corpora/ folder, copied into tmp_path; nothing touches the network.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.pipeline import cluster

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "startups-demo" / "questions.jsonl"

INVOICES = [
    "Is there a tool to send invoices to my clients automatically?",
    "How do I automate invoicing for my freelance clients?",
    "I wish I could bill my customers automatically every month.",
    "How can I send recurring invoices without doing it by hand?",
    "What is the best way to automate monthly client billing?",
    "I need a service that emails invoices to clients for me.",
    "Is there an app that sends invoices and chases late payments?",
    "How should I invoice my consulting clients automatically?",
    "Does anyone know a tool to generate and send invoices automatically?",
    "It is so tedious to send invoices to every client each month.",
    "How do I stop wasting hours on invoicing my clients?",
    "I want to send invoices to customers automatically from my CRM.",
    "What is the best tool for automatic invoicing for a small agency?",
    "How can I bill clients automatically when a project is done?",
    "Is there any software to automate invoices and payment reminders?",
    "I need to send invoices automatically to international clients.",
    "How do I set up automatic invoices for subscription customers?",
    "We ended up sending invoices manually from a spreadsheet.",
    "How can a freelancer automate sending invoices to clients?",
    "I would love a simple tool that invoices my clients on schedule.",
]
COFOUNDER = [
    "How do I find a technical cofounder for my startup?",
    "Where can I find a developer to be my cofounder?",
    "I need a technical partner to build my startup idea.",
    "How should a non-technical founder find a CTO cofounder?",
    "Is there a site to meet potential technical cofounders?",
    "What is the best way to convince an engineer to cofound my startup?",
    "I wish I could find a programmer cofounder for my app.",
    "How can I find a cofounder who can code?",
    "Does anyone know a community to find technical cofounders?",
    "It is so hard to find a technical cofounder without money.",
    "How do I attract a technical cofounder to an early startup?",
    "I want to find a CTO partner for my SaaS idea.",
    "How should I look for a cofounder with engineering skills?",
    "Where do I find technical founders to join my company?",
    "How can I persuade a developer to become my cofounder?",
    "I am struggling to find a technical cofounder in my city.",
    "Is there a platform to match founders with technical cofounders?",
    "How do I find someone technical to start a company with?",
    "What is the best way to meet developers who want to cofound a startup?",
    "I need to find a software engineer as a cofounder.",
]


def _write_two_themes(folder: Path) -> Path:
    folder.mkdir(parents=True)
    records = []
    for n, (a, b) in enumerate(zip(INVOICES, COFOUNDER)):
        month = f"2023-{n % 12 + 1:02d}-1{n % 9}"
        records.append({"id": f"inv{n}", "text": a, "created_at": month, "author": f"u{n}"})
        records.append({"id": f"cof{n}", "text": b, "created_at": month, "author": f"v{n}"})
    (folder / "posts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_e2e_cli_with_real_models_finds_the_themes(tmp_path):
    corpus = _write_two_themes(tmp_path / "two-themes")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["cluster", str(corpus), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["documents"] == 40
    assert data["counts"]["statements"] >= 36  # nearly every text states its job
    assert len(data["clusters"]) >= 1
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["models"]["embedder"] == "minilm"
    assert info["models"]["embedder_id"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    # A cluster is (nearly) one job: MiniLM keeps invoicing and cofounder-hunting apart.
    with (out / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_cluster: dict[str, Counter] = {}
    for row in rows:
        if row["cluster_id"] != "-1":
            by_cluster.setdefault(row["cluster_id"], Counter())[row["doc_id"][:3]] += 1
    assert len(by_cluster) == len(data["clusters"])
    for cluster_id, themes in by_cluster.items():
        assert themes.most_common(1)[0][1] >= 0.9 * sum(themes.values()), (cluster_id, themes)


@pytest.mark.slow
def test_e2e_bundled_demo_corpus_first_300_records(tmp_path):
    assert DEMO.is_file(), f"missing bundled corpus {DEMO}"
    corpus = tmp_path / "startups-demo-300"
    corpus.mkdir()
    with DEMO.open(encoding="utf-8") as source:
        head = [line for line in islice(source, 300) if line.strip()]
    assert len(head) == 300
    (corpus / "questions.jsonl").write_text("".join(head), encoding="utf-8")

    first = cluster(corpus, out=tmp_path / "out")
    counts = first.info["counts"]
    assert counts["documents"] == 300
    assert counts["statements"] >= 300  # every question title at least
    assert len(first.clusters) >= 3
    assert counts["texts_embedded_new"] > 0
    assert all(c.label.title for c in first.clusters)
    assert all(
        q.url and q.url.startswith("https://")
        for c in first.clusters
        for q in (first.statements[i] for i in c.label.quotes)
    )

    second = cluster(corpus, out=tmp_path / "out")
    assert second.info["counts"]["texts_embedded_new"] == 0
    assert [c.label.title for c in second.clusters] == [c.label.title for c in first.clusters]


@pytest.mark.slow
def test_e2e_bundled_demo_shows_the_real_rise_of_equity_questions(tmp_path):
    # Answers OnStartups, 2009-2013: equity questions grew from about 3% to 13% of all (docs/benchmarks.md, "Demo
    # corpus"). Over the whole span, as README runs it, the shipped statistics call an equity job rising, and its
    # card says why.
    run = cluster(DEMO.parent, out=tmp_path / "out", period="quarter", window=20)
    rising = [c for c in run.clusters if c.growth.trend in ("rising", "emerging")]
    equity = [c for c in rising if any("equity" in k for k in [c.label.title, *c.label.keywords])]
    assert equity, [(c.label.title, c.growth.trend) for c in run.clusters[:10]]
    assert all(c.growth.q_value is not None and c.growth.q_value < 0.05 and c.growth.low > 1 for c in equity)
    html = (run.out_dir / "report.html").read_text(encoding="utf-8")
    card = html[html.index(f'id="cluster-{equity[0].id}"') :]
    assert "<dt>Why</dt>" in card[: card.index("</details>")]


@pytest.mark.slow
def test_e2e_quiet_run_shows_no_progress_bars(tmp_path):
    corpus = _write_two_themes(tmp_path / "two-themes")
    result = CliRunner().invoke(app, ["cluster", str(corpus), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("report: ")
    # --quiet hides progress: jtbd's own stage lines and the model loader's bar alike.
    assert "embed:" not in result.stderr
    assert "Loading weights" not in result.stderr
    assert "%|" not in result.stderr
