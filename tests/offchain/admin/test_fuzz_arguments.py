"""Hostile values for the admin commands' arguments, with the chain up (so each value reaches its parser
and the simulation): every failure is one `error:` line with exit code 1, or click's usage error (2),
never a traceback; a value that is accepted changes only what the command says."""

import os

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.offchain.admin.adminkit import CUSTOMER, SHOP_A, assert_one_error_line, one_error_line

FUZZ = settings(max_examples=int(os.environ.get("SVC_FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["", " ", "0", "-1", "1e3", "1.001", "1,5", "١٢", "0x" + "12" * 20, "0x12", "1" * 60, "∞", "nan",
                     "Gold:100:1.5x", "a:b:c", "Member:0:1x:9", "7d", "0d", "99999999999d", "admin", "issuer"]),
)
# Each template: one argument replaced by the hostile value (X).
TEMPLATES = [
    ["issue", CUSTOMER.address, "X", "--reason", "purchase", "--ref", "f"],
    ["issue", "X", "1", "--reason", "purchase", "--ref", "f"],
    ["issue", CUSTOMER.address, "1", "--reason", "X", "--ref", "f"],
    ["issue", CUSTOMER.address, "1", "--reason", "purchase", "--ref", "X"],
    ["merchant", "onboard", "X", SHOP_A.address, "--budget", "1"],
    ["merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "X"],
    ["merchant", "offboard", "X"],
    ["admin", "budget", "X", "1"],
    ["admin", "budget", SHOP_A.address, "X"],
    ["admin", "tiers", "--tier", "X"],
    ["admin", "tiers", "--eligible", "X"],
    ["admin", "pause", "X"],
    ["admin", "discount-rate", "X"],
    ["admin", "notice-period", "X"],
    ["admin", "grant", "X", SHOP_A.address],
    ["admin", "revoke", "issuer", "X"],
    ["admin", "grant", "pauser", SHOP_A.address, "--contract", "X"],
]


@FUZZ
@given(template=st.sampled_from(TEMPLATES), value=text)
def test_hostile_values_end_in_one_line(svc, template, value):
    argv = [value if a == "X" else a for a in template]
    result = svc(*argv, ok=False)
    assert result.exit_code in (0, 1, 2, 3, 4) and isinstance(result.exception, (SystemExit, type(None))), \
        f"svc {argv!r} -> {result.exit_code}: {result.output!r} {result.exception!r}"
    if result.exit_code != 0 and not result.output.startswith("Usage:"):  # else click's own usage message
        one_error_line(result)


def test_a_bad_value_is_reported_before_the_node_is_asked(svc, monkeypatch):
    """With no node at all, a bad value still gets its own line (the value is checked before connecting)."""
    monkeypatch.setenv("SVC_RPC_URL", "http://127.0.0.1:9")
    for argv, fragment in [(["issue", "0x1234", "1", "--reason", "purchase", "--ref", "r"], "is not an address"),
                           (["issue", CUSTOMER.address, "1e3", "--reason", "purchase", "--ref", "r"], "POINTS"),
                           (["merchant", "onboard", "Shop A", SHOP_A.address, "--budget", "1"], "merchant name"),
                           (["admin", "budget", SHOP_A.address, "1e3"], "POINTS"),
                           (["admin", "tiers", "--tier", "Member:1:1x"], "must start at 0"),
                           (["admin", "notice-period", "soon"], "not a duration"),
                           (["admin", "window", "refund", "soon"], "not a duration"),
                           (["admin", "discount-rate", "0"], "more than 0")]:
        assert_one_error_line(svc(*argv, network="svc-live", ok=False), fragment)
