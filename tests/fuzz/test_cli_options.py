"""Every option and argument of every `svc` command, fuzzed (hypothesis) with hostile values.

The click tree is walked from servicecoin.cli.cli, so a command added later is fuzzed too, with no
list to keep up to date. For each parameter the other required ones get a value their type takes
(derived from the type, never from the command's name), and the parameter under test gets a hostile
one: negative, huge, NUL, non-ASCII digits, 0xZZ, empty, very long, an exponent… No node runs: the
network is svc-live at a closed port, so a command that gets past its parameters fails with the
node-down line at once (SVC_CONNECT_TIMEOUT=0).

Each run must end with: no Python exception and no traceback; an exit code of servicecoin.errors'
table; when it fails, exactly one `error: …` line on stderr (or click's own usage message) and no
web3 ABI listing; and whenever the parameter's type refuses the value, exit code 2. Long-running
commands (servers, the local chain and database) are run only with values their types refuse, so
nothing is ever started.
"""

from __future__ import annotations

import os
import socket

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings, strategies as st

from servicecoin.errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_NODE_DOWN, EXIT_OK, EXIT_REFUSED

FUZZ = settings(max_examples=int(os.environ.get("SVC_FUZZ_OPTION_EXAMPLES", 4)), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CODES = {EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_NODE_DOWN, EXIT_REFUSED}
# Commands that serve or start something when their parameters are good: run only with refused values.
STARTS_SOMETHING = {("serve",), ("chain", "start"), ("db", "start"), ("db", "url"), ("db", "stop"), ("chain", "stop"),
                    ("agent", "serve"), ("agent", "flush")}  # the last two run until stopped
HOSTILE = ["-1", "-0.5", "0", "1e3", "1E-2", "+5", "1_000", "1,000", "1 000", "٣", "１２", "0xZZ", "0x", "", " ",
           "\0", "a\0b", "x" * 5000, "9" * 100, str(2**256), str(-(2**255)), "1.", ".5", "1.123456789", "NaN", "inf",
           "\n", "--json", "0x" + "ff" * 32, "0x" + "00" * 32, "0x" + "12" * 20 + "00", "ＡＢＣ", "🙂", "$deployer"]
ABI_DUMP = ("Could not identify the intended function", "Found 1 function", "Provided arguments", "ABI")


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


def _cli():
    from servicecoin.cli import cli

    return cli


def walk(group: click.Group, prefix=()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        out.append((path, cmd))
        if isinstance(cmd, click.Group):
            out.extend(walk(cmd, path))
    return out


def fuzzable(cmd: click.Command) -> list[click.Parameter]:
    return [p for p in cmd.params if not getattr(p, "is_flag", False) and p.name != "help" and not getattr(p, "count", False)]


PARAMS = [(path, cmd, p) for path, cmd in walk(_cli()) for p in fuzzable(cmd)]


def write_world(folder, network: str = "svc-live"):
    """The files good values point at: a campaign and its rows, a log batch, an empty folder."""
    (folder / "rows.csv").write_text("address,action,amount,ref\n0x" + "12" * 20 + ",survey,,r1\n")
    (folder / "campaign.yaml").write_text(f"id: fuzz\nreason: campaign\nnetwork: {network}\ninput: rows.csv\n"
                                          "budget: 100\nrules:\n  survey: {points: 1}\n")
    (folder / "records.csv").write_text("kind,ticket,customer\nopened,1,0x" + "12" * 20 + "\n")
    (folder / "out").mkdir()
    return folder


@pytest.fixture
def world(tmp_path_factory, monkeypatch):
    """A folder with files good values point at, the data folder and deployments moved into it, and the
    environment of a network whose node is down."""
    folder = write_world(tmp_path_factory.mktemp("world"))
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", folder / "data")
    monkeypatch.chdir(folder)  # relative names a command may write (a journal, a report) land here
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"SVC_NETWORK": "svc-live", "SVC_RPC_URL": f"http://127.0.0.1:{port}", "SVC_CONNECT_TIMEOUT": "0",
           "SVC_DEPLOYMENTS_DIR": str(folder / "deployments"), "SVC_PRIVATE_KEY": None, "SVC_INDEX_DB": None,
           "SVC_CUSTOMER_KEY": None, "SVC_DEBUG": None, "SVC_DB_PORT": None}
    return folder, env


def good_value(param: click.Parameter, folder) -> str:
    """A value `param`'s type takes, chosen from the type alone."""
    from servicecoin.cli import options

    t = param.type
    if isinstance(t, click.Choice):
        return t.choices[0]
    if isinstance(t, click.Path):
        if not t.file_okay:
            return str(folder / "out")
        name = {"csv_file": "records.csv"}.get(param.name, "campaign.yaml")
        return str(folder / name) if t.exists else str(folder / "out" / "new.json")
    if isinstance(t, options.UInt):
        return str(max(t.low, 1))
    samples = {"Address": "0x" + "12" * 20, "Points": "1", "PrivateKey": "0x" + "11" * 32, "Signer": "customer",
               "IndexDb": str(folder / "index.sqlite"), "Window": "30d", "Position": "1:0", "Stock": "5",
               "RedemptionId": "1"}
    return samples.get(type(t).__name__, "1")


def refuses(param: click.Parameter, value: str, ctx) -> bool:
    try:
        param.type.convert(value, param, ctx)
    except click.BadParameter:
        return True
    except Exception:  # noqa: BLE001  a type that raises anything else is a failure the run will show
        return False
    return False


def argv_for(path, cmd, target, value, folder) -> list[str]:
    options, positionals = [], []
    for p in cmd.params:
        if getattr(p, "is_flag", False) or p.name == "help":
            continue
        chosen = value if p is target else (good_value(p, folder) if p.required else None)
        if chosen is None:
            continue
        if isinstance(p, click.Argument):
            positionals.append(chosen)
        else:
            options += [p.opts[0], chosen]
    return [*path, *options, "--", *positionals] if positionals else [*path, *options]


def check(path, cmd, param, value, world):
    folder, env = world
    ctx = click.Context(cmd)
    refused = refuses(param, value, ctx)
    if tuple(path) in STARTS_SOMETHING and not refused:
        return  # a good value would start a server or a node
    argv = argv_for(path, cmd, param, value, folder)
    result = CliRunner(mix_stderr=False, env=env).invoke(_cli(), argv)
    shown = f"svc {[a if len(a) < 80 else a[:60] + f'…({len(a)})' for a in argv]!r} -> {result.exit_code}\nstdout: {result.stdout[:500]!r}\nstderr: {result.stderr[:800]!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        pytest.fail(f"{shown}\n{''.join(traceback.format_exception(result.exception))}")
    assert result.exit_code in CODES, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert not any(words in result.stderr for words in ABI_DUMP), shown
    assert "error: unexpected " not in result.stderr, shown  # handle_errors' last resort: a bug below
    if refused:
        assert result.exit_code == EXIT_BAD_INPUT, shown
    if result.exit_code != EXIT_OK:
        lines = result.stderr.strip().splitlines()
        usage = any(line.startswith("Usage:") for line in lines) and any(line.startswith("Error:") for line in lines)
        assert usage or (len(lines) == 1 and lines[0].startswith("error: ")), shown


hostile_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
hostile = st.one_of(st.sampled_from(HOSTILE), hostile_text, st.integers(-(10**80), 10**80).map(str),
                    st.decimals(allow_nan=True, allow_infinity=True).map(str))


@pytest.mark.parametrize("path, cmd, param", PARAMS, ids=[f"{' '.join(p)}:{q.name}" for p, _, q in PARAMS])
@FUZZ
@given(value=hostile)
@example(value="-1")
def test_every_option_fails_in_one_line_on_hostile_values(world, path, cmd, param, value):
    check(path, cmd, param, value, world)


@pytest.mark.parametrize("path, cmd, param", PARAMS, ids=[f"{' '.join(p)}:{q.name}" for p, _, q in PARAMS])
def test_every_option_against_the_named_hostile_values(world, path, cmd, param):
    for value in HOSTILE:
        check(path, cmd, param, value, world)


def test_the_walk_finds_every_command_group_module():
    """The walk starts at the root: every module in cli.GROUPS contributes its commands' parameters."""
    from servicecoin import cli

    walked = {path[0] for path, _, _ in PARAMS}
    for module in cli.GROUPS:
        for command in module.COMMANDS:
            inside = [command] + ([c for _, c in walk(command)] if isinstance(command, click.Group) else [])
            if any(fuzzable(c) for c in inside):
                assert command.name in walked, command.name
