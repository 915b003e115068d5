"""The guides for people who are not developers (docs/guides/) stay true to the code: every `svc` command
a guide shows in a ```sh block exists (`svc <group> <command> --help` exits 0) with the options it uses;
every link leads to a file and heading; the page texts the customers' guide names are still on the page;
the customers' guide page (web/guide.html) is the Markdown's current rendering, `svc serve` serves it with
the page's security headers, and the customer page links to it."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from servicecoin import PROJECT_ROOT
from servicecoin.cli import cli
from tests.offchain.serve.httpkit import SECURITY, request, serving

GUIDES = PROJECT_ROOT / "docs" / "guides"
FENCE = re.compile(r"^\s*```(\w*)\s*$")


def _tools_guidehtml():
    spec = importlib.util.spec_from_file_location("guidehtml", PROJECT_ROOT / "tools" / "guidehtml.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else path.name


def sh_commands(path: Path) -> list[tuple[str, str]]:
    """(where, command line) of every `svc …` command in the ```sh blocks of `path`; a line may chain
    commands with && or | and carry a # comment."""
    found, lang = [], None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fence = FENCE.match(line)
        if fence:
            lang = None if lang is not None else fence.group(1)
            continue
        if lang != "sh":
            continue
        text = line.split(" # ")[0].strip()
        for part in re.split(r"&&|\|\|?|;", text):
            part = part.strip()
            if part.startswith("svc ") or part == "svc":
                found.append((f"{_shown(path)}:{number}", part))
    return found


ALL = [c for guide in sorted(GUIDES.glob("*.md")) for c in sh_commands(guide)]


def resolve(words: list[str]) -> tuple[list[str], click.Command]:
    """The command path `words` name (`['admin', 'budget']`) and its click command; the rest are arguments."""
    path, command = [], cli
    for word in words:
        if isinstance(command, click.Group) and word in command.commands:
            path.append(word)
            command = command.commands[word]
        else:
            break
    return path, command


def test_every_guide_shows_commands():
    """The parser finds the guides' commands (an empty list would pass everything below)."""
    where = {w.split(":")[0] for w, _ in ALL}
    assert {f"docs/guides/{n}.md" for n in ("merchants", "operators")} <= where, where
    assert len(ALL) >= 40


def problem(line: str) -> str | None:
    """What is wrong with the command line `svc …` (None: the command exists, `--help` exits 0, and it has
    every option the line uses)."""
    words = shlex.split(line)[1:]
    path, command = resolve(words)
    rest = words[len(path):]
    if not path and rest != ["--help"]:
        return f"'{line}' names no svc command"
    if isinstance(command, click.Group) and path and (not command.invoke_without_command
                                                      or (rest and not rest[0].startswith("-"))):
        return f"'{line}': 'svc {' '.join(path)}' has no command '{rest[0] if rest else ''}'"
    result = CliRunner().invoke(cli, [*path, "--help"])
    if result.exit_code != 0:
        return f"svc {' '.join(path)} --help exited {result.exit_code}: {result.output}"
    known = {"--help"} | {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    used = {w.split("=")[0] for w in rest if w.startswith("--")}
    if not used <= known:
        return f"svc {' '.join(path)} has no option {', '.join(sorted(used - known))}"
    return None


@pytest.mark.parametrize("where,line", ALL, ids=[w for w, _ in ALL])
def test_command_in_a_guide_exists_with_its_options(where, line):
    assert problem(line) is None, f"{where}: {problem(line)}"


def test_a_command_or_option_that_is_gone_fails_the_check(tmp_path):
    """The check can fail: a guide naming a command, group or option that does not exist is caught."""
    guide = tmp_path / "g.md"
    guide.write_text("Text\n\n```sh\nsvc merchant hire shop-a   # no such command\n"
                     "svc catalog add --kind gift --colour red\nsvc frobnicate\nsvc admin\n```\n"
                     "```\nsvc not-checked-outside-sh\n```\n")
    lines = [line for _, line in sh_commands(guide)]
    assert lines == ["svc merchant hire shop-a", "svc catalog add --kind gift --colour red", "svc frobnicate",
                     "svc admin"]
    assert [bool(problem(line)) for line in lines] == [True, True, True, True]
    assert problem("svc index --db x.sqlite") is None and problem("svc index frob")  # a group that runs alone
    assert "--colour" in problem(lines[1])
    assert problem("svc catalog add --kind gift --price 40") is None


