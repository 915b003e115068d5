"""The import graph of the servicecoin package, checked against its layers.

    python tools/importgraph.py [--check] [ROOT]

Prints one line per module with the servicecoin modules it imports (function-local imports
included), then every import cycle and every import that points up the layers below. With
--check, exits 1 when there is either. Layers, top first; a module may import its own layer or
any layer below it, never one above.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LAYERS = [
    ("cli", ["cli"]),
    ("demo", ["demo"]),
    ("features", ["campaign", "servicelog", "vault", "index", "reports", "statement", "serve", "relay", "account", "admin",
                  "settlement", "ingest", "watch", "notices", "migration"]),
    ("deploy", ["deploy"]),
    ("chain", ["chain", "localchain", "localdb", "config", "networks", "roles", "contentstore", "contentkeys",
               "token_migration_codec"]),
    ("base", ["paths", "errors", "eip712", "token", "loginfo", "money", "mailer", ""]),  # "": the package root (PROJECT_ROOT)
]
PACKAGE = "servicecoin"


def layer_of(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    for rank, (_, names) in enumerate(LAYERS):
        if top in names:
            return rank
    raise SystemExit(f"{module}: not in any layer; add it to LAYERS in {__file__}")


def modules(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The servicecoin modules `path` imports anywhere in its body, function-local imports included."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from pkg import sub` imports the module pkg.sub; `from pkg import name` imports pkg
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {name: imports(path, name, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan). A package whose __init__
    re-exports its submodules is in a cycle with any of them that imports the package back."""
    def edges(m):
        return sorted(g[m])

    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def upward(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(m, d) for m in sorted(g) for d in sorted(g[m]) if layer_of(d) < layer_of(m)]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    g = graph(root)
    short = lambda m: m.removeprefix(PACKAGE + ".") if m != PACKAGE else "(root)"  # noqa: E731
    for m in sorted(g, key=lambda m: (layer_of(m), m)):
        deps = ", ".join(short(d) for d in sorted(g[m], key=lambda d: (layer_of(d), d)))
        print(f"[{LAYERS[layer_of(m)][0]}] {short(m)}: {deps}")
    found = cycles(g)
    ups = upward(g)
    for comp in found:
        print("CYCLE: " + " ↔ ".join(short(m) for m in comp))
    for m, d in ups:
        print(f"UPWARD: {short(m)} ({LAYERS[layer_of(m)][0]}) → {short(d)} ({LAYERS[layer_of(d)][0]})")
    print(f"{len(g)} modules, {sum(map(len, g.values()))} imports, {len(found)} cycle(s), {len(ups)} upward import(s)")
    return 1 if check and (found or ups) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
