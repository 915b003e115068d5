"""Hostile off-chain input (hypothesis): campaign YAML and CSV, log batch CSV, and `svc` arguments.

Every input either loads or fails with a ConfigError whose message names the file (and, where a
line is at fault, file:line and the field); a bad CSV row is reported with its line and column.
Nothing else is raised, the input file is left as it was and nothing is written beside it. On the
command line every failure is one `error: …` line with the exit code of its kind, or click's usage error (2),
never a traceback; no command reaches a chain (connecting is replaced by a node that is down)."""

from __future__ import annotations

import os
import re

import click
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from servicecoin.campaign.definition import load_campaign
from servicecoin.campaign.input import read_rows
from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.servicelog import read_batch_csv

FUZZ = settings(max_examples=int(os.environ.get("SVC_FUZZ_EXAMPLES", 150)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True), text,
                    st.sampled_from(["campaign", "purchase", "down", "up", "0x" + "ab" * 20, "1e400", "-1", "∞"]))
FIELDS = ["id", "name", "network", "reason", "input", "budget", "batch_size", "confirmations", "tier_multipliers",
          "cap_per_customer", "amount_decimals", "token", "rules", "bogus"]
rules = st.dictionaries(st.sampled_from(["purchase", "survey", "referral", "x y", ""]),
                        st.one_of(scalars, st.dictionaries(st.sampled_from(["points", "points_per_unit", "rounding",
                                                                            "extra"]), scalars, max_size=3)),
                        max_size=3)
campaign_docs = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), st.one_of(scalars, rules), max_size=len(FIELDS)).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)),
    text,  # not YAML at all, or YAML that is not a mapping
    st.lists(scalars, max_size=4).map(yaml.safe_dump),
)

VALID = """id: fuzz
name: Fuzz
network: development
reason: campaign
input: rows.csv
budget: 1000000
rules:
  purchase: {points_per_unit: 1.5, rounding: down}
  survey: {points: 50}
"""


