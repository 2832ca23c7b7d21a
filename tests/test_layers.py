"""The layer rule (docs/architecture.md), read from the source's imports and calls with `ast`.

app/ is the core: no module of it but the factory imports the cabinets (roles/) or the realtime packages (chat/,
video/); chat/ and video/ never import roles/; the domain never reaches for display helpers, templates or flashes;
and no two modules of app/ import each other, directly or round a longer loop.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The factory mounts everything, so it alone may import the outer packages.
FACTORY = "app"
# The domain: rules and queries, no display.
DOMAIN = ("app.models", "app.scheduling", "app.patients", "app.files.services", "app.files.queries", "app.permissions")
DISPLAY = ("app.ui",)
DISPLAY_CALLS = frozenset({"render_template", "render_template_string", "flash"})


def module_name(path: Path) -> str:
    """The dotted module name of a source file under the project root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(package: str) -> dict[str, ast.Module]:
    """Every module of a top-level package, parsed."""
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in (ROOT / package).rglob("*.py")}


def imported(tree: ast.Module, known: set[str]) -> set[str]:
    """The modules a module imports anywhere in it (functions too); `from pkg import mod` counts as pkg.mod when
    that is a module of ours."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known)
    return found


def within(name: str, prefixes) -> bool:
    """The module is one of the packages or modules named, or inside one."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def called_names(tree: ast.Module) -> set[str]:
    """Names of the functions a module calls (plain or as attributes)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def layer_violations(modules: dict[str, ast.Module]) -> list[str]:
    """Every import or call that breaks the rule, as 'module -> what' lines."""
    known = set(modules)
    wrong = []
    for name, tree in modules.items():
        targets = imported(tree, known)
        if within(name, ("app",)) and name != FACTORY:
            wrong += [f"{name} -> {t}" for t in targets if within(t, ("roles", "chat", "video"))]
        if within(name, ("chat", "video")):
            wrong += [f"{name} -> {t}" for t in targets if within(t, ("roles",))]
        if within(name, DOMAIN):
            wrong += [f"{name} -> {t}" for t in targets if within(t, DISPLAY)]
            wrong += [f"{name} calls {call}()" for call in sorted(called_names(tree) & DISPLAY_CALLS)]
    return sorted(wrong)


def import_cycles(modules: dict[str, ast.Module], package: str = "app") -> list[list[str]]:
    """The groups of modules of `package` that import each other round a loop (Tarjan's strongly connected
    components of size > 1, or a module importing itself). Importing a parent package (`from app import x`) is not
    an edge: Python runs the parent first whatever the order."""
    names = {n for n in modules if within(n, (package,))}
    graph = {n: {t for t in imported(modules[n], set(modules)) if t in names and not within(n, (t,))} for n in names}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        """One step of Tarjan's algorithm."""
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.fixture(scope="module")
def project_modules() -> dict[str, ast.Module]:
    """Every module of the packages the rule is about."""
    modules = {}
    for package in ("app", "roles", "chat", "video", "storage"):
        modules.update(sources(package))
    return modules


def test_the_project_keeps_the_layer_rule(project_modules):
    """No wrong-way import and no display call in the domain anywhere in the tree."""
    assert layer_violations(project_modules) == []


def test_no_import_cycles_inside_app(project_modules):
    """The core's modules form no import loop."""
    assert import_cycles(project_modules) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("app.feeds.views", "from roles.params import parse_day", "app.feeds.views -> roles.params"),
        ("app.clock", "def f():\n    import chat.service", "app.clock -> chat.service"),
        ("chat.pages", "from roles import forms", "chat.pages -> roles"),
        ("video.pages", "import roles.params", "video.pages -> roles.params"),
        ("app.scheduling.status", "from app.ui.dates import x", "app.scheduling.status -> app.ui.dates"),
        ("app.models.user", "from flask import flash\nflash('x')", "app.models.user calls flash()"),
        ("app.permissions.file", "render_template('x.html')", "app.permissions.file calls render_template()"),
    ],
)
def test_a_wrong_way_import_is_caught(project_modules, module, source, expected):
    """Each kind of breach, added to the real tree, is reported."""
    modules = dict(project_modules)
    modules[module] = ast.parse(source)
    assert expected in layer_violations(modules)


def test_an_import_cycle_is_caught(project_modules):
    """Two core modules importing each other are reported as a loop."""
    modules = dict(project_modules)
    modules["app.clock"] = ast.parse("from app.models import User")
    modules["app.models.user"] = ast.parse("from app.clock import utcnow")
    cycles = import_cycles(modules)
    assert any({"app.clock", "app.models.user"} <= set(group) for group in cycles)


def test_the_factory_may_mount_the_cabinets(project_modules):
    """app/__init__.py imports roles and chat to register them; that alone is allowed."""
    assert any(within(t, ("roles",)) for t in imported(project_modules[FACTORY], set(project_modules)))
    assert not [v for v in layer_violations(project_modules) if v.startswith(f"{FACTORY} ->")]
