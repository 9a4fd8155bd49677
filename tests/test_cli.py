"""Tests for the `jtbd` command: help, version, exit codes, warnings on stderr, JSON on stdout.

Every run uses `--model hashing` and writes under tmp_path. Click >= 8.2 keeps stdout and stderr apart in
`result.stdout` / `result.stderr` (`result.output` interleaves both).
"""

from __future__ import annotations

import csv
import inspect
import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import jtbd
from jtbd.cli import app

runner = CliRunner()

GOOD = json.dumps({"id": "g", "text": "How do I send invoices to clients automatically?", "created_at": "2024-01-05"})


def _cluster(corpus, out, *args: str):
    return runner.invoke(app, ["cluster", str(corpus), "--model", "hashing", "--out", str(out), *args])


# Help and version


def test_cli_app_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Find the jobs people are trying to get done" in result.stdout
    for command in ("cluster", "fetch", "runs"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "summary", "example"),
    [
        (["cluster"], "Extract job statements, cluster them", "jtbd cluster corpora/startups-demo"),
        (["fetch", "hn"], "Fetch HN threads", "jtbd fetch hn --last 12"),
        (["runs"], "List recent runs", "jtbd runs --limit 5"),
    ],
)
def test_cli_command_help_has_text_and_example(args, summary, example):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert summary in result.stdout
    assert "Example" in result.stdout
    assert example in result.stdout


def test_cli_fetch_group_help():
    result = runner.invoke(app, ["fetch", "--help"])
    assert result.exit_code == 0
    assert "Download corpora from public APIs" in result.stdout
    assert "hn" in result.stdout


def _commands(group, prefix: tuple[str, ...] = ()):
    # Duck-typed: recent typer vendors its own click, whose classes are not click's.
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_cli_every_command_and_option_has_help():
    root = typer.main.get_command(app)
    commands = dict(_commands(root))
    assert {("cluster",), ("fetch", "hn"), ("runs",)} <= set(commands)
    n_options = 0
    for path, command in commands.items():
        assert command.help and command.help.strip(), path
        for param in command.params:
            if param.param_type_name == "option":
                n_options += 1
                assert param.help, (path, param.name)
            else:
                assert param.help, (path, param.name)  # typer keeps argument help too
    assert n_options >= 20  # the check above did look at the options
    version = [p for p in root.params if p.name == "version"]
    assert version and version[0].help


def test_cli_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"jtbd {jtbd.__version__}"


# Usage errors: exit 2


