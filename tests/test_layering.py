"""The house stays one-way (#19): no import circle, no import from a higher layer, no huge module.

Read from the code's own imports (``ast``, every ``import``/``from … import`` anywhere in a
module — at the top, inside a function or under ``TYPE_CHECKING`` — because a lazy import
is still a dependency). The layers, bottom to top (docs/ARCHITECTURE.md):

    core → data, sources, persons, simulator → store → benchmark, surveys
         → schemes, benchlearning, review → runs → report → web → cli, demo

A module may import its own layer and those below it. Circles are looked for between
modules (``a`` imports ``b`` … imports ``a``), within a room as well as across rooms.
Typed seams: no private name (``_x``) is imported from or read off another module, no
``except ImportError`` turns a real error into a silent default (src, scripts, benchmarks),
and no ``ds``/``ws`` parameter is typed ``Any`` (``core/seams.py`` says what a room needs).
Every checker is proved on a copy of the package with the fault planted.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: room -> layer (bottom = 0). ``benchlearn`` itself (``__init__``: the version) is the bottom.
LAYERS: dict[str, int] = {
    "benchlearn": 0, "core": 0,
    "data": 1, "sources": 1, "persons": 1, "simulator": 1,
    "store": 2,
    "benchmark": 3, "surveys": 3,
    "schemes": 4, "benchlearning": 4, "review": 4,
    "runs": 5,
    "report": 6,
    "web": 7,
    "cli": 8, "demo": 8, "__main__": 8,
}

#: the guide's "< ~600 lines", as a hard stop: split a module before it gets here
MAX_LINES = 600
ROOT = SRC.parent
#: where ``except ImportError`` is looked for: the package and the scripts people run
FALLBACK_DIRS = ("src", "scripts", "benchmarks")
#: parameter names that carry a dataset or a workspace
SEAM_PARAMS = frozenset({"ds", "ws", "dataset", "workspace"})
#: rooms whose dataset/workspace parameters must say their type (Tables, RunStore, Dataset, …)
TYPED_ROOMS = frozenset({"benchmark", "surveys", "schemes", "benchlearning", "review", "runs"})


def modules(src: Path) -> dict[str, Path]:
    out = {}
    for f in sorted((src / "benchlearn").rglob("*.py")):
        parts = list(f.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def imports(src: Path) -> dict[str, set[str]]:
    """module -> the benchlearn modules it imports (``from a import b`` names ``a.b`` when that is a module)."""
    mods = modules(src)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:  # relative import: resolve against the module's package
                    pkg = m.split(".") if f.name == "__init__.py" else m.split(".")[:-1]
                    base = ".".join(pkg[: len(pkg) - node.level + 1] + [node.module])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                while t and t not in mods and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in mods and t != m:
                    graph[m].add(t)
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for m, ts in sorted(graph.items()):
        for t in sorted(ts):
            rm, rt = room(m), room(t)
            if rm not in LAYERS or rt not in LAYERS:
                bad.append(f"{m} -> {t}: room without a layer ({rm if rm not in LAYERS else rt}); add it to LAYERS and docs/ARCHITECTURE.md")
            elif LAYERS[rt] > LAYERS[rm]:
                bad.append(f"{m} (layer {LAYERS[rm]} {rm}) imports {t} (layer {LAYERS[rt]} {rt})")
    return bad


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def long_modules(src: Path) -> list[str]:
    return [f"{m}: {n} lines" for m, f in modules(src).items()
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES]


def _resolved(m: str, f: Path, node: ast.ImportFrom) -> str:
    base = node.module or ""
    if node.level:
        pkg = m.split(".") if f.name == "__init__.py" else m.split(".")[:-1]
        base = ".".join(pkg[: len(pkg) - node.level + 1] + ([node.module] if node.module else []))
    return base


def private_crossings(src: Path) -> list[str]:
    """``from a import _x`` and ``a._x`` (``a`` a benchlearn module bound by an import) in another module.

    A name with a leading underscore is its module's own business: a second module that needs
    it means the name is public (rename it) or the code is in the wrong module (move it).
    Dunder names (``__version__``) are public by convention.
    """
    mods = modules(src)
    bad = []
    for m, f in mods.items():
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        bound: dict[str, str] = {}  # local name -> benchlearn module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _resolved(m, f, node)
                if not base.startswith("benchlearn"):
                    continue
                for a in node.names:
                    if f"{base}.{a.name}" in mods:
                        bound[a.asname or a.name] = f"{base}.{a.name}"
                    elif a.name.startswith("_") and not a.name.startswith("__") and base != m:
                        bad.append(f"{m}:{node.lineno} imports {base}.{a.name}")
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("benchlearn"):
                        bound[a.asname or a.name] = a.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                    and node.attr.startswith("_") and not node.attr.startswith("__") and bound[node.value.id] != m):
                bad.append(f"{m}:{node.lineno} reads {bound[node.value.id]}.{node.attr}")
    return sorted(bad)


def import_fallbacks(root: Path, dirs: tuple[str, ...] = FALLBACK_DIRS) -> list[str]:
    """Every ``except ImportError`` / ``except (…, ImportError, …)`` (and ``ModuleNotFoundError``)."""
    bad = []
    for d in dirs:
        for f in sorted((root / d).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
                if isinstance(node, ast.ExceptHandler) and node.type is not None:
                    types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                    names = {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}
                    if names & {"ImportError", "ModuleNotFoundError"}:
                        bad.append(f"{f.relative_to(root)}:{node.lineno}")
    return bad


def untyped_seams(src: Path) -> list[str]:
    """Parameters named ``ds``/``ws``/``dataset``/``workspace`` annotated ``Any`` (or ``Any | None``)
    anywhere, or not annotated at all in the rooms of :data:`TYPED_ROOMS` (the models and analyses,
    whose seams ``core.seams`` describes)."""
    bad = []
    for m, f in modules(src).items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
                    if arg.arg not in SEAM_PARAMS:
                        continue
                    if arg.annotation is None:
                        if room(m) in TYPED_ROOMS:
                            bad.append(f"{m}:{node.lineno} {node.name}({arg.arg}) has no type")
                    elif "Any" in {n.id for n in ast.walk(arg.annotation) if isinstance(n, ast.Name)}:
                        bad.append(f"{m}:{node.lineno} {node.name}({arg.arg}: {ast.unparse(arg.annotation)})")
    return bad


def seam_members(src: Path) -> dict[str, set[str]]:
    """Each protocol of ``core/seams.py`` -> the names it declares (methods, properties, attributes)."""
    tree = ast.parse((src / "benchlearn" / "core" / "seams.py").read_text(encoding="utf-8"))
    return {c.name: {n.name for n in c.body if isinstance(n, ast.FunctionDef)}
            | {n.target.id for n in c.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            for c in tree.body if isinstance(c, ast.ClassDef)}


def beyond_the_seams(src: Path) -> list[str]:
    """``ds.x`` where ``ds`` is a parameter typed with a seam protocol and ``x`` is not one of its
    members — what a type checker would say; there is none in CI, so the protocols are kept honest
    here (a room that needs more of a dataset says so in ``core/seams.py``, or takes a ``Dataset``)."""
    mem = seam_members(src)
    bad = []
    for m, f in modules(src).items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            a = node.args
            typed: dict[str, str] = {}
            for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
                if arg.annotation is not None:
                    ann = arg.annotation  # a string annotation ('RunStore | None') is read as the expression it spells
                    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
                        ann = ast.parse(ann.value, mode="eval")
                    names = {n.id for n in ast.walk(ann) if isinstance(n, ast.Name)}
                    typed.update({arg.arg: p for p in mem if p in names})
            for sub in ast.walk(node):
                if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in typed
                        and sub.attr not in mem[typed[sub.value.id]]):
                    bad.append(f"{m}:{sub.lineno} {sub.value.id}.{sub.attr} is not in {typed[sub.value.id]}")
    return bad


def test_no_private_name_crosses_a_module():
    assert private_crossings(SRC) == []


def test_no_import_error_fallback():
    assert import_fallbacks(ROOT) == []


def test_no_dataset_or_workspace_typed_any():
    assert untyped_seams(SRC) == []


def test_rooms_use_only_what_the_seams_declare():
    assert beyond_the_seams(SRC) == []


def test_the_concrete_classes_satisfy_the_seams(tmp_path):
    """What the rooms are typed with is what Dataset, Workspace and RunRecord offer (the
    protocols are ``runtime_checkable``: every member must be there)."""
    import pandas as pd

    from benchlearn.core.results import Run
    from benchlearn.core.seams import RunStore, StoredRun, Tables
    from benchlearn.data.dataset import Dataset
    from benchlearn.store import Workspace

    ds = Dataset.from_tables({"support": pd.DataFrame({"kommunekode": [101], "period": ["2023"], "ydelse": ["kontanthjaelp"],
                                                      "fuldtidspersoner": [1.0]})})
    assert isinstance(ds, Tables) and not isinstance(ds, RunStore)
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ws.ingest(ds)
        assert isinstance(ws, RunStore) and isinstance(ws.dataset(), Tables)
        ws.record(Run("benchmark", {"period": "2023"}, {"records": pd.DataFrame({"v": [1]})}))
        (rec,) = ws.find_runs("benchmark")
        assert isinstance(rec, StoredRun) and rec.input_hash == ds.content_hash


def test_seam_checks_fail_on_planted_cases(tmp_path):
    """A private import, a private attribute read, an ImportError fallback and a ``ds: Any`` are
    each reported, on a copy of the package where they are planted (and only they)."""
    root = tmp_path
    copy = root / "src"
    shutil.copytree(SRC / "benchlearn", copy / "benchlearn", ignore=shutil.ignore_patterns("__pycache__", "*.toml", "*.csv", "static", "templates"))
    assert private_crossings(copy) == [] and untyped_seams(copy) == [] and import_fallbacks(root, ("src",)) == []
    planted = copy / "benchlearn" / "core" / "planted.py"
    planted.write_text(
        "from typing import Any\n"
        "from benchlearn.core.errors import _planted_private\n"
        "from benchlearn.core import periods\n\n"
        "def f(ds: Any, ws: Any | None = None) -> object:\n"
        "    try:\n"
        "        import not_a_module  # noqa: F401\n"
        "    except (OSError, ImportError):\n"
        "        pass\n"
        "    return periods._hidden\n", encoding="utf-8")
    assert set(private_crossings(copy)) == {"benchlearn.core.planted:2 imports benchlearn.core.errors._planted_private",
                                            "benchlearn.core.planted:10 reads benchlearn.core.periods._hidden"}
    assert import_fallbacks(root, ("src",)) == ["src/benchlearn/core/planted.py:8"]
    assert untyped_seams(copy) == ["benchlearn.core.planted:5 f(ds: Any)", "benchlearn.core.planted:5 f(ws: Any | None)"]
    runs = copy / "benchlearn" / "runs" / "planted.py"
    runs.write_text("def g(ds, workspace=None):\n    return ds\n\n\n"
                    "def h(ds: 'Tables', ws: 'RunStore | None' = None) -> object:\n"
                    "    return ds.tables, ds.has, ws.find_runs, ws.record_run\n", encoding="utf-8")
    assert beyond_the_seams(copy) == ["benchlearn.runs.planted:6 ds.tables is not in Tables",
                                      "benchlearn.runs.planted:6 ws.record_run is not in RunStore"]
    assert untyped_seams(copy)[:2] == ["benchlearn.core.planted:5 f(ds: Any)", "benchlearn.core.planted:5 f(ws: Any | None)"]
    assert set(untyped_seams(copy)[2:]) == {"benchlearn.runs.planted:1 g(ds) has no type",
                                            "benchlearn.runs.planted:1 g(workspace) has no type"}


def test_no_upward_import():
    assert upward(imports(SRC)) == []


def test_no_import_circle():
    assert circles(imports(SRC)) == []


def test_no_module_over_the_limit():
    assert long_modules(SRC) == []


def test_the_checks_fail_on_a_planted_upward_import_and_circle(tmp_path):
    """A copy of the package with (1) core importing web and (2) data.io importing
    data.dataset (which imports data.io): both are reported, and a long module too."""
    copy = tmp_path / "src"
    shutil.copytree(SRC / "benchlearn", copy / "benchlearn", ignore=shutil.ignore_patterns("__pycache__", "*.toml", "*.csv", "static", "templates"))
    assert upward(imports(copy)) == [] and circles(imports(copy)) == []
    periods = copy / "benchlearn" / "core" / "periods.py"
    periods.write_text(periods.read_text(encoding="utf-8") + "\n\ndef _planted():\n    from benchlearn.web import app  # noqa\n", encoding="utf-8")
    io_ = copy / "benchlearn" / "data" / "io.py"
    io_.write_text(io_.read_text(encoding="utf-8") + "\nfrom benchlearn.data.dataset import Dataset  # noqa\n", encoding="utf-8")
    up = upward(imports(copy))
    assert up == ["benchlearn.core.periods (layer 0 core) imports benchlearn.web.app (layer 7 web)"]
    found = circles(imports(copy))
    assert any({"benchlearn.data.io", "benchlearn.data.dataset"} <= set(c) for c in found), found
    (copy / "benchlearn" / "core" / "huge.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert long_modules(copy) == [f"benchlearn.core.huge: {MAX_LINES + 1} lines"]


@pytest.mark.parametrize("room_name", sorted({p.name for p in (SRC / "benchlearn").iterdir()
                                               if p.is_dir() and (p / "__init__.py").exists()}))
def test_every_room_has_a_layer(room_name):
    assert room_name in LAYERS, f"benchlearn/{room_name}/ has no layer in tests/test_layering.py LAYERS"
