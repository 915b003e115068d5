"""security/run_slither.py keys a finding on check, contract, function and a hash of its source lines."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCE = """contract C {
    function f(uint256 d) external view {
        if (block.timestamp > d) revert();
        if (d == block.timestamp) revert();
    }
}
"""


@pytest.fixture(scope="module")
def rs():
    spec = importlib.util.spec_from_file_location("run_slither", ROOT / "security" / "run_slither.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_from(text):
    return lambda path, start, length: text.encode()[start:start + length].decode()


def span(text, fragment):
    start = text.encode().index(fragment.encode())
    return {"filename_relative": "contracts/C.sol", "start": start, "length": len(fragment.encode())}


def finding(text, *statements, check="timestamp", impact="Low"):
    """A Slither-shaped finding about C.f that points at `statements` (none: at the function itself)."""
    function_text = text[text.index("function f"):text.rindex("    }") + 5]
    function = {"type": "function", "name": "f", "source_mapping": span(text, function_text),
                "type_specific_fields": {"parent": {"type": "contract", "name": "C"}}}
    nodes = [{"type": "node", "name": s, "source_mapping": span(text, s),
              "type_specific_fields": {"parent": function}} for s in statements]
    return {"check": check, "impact": impact, "description": f"C.f {check}\n", "elements": [function, *nodes]}


def test_key_names_check_contract_function_and_hash(rs):
    key = rs.key_of(finding(SOURCE, "block.timestamp > d"), read_from(SOURCE))
    scope, digest = key.split("#")
    assert scope == "timestamp:C.f"
    assert len(digest) == 12


def test_new_finding_of_a_triaged_check_in_the_same_function_is_new(rs):
    read = read_from(SOURCE)
    triaged = finding(SOURCE, "block.timestamp > d")
    triage = {rs.key_of(triaged, read): {"impact": "Low", "reason": "deadline"}}
    grown = finding(SOURCE, "block.timestamp > d", "d == block.timestamp")
    result = rs.evaluate({"results": {"detectors": [grown]}}, triage, read)
    assert result["untriaged"] == 1
    assert result["stale_triage"] == list(triage)


def test_triaged_finding_passes(rs):
    read = read_from(SOURCE)
    f = finding(SOURCE, "block.timestamp > d")
    result = rs.evaluate({"results": {"detectors": [f]}}, {rs.key_of(f, read): {}}, read)
    assert (result["triaged"], result["untriaged"], result["stale_triage"]) == (1, 0, [])


def test_whitespace_does_not_change_the_key(rs):
    spaced = SOURCE.replace("block.timestamp > d", "block.timestamp  >\n            d")
    a = rs.key_of(finding(SOURCE, "block.timestamp > d"), read_from(SOURCE))
    b = rs.key_of(finding(spaced, "block.timestamp  >\n            d"), read_from(spaced))
    assert a == b


def test_whole_function_finding_hashes_its_first_line(rs):
    f = finding(SOURCE, check="cyclomatic-complexity", impact="Informational")
    edited = SOURCE.replace("revert();\n    }", "revert();\n        d;\n    }")
    assert rs.key_of(f, read_from(SOURCE)) == rs.key_of(finding(edited, check="cyclomatic-complexity"), read_from(edited))
    renamed = SOURCE.replace("uint256 d)", "uint256 deadline)")
    assert rs.key_of(f, read_from(SOURCE)) != rs.key_of(
        finding(renamed, check="cyclomatic-complexity"), read_from(renamed))


def test_high_and_medium_always_fail(rs):
    read = read_from(SOURCE)
    f = finding(SOURCE, "block.timestamp > d", impact="Medium")
    result = rs.evaluate({"results": {"detectors": [f]}}, {rs.key_of(f, read): {}}, read)
    assert result["high_medium"] == 1