def test_cli_unknown_option_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["cluster", str(tmp_path), "--no-such-option"])
    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_cli_missing_argument_is_a_usage_error():
    result = runner.invoke(app, ["cluster"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_cli_fetch_hn_without_thread_or_last_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["fetch", "hn", "--out", str(tmp_path / "hn")])
    assert result.exit_code == 2
    assert "pass --thread ID or --last N" in result.stderr
    assert not (tmp_path / "hn").exists()


# Input problems: exit 1 with one line naming what is wrong


def test_cli_missing_path_exits_1_naming_it(tmp_path):
    missing = tmp_path / "no-such-corpus"
    result = _cluster(missing, tmp_path / "out")
    assert result.exit_code == 1
    assert f"Corpus path '{missing}' does not exist" in result.stderr
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback


def test_cli_empty_folder_exits_1(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _cluster(tmp_path / "empty", tmp_path / "out")
    assert result.exit_code == 1
    assert "No readable files in" in result.stderr and "the folder is empty" in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_unknown_file_type_exits_1(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    result = _cluster(path, tmp_path / "out")
    assert result.exit_code == 1
    assert "unsupported file type '.docx'" in result.stderr
    assert ".jsonl" in result.stderr  # says what would work


def test_cli_folder_of_unknown_files_lists_extensions(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.docx").write_text("x")
    (tmp_path / "corpus" / "b.pdf").write_text("x")
    result = _cluster(tmp_path / "corpus", tmp_path / "out")
    assert result.exit_code == 1
    assert "found only .docx, .pdf" in result.stderr


def test_cli_csv_without_named_text_field_lists_columns(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("subject,opened_at,user\nInvoices are slow,2024-01-01,ann\n", encoding="utf-8")
    result = _cluster(path, tmp_path / "out", "--text-field", "body")
    assert result.exit_code == 1
    assert "'tickets.csv' has no column 'body'" in result.stderr
    assert "subject, opened_at, user" in result.stderr
    assert "--text-field" in result.stderr


def test_cli_bad_option_value_exits_1(make_corpus, tmp_path):
    result = _cluster(make_corpus(20), tmp_path / "out", "--min-cluster-size", "1")
    assert result.exit_code == 1
    assert "min_cluster_size must be an int >= 2. Got 1" in result.stderr
    result = _cluster(make_corpus(20), tmp_path / "out", "--period", "day")
    assert result.exit_code == 1
    assert "period must be one of week, month, quarter" in result.stderr
    result = _cluster(make_corpus(20), tmp_path / "out", "--min-voices", "0")
    assert result.exit_code == 1
    assert "min_voices must be an int >= 1. Got 0. Pass --min-voices 1" in result.stderr


def test_cli_unknown_model_exits_1(make_corpus, tmp_path):
    result = runner.invoke(app, ["cluster", str(make_corpus(20)), "--model", "bert", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Unknown model 'bert'. Choose one of: hashing, minilm" in result.stderr


def test_cli_tampered_model_exits_1(make_corpus, tmp_path, fresh_models, monkeypatch):
    monkeypatch.setattr(fresh_models, "file_sha256", lambda path: "f" * 64)
    result = runner.invoke(
        app, ["cluster", str(make_corpus(20)), "--model", "minilm", "--unit", "sentence", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert f"has sha256 {'f' * 64}, expected 53aa5117" in result.stderr
    assert not (tmp_path / "o").exists()


# Damaged but usable input: exit 0 with a warning


def test_cli_malformed_json_line_warns_with_file_and_line(make_corpus, tmp_path):
    corpus = make_corpus(30)
    path = corpus / "questions.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "broken", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _cluster(corpus, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "questions.jsonl:3: malformed JSON" in result.stderr
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["counts"]["skipped_records"] == 1 and info["counts"]["documents"] == 30
    assert any("questions.jsonl:3" in w for w in info["warnings"])


def test_cli_malformed_json_line_with_strict_exits_1(make_corpus, tmp_path):
    corpus = make_corpus(30)
    with (corpus / "questions.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    result = _cluster(corpus, tmp_path / "out", "--strict")
    assert result.exit_code == 1
    assert "questions.jsonl:31: malformed JSON" in result.stderr
    assert "without --strict" in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_warning_keeps_brackets_in_file_names(tmp_path):
    # Rich would read "[draft]" as markup and drop it, so the warning would name a file that does not exist.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes[draft].jsonl").write_text(GOOD + "\n{broken\n", encoding="utf-8")
    result = _cluster(corpus, tmp_path / "out")
    assert result.exit_code == 0
    assert "notes[draft].jsonl:2: malformed JSON" in result.stderr


def test_cli_error_keeps_brackets_in_paths(tmp_path):
    missing = tmp_path / "corpus[v2]"
    result = _cluster(missing, tmp_path / "out")
    assert result.exit_code == 1
    assert f"Corpus path '{missing}' does not exist" in result.stderr


def test_cli_undecodable_bytes_warn_and_continue(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bad = (
        b'{"id": "b", "text": "How do I send invoices to clients \xff\xfe automatically?", "created_at": "2024-01-06"}'
    )
    (corpus / "latin.jsonl").write_bytes(GOOD.encode() + b"\n" + bad + b"\n")
    result = _cluster(corpus, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "latin.jsonl: 2 undecodable bytes replaced by U+FFFD, first on line 2" in result.stderr
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["counts"]["replaced_bytes"] == 2 and info["counts"]["documents"] == 2


def test_cli_records_without_timestamps_warn_and_note(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [{"id": n, "text": "Is there a tool to send invoices to clients automatically?"} for n in range(12)]
    (corpus / "undated.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = _cluster(corpus, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "undated.jsonl: 12 records without a usable timestamp" in result.stderr
    assert "--time-field" in result.stderr
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["counts"]["undated_documents"] == 12
    assert any("have no date" in note for note in info["notes"])
    assert "have no date" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_cli_too_few_statements_exits_0_and_report_says_so(make_corpus, tmp_path):
    result = _cluster(make_corpus(3), tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "Too few statements" in result.stderr
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "Too few statements" in report
    assert "No clusters were found." in report
    assert f"report: {(tmp_path / 'out').resolve() / 'report.md'}" in result.stdout


# Output channels


def test_cli_default_output_is_a_short_table(make_corpus, tmp_path):
    result = _cluster(make_corpus(), tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("  1. ")
    assert "authors]" in lines[0]
    assert lines[-1] == f"report: {(tmp_path / 'out').resolve() / 'report.md'}"
    for stage in ("ingest:", "extract:", "embed:", "cluster:", "label:", "rank:", "report:"):
        assert stage in result.stderr  # one progress line per stage, on stderr


def test_cli_json_prints_only_json_on_stdout(make_corpus, tmp_path):
    result = _cluster(make_corpus(), tmp_path / "out", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # nothing but the document
    assert set(data) >= {"out_dir", "report", "counts", "clusters"}
    assert data["out_dir"] == str((tmp_path / "out").resolve())
    assert data["counts"]["documents"] == 150
    assert data["clusters"] and data["clusters"][0]["rank"] == 1
    assert {"rank", "id", "label", "keywords", "size", "n_authors", "trend", "growth", "score"} <= set(
        data["clusters"][0]
    )
    assert "embed:" in result.stderr


def test_cli_quiet_hides_progress_but_not_warnings(make_corpus, tmp_path):
    corpus = make_corpus(30)
    with (corpus / "questions.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    result = _cluster(corpus, tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert "extract:" not in result.stderr and "embed:" not in result.stderr
    assert "questions.jsonl:31: malformed JSON" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("report: ")


def test_cli_since_until_filter(make_corpus, tmp_path):
    result = _cluster(make_corpus(), tmp_path / "out", "--since", "2023-01", "--until", "2023-06-30", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["config"]["since"] == "2023-01-01T00:00:00+00:00"
    assert data["counts"]["documents"] < data["counts"]["documents_read"] == 150
    with (tmp_path / "out" / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        dates = [row["created_at"] for row in csv.DictReader(handle)]
    assert dates and all("2023-01-01" <= d[:10] <= "2023-06-30" for d in dates)


def test_cli_until_date_includes_that_whole_day(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {
            "id": "noon",
            "text": "How do I send invoices to clients automatically?",
            "created_at": "2024-03-31T12:00:00Z",
        },
        {
            "id": "next",
            "text": "How do I send invoices to clients automatically?",
            "created_at": "2024-04-01T12:00:00Z",
        },
    ]
    (corpus / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = _cluster(corpus, tmp_path / "out", "--until", "2024-03-31", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["documents"] == 1  # "up to this date" keeps the 31st itself


def test_cli_runs_lists_history(make_corpus, tmp_path):
    assert runner.invoke(app, ["runs"]).stdout == ""  # a fresh JTBD_HOME has no history
    assert _cluster(make_corpus(20), tmp_path / "out").exit_code == 0
    result = runner.invoke(app, ["runs", "--limit", "5"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert "20 docs" in lines[0] and str((tmp_path / "out").resolve()) in lines[0]


def test_cli_cluster_offers_every_config_setting_once():
    # Settings are declared once, on Config; `jtbd cluster` has an option for each, with its help text.
    from dataclasses import fields

    from jtbd.cli import cluster
    from jtbd.config import Config

    names = set(inspect.signature(cluster).parameters)
    assert {f.name for f in fields(Config)} <= names
    help_text = runner.invoke(app, ["cluster", "--help"], env={"COLUMNS": "200"}).stdout
    for f in fields(Config):
        assert "--" + f.name.replace("_", "-") in help_text
        assert f.metadata["help"].split()[0] in help_text


def test_cli_flag_turns_off_what_jtbd_toml_turns_on(make_corpus, tmp_path, jtbd_home):
    corpus = make_corpus(30)
    with (corpus / "questions.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    (jtbd_home / "jtbd.toml").write_text("strict = true\n", encoding="utf-8")
    strict = runner.invoke(app, ["cluster", str(corpus), "--model", "hashing", "--out", str(tmp_path / "a")])
    assert strict.exit_code == 1 and "questions.jsonl:31" in strict.stderr
    relaxed = ["cluster", str(corpus), "--model", "hashing", "--out", str(tmp_path / "b"), "--no-strict"]
    result = runner.invoke(app, relaxed)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "b" / "run.json").read_text(encoding="utf-8"))["config"]["strict"] is False


def test_cli_report_does_not_load_the_embedder(first_run):
    # Re-ranking a finished run reads the cached vectors; it never loads a model or its libraries.
    code = (
        "import sys; from typer.testing import CliRunner; from jtbd.cli import app; "
        f"r = CliRunner().invoke(app, ['report', {str(first_run.out_dir)!r}, '--period', 'quarter']); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'spacy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_cli_file_whose_records_all_lack_text_exits_1_naming_the_fields(tmp_path):
    path = tmp_path / "stories.jsonl"
    path.write_text("".join(json.dumps({"id": i, "url": "https://x.test", "text": None}) + "\n" for i in range(30)))
    result = _cluster(path, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "all 30 records were skipped" in result.stderr and "Fields seen: id, url, text" in result.stderr
