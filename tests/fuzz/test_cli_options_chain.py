"""The hostile values a parameter's type lets through, against a deployed chain.

test_cli_options.py runs every hostile value with no node, so a value its type takes stops at the
node-down line. Here the values each type takes (up to three per parameter: `0`, free text with NUL,
non-ASCII or 5,000 characters, an unknown role written `$deployer`…) go on to the commands' code on a
chain where `svc deploy` ran, each test from the same snapshot. The same rules hold: no traceback, no
ABI listing, no last-resort `error: unexpected …`, an exit code of the table and one `error:` line on
a failure. Commands that start servers are left out, as there.
"""

import click
import pytest
from click.testing import CliRunner

from tests.fuzz.test_cli_options import ABI_DUMP, CODES, HOSTILE, PARAMS, STARTS_SOMETHING, argv_for, refuses, \
    write_world

PER_PARAM = 3
CASES = []
for _path, _cmd, _param in PARAMS:
    if tuple(_path) in STARTS_SOMETHING:
        continue
    taken = [v for v in HOSTILE if not refuses(_param, v, click.Context(_cmd))][:PER_PARAM]
    if taken:
        CASES.append((_path, _cmd, _param, taken))


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    folder = write_world(tmp_path_factory.mktemp("chainworld"), "development")
    env = {"SVC_NETWORK": "development", "SVC_DEPLOYMENTS_DIR": str(folder / "deployments"), "SVC_DEBUG": None,
           "SVC_PRIVATE_KEY": None, "SVC_INDEX_DB": None, "SVC_CUSTOMER_KEY": None, "SVC_DB_PORT": None}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("servicecoin.paths.DATA_DIR", folder / "data")
        mp.chdir(folder)
        from servicecoin.cli import cli

        done = CliRunner(mix_stderr=False, env=env).invoke(cli, ["deploy"])
        assert done.exit_code == 0, done.stderr
        yield folder, env


@pytest.mark.parametrize("path, cmd, param, values", CASES, ids=[f"{' '.join(p)}:{q.name}" for p, _, q, _ in CASES])
def test_values_a_type_takes_end_well_on_a_chain(deployed, path, cmd, param, values):
    from servicecoin.cli import cli

    folder, env = deployed
    for value in values:
        argv = argv_for(path, cmd, param, value, folder)
        result = CliRunner(mix_stderr=False, env=env).invoke(cli, argv)
        shown = (f"svc {[a if len(a) < 80 else a[:60] + '…' for a in argv]!r} -> {result.exit_code}\n"
                 f"stdout: {result.stdout[:300]!r}\nstderr: {result.stderr[:600]!r}")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            pytest.fail(f"{shown}\n{''.join(traceback.format_exception(result.exception))}")
        assert result.exit_code in CODES, shown
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert not any(words in result.stderr for words in ABI_DUMP), shown
        assert "error: unexpected " not in result.stderr, shown
        if result.exit_code != 0:
            lines = result.stderr.strip().splitlines()
            usage = any(x.startswith("Usage:") for x in lines) and any(x.startswith("Error:") for x in lines)
            assert usage or (len(lines) == 1 and lines[0].startswith("error: ")), shown
