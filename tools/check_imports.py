"""CI's import contract for the layers of DESIGN.md (reads source only; nothing is imported or built):

1. only the bridge modules below import the compiled core `pydl._C`;
2. no import cycle among pydl's modules at module level (imports inside functions run later and are not edges);
3. kernels never include the op layer: nothing under csrc/cpu/ or csrc/cuda/ includes "ops/...".
(The fourth rule, plugins import only names in pydl's __all__s, is tests/plugins/test_plugin_boundaries.py, run
with the test suite.) Usage: python tools/check_imports.py [ROOT]; exit status 1 when a rule is broken.

Why not import-linter: its "protected" contract would do rule 1, but its graph counts imports inside functions
(pydl defers many on purpose), it has no whole-package cycle contract, and rule 3 is C++; this file needs nothing.
"""
import ast
import pathlib
import re
import sys

# The modules allowed to import pydl._C: the Python side of the bindings. Keep this list short; a new module that
# needs the core goes through one of these.
BRIDGES = {"pydl", "pydl._dtypes", "pydl.tensor", "pydl._indexing", "pydl.autograd", "pydl.ops", "pydl.nn_ops",
           "pydl.nlp_ops", "pydl.rnn_ops", "pydl.cuda"}
KERNEL_DIRS = ("csrc/cpu", "csrc/cuda")
_INCLUDE_OPS = re.compile(r'^\s*#\s*include\s*[<"]ops/', re.M)


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def module_level_imports(tree):
    """Import statements that run when the module is imported: not inside a def, not under `if TYPE_CHECKING`."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def all_imports(tree):
    return (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))


def imported_modules(node, name, is_package, modules):
    """The modules an import statement in module `name` names: for `from X import y`, X.y when it is a module,
    else X (y is a name defined there)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in modules or sub.endswith("._C") else target)
    return out


def scan(root):
    """{module: (path, tree)} of every module of the pydl package under `root`."""
    pkg = root / "pydl"
    return {module_name(p, root): (p, ast.parse(p.read_text(), filename=str(p))) for p in sorted(pkg.rglob("*.py"))}


def core_importers(modules):
    """{module: [line, ...]} of modules outside BRIDGES that import pydl._C (anywhere, even inside functions)."""
    bad = {}
    for name, (path, tree) in modules.items():
        is_pkg = path.name == "__init__.py"
        for node in all_imports(tree):
            if "pydl._C" in imported_modules(node, name, is_pkg, modules) and name not in BRIDGES:
                bad.setdefault(name, []).append(node.lineno)
    return bad


def import_graph(modules):
    graph = {}
    for name, (path, tree) in modules.items():
        is_pkg = path.name == "__init__.py"
        graph[name] = sorted({m for node in module_level_imports(tree)
                              for m in imported_modules(node, name, is_pkg, modules) if m in modules and m != name})
    return graph


def find_cycles(graph):
    """One cycle (a list of modules, first == last) per strongly connected component with more than one module."""
    index, low, stack, on_stack, sccs, counter = {}, {}, [], set(), [], [0]

    def connect(v):  # Tarjan's algorithm, iterative so deep graphs cannot hit the recursion limit
        work = [(v, iter(graph.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, edges = work[-1]
            for w in edges:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == node:
                            break
                    if len(scc) > 1:
                        sccs.append(set(scc))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_cycle_in(graph, scc) for scc in sccs]


def _cycle_in(graph, scc):
    """A shortest cycle through the smallest module of `scc` (breadth-first inside the component)."""
    start = min(scc)
    parents, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in graph.get(v, ()):
                if w == start:
                    path = [v]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return [start] + path[::-1][1:] + [start] if len(path) > 1 else [start, v, start]
                if w in scc and w not in parents:
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(scc)


def kernel_includes(root):
    """[(path, line)] of kernel sources that include the op layer."""
    found = []
    for d in KERNEL_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.suffix in (".h", ".cuh", ".cpp", ".cu", ".inc", ".def") and p.is_file():
                text = p.read_text(errors="replace")
                for m in _INCLUDE_OPS.finditer(text):
                    found.append((p.relative_to(root), text.count("\n", 0, m.start()) + 1))
    return found


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    modules = scan(root)
    failed = False
    bad = core_importers(modules)
    for name, lines in sorted(bad.items()):
        print(f"FAIL {modules[name][0].relative_to(root)}:{lines[0]}: imports pydl._C; only {', '.join(sorted(BRIDGES))} "
              "may (call the core through one of them)")
    failed |= bool(bad)
    graph = import_graph(modules)
    cycles = find_cycles(graph)
    for cycle in cycles:
        print(f"FAIL import cycle at module level: {' -> '.join(cycle)}")
    failed |= bool(cycles)
    includes = kernel_includes(root)
    for path, line in includes:
        print(f"FAIL {path}:{line}: a kernel includes the op layer (ops/); "
              "move the types it needs to csrc/core")
    failed |= bool(includes)
    edges = sum(len(v) for v in graph.values())
    print(f"import contract: {len(modules)} modules, {edges} module-level imports, {len(cycles)} cycles, "
          f"{sum(map(len, bad.values()))} _C imports outside the {len(BRIDGES)} bridges, "
          f"{len(includes)} kernel includes of ops/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
