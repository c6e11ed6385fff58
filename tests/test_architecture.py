"""Contracts on who imports whom in the app code (docs: ARCHITECTURE.md, "Layers").

Imports are read from the source (every import statement, function-level ones too), so a lazy
import counts like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "audit", "config", "core", "crm", "reports", "sensitive", "webhooks", "workflows"]
CHOKE_POINT = {
    "sensitive.selectors",
    "sensitive.services",
    "sensitive.matching",
    "sensitive.filter_values",
    "sensitive.aggregates",
}


def _modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The app modules that `name` imports; `from package import module` names the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_outside_sensitive_only_the_record_layer_calls_the_choke_point():
    graph = import_graph()

    callers = {
        module
        for module, imported in graph.items()
        if imported & CHOKE_POINT and not _inside(module, "sensitive") and not _inside(module, "crm.records")
    }

    assert callers == set(), "read and write records through crm.records.api, not sensitive.selectors/services"


def test_sensitive_imports_no_record_layer_forms_views_or_ui():
    graph = import_graph()
    above = ("crm.records", "crm.ui", "crm.admin", "crm.services", "crm.urls", "crm.views", "crm.forms")

    wrong = {
        (module, target)
        for module, imported in graph.items()
        if _inside(module, "sensitive")
        for target in imported
        if any(_inside(target, layer) for layer in above)
    }

    assert wrong == set()


def test_app_modules_import_each_other_without_a_circle():
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)

    assert circles == []


UI_LIBRARIES = ("django.forms", "django.shortcuts", "django.template", "django.contrib.admin", "django.views.generic")


def test_sensitive_holds_no_ui_code():
    """The module that sees plaintext renders nothing: no forms, templates, views or admin."""
    found = set()
    for path in (ROOT / "sensitive").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found |= {(path.name, name) for name in names if name.startswith(UI_LIBRARIES)}

    assert found == set()


def test_no_app_module_passes_15_kb():
    """Modules that grow become packages split by concern (ARCHITECTURE.md, "Layout")."""
    large = {
        str(path.relative_to(ROOT)): path.stat().st_size
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path.stat().st_size > 15 * 1024
    }

    assert large == {}