def test_guide_page_is_the_current_rendering_of_the_markdown():
    guidehtml = _tools_guidehtml()
    assert guidehtml.main(["--check"]) == 0, "web/guide.html is out of date: run python tools/guidehtml.py"


def test_guide_page_has_the_guides_sections_and_no_script():
    page = (PROJECT_ROOT / "web" / "guide.html").read_text()
    for anchor in ("how-points-expire", "tiers", "spend-your-points-redeem", "what-is-public-and-what-is-not"):
        assert f'id="{anchor}"' in page
    assert "<h1" in page and "<script" not in page and "style=" not in page


def test_svc_serve_serves_the_guide_and_the_page_links_to_it():
    with serving() as server:
        status, headers, body = request(server, "GET", "/guide.html")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert all(h in headers for h in SECURITY)
        assert b"What is public and what is not" in body
        status, _, index = request(server, "GET", "/")
        assert status == 200 and b'href="guide.html"' in index


# Pages the guides link to that another branch writes (issue 14's token migration, branch token14off).
WRITTEN_ELSEWHERE = {"docs/migration.md"}
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown page, as GitHub and tools/guidehtml.py make them."""
    slug = _tools_guidehtml().slug
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", path.read_text(), re.M)}


@pytest.mark.parametrize("guide", sorted(GUIDES.glob("*.md")), ids=lambda p: p.name)
def test_links_in_a_guide_lead_somewhere(guide):
    for target in LINK.findall(guide.read_text()):
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        page = (guide.parent / file).resolve() if file else guide
        shown = str(page.relative_to(PROJECT_ROOT))
        if shown in WRITTEN_ELSEWHERE and not page.exists():
            continue
        assert page.exists(), f"{guide.name}: link to {target}: no such file {shown}"
        if anchor:
            assert anchor in anchors(page), f"{guide.name}: link to {target}: {shown} has no heading '{anchor}'"


# What the customers' guide tells people to look for or click on the page, as the page words it.
PAGE_WORDS = ["Connect wallet", "Your wallet is on another network", "Switch network", "Expiring in the next 30 days",
              "All your points by expiry date", "Spend your points", "Sign and redeem (free)", "Waiting for your wallet",
              "Your redemptions", "Open: the merchant is preparing it", "Delivered on", "Check my voucher code",
              "Out of stock", "to unlock", "more points", "you do not have enough points that are still valid",
              "Cancelled: you rejected it", "Refunded on", "Your support tickets", "Sign in", "Sign out",
              "Download my service receipts", "You need a wallet to see your points", "You rejected the request",
              "Send it myself", "Wallet recovered to", "Wallet recovered from", "Next expiry",
              "matches the hash on chain", "Expired (not yet removed on chain)", "to your next reward", "Waiting since",
              "Copy", "E-mail notices", "Send me a confirmation link", "Confirm my e-mail address",
              "Stop all e-mail notices"]


@pytest.mark.parametrize("words", PAGE_WORDS)
def test_customers_guide_names_what_the_page_shows(words):
    guide = (GUIDES / "customers.md").read_text()
    page = "\n".join(p.read_text() for p in sorted((PROJECT_ROOT / "web").glob("*")) if p.suffix in (".html", ".js")
                     and p.name != "guide.html")
    assert words in " ".join(guide.split()), f"customers.md no longer says '{words}': drop it here"
    assert words in page, f"the page no longer shows '{words}': update docs/guides/customers.md and this list"