def folder_state(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def names_the_file(message: str, path) -> bool:
    return message.startswith(str(path))


@FUZZ
@given(doc=campaign_docs)
def test_campaign_yaml_loads_or_fails_naming_file_and_field(tmp_path_factory, doc):
    folder = tmp_path_factory.mktemp("yaml")
    path = folder / "campaign.yaml"
    path.write_text(doc, encoding="utf-8")
    before = folder_state(folder)
    try:
        load_campaign(path)
    except ConfigError as exc:
        message = str(exc)
        assert names_the_file(message, path), message
        assert "\n" not in message.strip() or "YAML" in message, message
        # file:line: field, or file: field / file: what is wrong
        assert re.match(rf"{re.escape(str(path))}(:\d+|:\?)?: \S", message), message
    assert folder_state(folder) == before


cells = st.one_of(text, st.sampled_from(["0x" + "12" * 20, "0x" + "AB" * 20, "0x" + "0" * 40, "purchase", "survey",
                                         "12.34", "-5", "1e9", "NaN", "0.001", "", " ", "\"", ",", "ref-1"]))
csv_rows = st.lists(st.lists(cells, max_size=6), max_size=12)
headers = st.one_of(st.just(["address", "action", "amount", "ref"]), st.lists(cells, max_size=5),
                    st.just(["ref", "amount", "ACTION", " address "]))


def write_csv(path, header, rows):
    import csv

    with path.open("w", newline="", encoding="utf-8") as fp:
        out = csv.writer(fp)
        if header is not None:
            out.writerow(header)
        out.writerows(rows)


@FUZZ
@given(header=st.one_of(st.none(), headers), rows=csv_rows)
def test_campaign_csv_rows_are_accepted_or_reported_with_line_and_column(tmp_path_factory, header, rows):
    folder = tmp_path_factory.mktemp("csv")
    (folder / "campaign.yaml").write_text(VALID)
    campaign = load_campaign(folder / "campaign.yaml")
    path = folder / "rows.csv"
    write_csv(path, header, rows)
    before = folder_state(folder)
    try:
        check = read_rows(path, campaign)
    except ConfigError as exc:
        assert re.match(rf"{re.escape(str(path))}:1: ", str(exc)), str(exc)
    else:
        for bad in check.bad:
            assert bad.file == str(path) and bad.line >= 2 and bad.column in ("address", "action", "amount", "ref",
                                                                              "reason", "extra")
            assert str(bad).startswith(f"{path}:{bad.line}: column '{bad.column}'")
        assert len(check.rows) + len(check.bad) <= len(rows)
        assert all(r.points > 0 for r in check.rows)
    assert folder_state(folder) == before


log_cells = st.one_of(cells, st.sampled_from(["opened", "reply", "resolved", "followup", "complaint", "feedback",
                                              "amendment", "reached", "satisfied", "7", "0", "-1", "99999999999999999999999"]))


@FUZZ
@given(header=st.one_of(st.none(), st.just(["kind", "ticket", "customer", "text", "outcome", "ref"]),
                        st.lists(log_cells, max_size=6)),
       rows=st.lists(st.lists(log_cells, max_size=7), max_size=10))
def test_log_batch_csv_loads_or_fails_naming_file_line_and_field(tmp_path_factory, header, rows):
    folder = tmp_path_factory.mktemp("logcsv")
    path = folder / "records.csv"
    write_csv(path, header, rows)
    before = folder_state(folder)
    try:
        entries = read_batch_csv(path)
    except ConfigError as exc:
        message = str(exc)
        assert names_the_file(message, path), message
        line = re.match(rf"{re.escape(str(path))}:(\d+): (\w+)?", message)
        if line and int(line.group(1)) > 1:  # a row's error names its field
            assert line.group(2) in ("kind", "ticket", "customer", "outcome", "ref"), message
    else:
        assert 0 < len(entries) <= len(rows)
        assert all(e.ticket > 0 for e in entries)
    assert folder_state(folder) == before


# ---------------------------------------------------------------------------------------- the CLI
def leaf_commands(group: click.Group, prefix=()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        if path[0] in ("serve", "chain", "db"):  # long-running servers, node and database control: not parsers
            continue
        if isinstance(cmd, click.Group):
            out.extend(leaf_commands(cmd, path))
        else:
            out.append(path)
    return out


def _cli():
    from servicecoin.cli import cli

    return cli


COMMANDS = leaf_commands(_cli())
args = st.lists(st.one_of(text.filter(lambda s: not s.startswith("--follow")), st.integers(-10**40, 10**40).map(str),
                          st.sampled_from(["--json", "--network", "development", "nowhere", "--qty", "-1",
                                           "0x" + "12" * 20, "--batch-size", "0", "9999", "--db", "/dev/null/x",
                                           "--help", "--token", "1e3", ""])),
                max_size=5)


@pytest.fixture
def no_node(monkeypatch):
    """Any command that gets as far as connecting finds the node down (and never touches a chain)."""
    import servicecoin.chain

    def down(network, *a, **k):
        raise ServiceCoinError(f"network {network}: no node answers (fuzz)")

    monkeypatch.setattr(servicecoin.chain, "connect", down)
    monkeypatch.setenv("SVC_RPC_URL", "http://127.0.0.1:8899")


@FUZZ
@given(command=st.sampled_from(COMMANDS), argv=args)
def test_cli_fails_with_one_error_line_or_usage_never_a_traceback(no_node, tmp_path_factory, command, argv):
    cwd = tmp_path_factory.mktemp("cli")
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd):
        before = sorted(os.listdir("."))
        result = runner.invoke(_cli(), [*command, *argv])
        after = sorted(os.listdir("."))
    shown = f"svc {' '.join(command)} {argv!r} -> {result.exit_code}: {result.output!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        pytest.fail(f"{shown}\n{''.join(traceback.format_exception(result.exception))}")
    assert result.exit_code in (0, 1, 2, 3, 4), shown  # servicecoin.errors' exit codes
    assert "Traceback" not in result.output, shown
    if result.exit_code in (1, 3, 4):
        errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, shown
    assert after == before, shown  # nothing written where it ran
