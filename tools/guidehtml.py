"""The customers' guide as a page of `svc serve`: docs/guides/customers.md → web/guide.html.

    python tools/guidehtml.py           # write web/guide.html
    python tools/guidehtml.py --check   # exit 1 when web/guide.html is not what the Markdown gives

The page is static (served at /guide.html like every file in web/), so `svc serve` needs no code and no
Markdown library for it. This converts the small Markdown subset the guides use: headings (with
GitHub's anchors), paragraphs, `-` and `1.` lists with indented continuation lines, tables, and inline
`code`, **bold**, *emphasis* and [links](…). A link to another .md file (a developer's page) becomes
plain text: only web/ is served. No script and no inline style, as the page's CSP demands.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "guides" / "customers.md"
TARGET = ROOT / "web" / "guide.html"

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\*([^*\s][^*]*?)\*|\[([^\]]+)\]\(([^)\s]+)\)")


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    plain = re.sub(r"[`*]", "", re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", plain))


def inline(text: str) -> str:
    """One line of Markdown text as escaped HTML with code, bold, emphasis and links."""
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        code, bold, em, label, url = m.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        elif bold is not None:
            out.append(f"<strong>{inline(bold)}</strong>")
        elif em is not None:
            out.append(f"<em>{inline(em)}</em>")
        elif url.startswith(("https://", "http://")):
            out.append(f'<a href="{html.escape(url)}" rel="noopener noreferrer">{inline(label)}</a>')
        elif url.startswith("#"):
            out.append(f'<a href="{html.escape(url)}">{inline(label)}</a>')
        else:  # another page of the docs: not served, keep the words
            out.append(inline(label))
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def convert(markdown: str) -> tuple[str, str]:
    """(title, body HTML) of a Markdown text."""
    lines = markdown.splitlines()
    body: list[str] = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"(#{1,4}) (.*)", line)
        if heading:
            level, text = len(heading.group(1)), heading.group(2).strip()
            title = title or re.sub(r"[`*]", "", text)
            body.append(f'<h{level} id="{slug(text)}">{inline(text)}</h{level}>')
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not re.fullmatch(r"\|[\s:|-]+\|?", lines[i].strip()):
                    rows.append(_cells(lines[i]))
                i += 1
            head = "".join(f"<th>{inline(c)}</th>" for c in rows[0])
            rest = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rest}</tbody></table>")
            continue
        bullet = re.match(r"(- |\d+\. )(.*)", line)
        if bullet:
            tag = "ul" if bullet.group(1) == "- " else "ol"
            items: list[str] = []
            while i < len(lines):
                m = re.match(r"(- |\d+\. )(.*)", lines[i])
                if m and (m.group(1) == "- ") == (tag == "ul"):
                    items.append(m.group(2).strip())
                elif lines[i].startswith("  ") and lines[i].strip() and items:
                    items[-1] += " " + lines[i].strip()
                else:
                    break
                i += 1
            body.append(f"<{tag}>" + "".join(f"<li>{inline(t)}</li>" for t in items) + f"</{tag}>")
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not re.match(r"(#{1,4} |\||- |\d+\. )", lines[i]):
            para.append(lines[i].strip())
            i += 1
        body.append(f"<p>{inline(' '.join(para))}</p>")
    return title, "\n".join(body)


def page(markdown: str) -> str:
    """The whole HTML page of the guide, in the customer page's style."""
    title, body = convert(markdown)
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n"
        "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"  <title>{html.escape(title)}</title>\n  <link rel=\"stylesheet\" href=\"styles.css\">\n"
        "  <link rel=\"icon\" href=\"data:,\">\n</head>\n<body>\n"
        "<!-- Generated from docs/guides/customers.md by tools/guidehtml.py: edit the Markdown, then run it. -->\n"
        "  <a class=\"skip\" href=\"#main\">Skip to the guide</a>\n"
        "  <header class=\"top\">\n    <div class=\"brand\"><span class=\"logo\" aria-hidden=\"true\">◎</span> "
        "ServiceCoin <span class=\"sub\">points</span></div>\n"
        "    <div class=\"top-actions\"><a href=\"./\">Back to your points</a></div>\n  </header>\n"
        f"  <main id=\"main\" tabindex=\"-1\" class=\"card guide\">\n{body}\n  </main>\n"
        "  <footer class=\"foot\"><a href=\"./\">Back to your points</a></footer>\n</body>\n</html>\n"
    )


def main(argv: list[str]) -> int:
    wanted = page(SOURCE.read_text(encoding="utf-8"))
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != wanted:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python tools/guidehtml.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(wanted, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
