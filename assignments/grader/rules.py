"""The rules a question states, checked on the notebook's source before anything runs."""

import ast

# Convolution routines: convlib's, NumPy's and SciPy's (signal, ndimage), and the FFT.
LIBRARY = {
    "conv2d", "conv2d_grad_w", "conv2d_grad_x", "correlate", "correlate2d", "convolve",
    "convolve2d", "fftconvolve", "oaconvolve", "fft2", "ifft2", "rfft2", "irfft2",
}  # fmt: skip
LIBRARY_MODULES = {"convlib", "scipy"}
# What a loops question may still use from convlib: the flip is not a convolution.
ALLOWED = {"flip"}
# Ways to reach a name that the source does not show.
DYNAMIC = {"getattr", "__import__", "eval", "exec", "globals", "vars", "importlib", "locals"}


def _definitions(cells):
    """{name: FunctionDef} for the notebook's top-level functions (the last one wins) and the
    names bound at top level to anything that mentions a library routine or a dynamic lookup."""
    functions, tainted = {}, set()
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] = node
                tainted.discard(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                module = getattr(node, "module", None) or ""
                for alias in node.names:
                    bound = (alias.asname or alias.name).split(".")[0]
                    root = (module or alias.name).split(".")[0]
                    if alias.name == "*":  # every routine of the module, under its own name
                        tainted |= LIBRARY
                        for name in LIBRARY:
                            functions.pop(name, None)
                        continue
                    if alias.name in LIBRARY or (
                        root in LIBRARY_MODULES and alias.name not in ALLOWED
                    ):
                        tainted.add(bound)
                    functions.pop(bound, None)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                for name in names:
                    functions.pop(name, None)
                if node.value is not None and _mentions(node.value, tainted):
                    tainted |= names
    return functions, tainted


def _mentions(node, tainted):
    """The first library routine, library module or dynamic lookup that ``node`` mentions."""
    allowed = {
        id(sub.value)
        for sub in ast.walk(node)
        if isinstance(sub, ast.Attribute)
        and sub.attr in ALLOWED
        and isinstance(sub.value, ast.Name)
    }
    for sub in ast.walk(node):
        if id(sub) in allowed:
            continue
        if isinstance(sub, ast.Name) and (
            sub.id in tainted or sub.id in LIBRARY_MODULES or sub.id in DYNAMIC
        ):
            return sub.id
        if isinstance(sub, ast.Attribute) and (sub.attr in LIBRARY or sub.attr in DYNAMIC):
            return sub.attr
        if isinstance(sub, ast.Import | ast.ImportFrom):
            modules = [a.name for a in sub.names] if isinstance(sub, ast.Import) else [sub.module]
            names = [a.name for a in sub.names]
            if any((m or "").split(".")[0] not in ("numpy", "math") for m in modules) or any(
                n in LIBRARY for n in names
            ):
                return "import"
    return None


def rule_problems(cells, question):
    """Why the notebook's source breaks a rule of ``question``, as sentences (empty if none)."""
    rules, name = question["rules"], question["function"]
    if not rules:
        return []
    functions, tainted = _definitions(cells)
    if name not in functions:
        return [
            f"{name} must be written with `def {name}(...)`: the grader could not find that "
            "definition in your notebook"
        ]
    # The function and the notebook's functions that it calls, and theirs.
    reached, todo = {}, [name]
    while todo:
        current = todo.pop()
        if current in reached or current not in functions:
            continue
        reached[current] = functions[current]
        for sub in ast.walk(functions[current]):
            if isinstance(sub, ast.Name) and sub.id in functions:
                todo.append(sub.id)
    own_loops = _has_loop(functions[name], nested=False)
    problems = []
    if "loops" in rules and not any(_has_loop(f) for f in reached.values()):
        problems.append(
            f"this question asks for loops: {name} (and the functions of yours it calls) has no "
            "for or while loop"
        )
    if "no-library" in rules:
        for fname, f in reached.items():
            mention = next((m for stmt in f.body if (m := _mentions(stmt, tainted))), None)
            if mention:
                where = name if fname == name else f"{fname}, which {name} calls,"
                problems.append(
                    f"this question asks you to write the loops yourself: {where} uses "
                    f"{mention!r} (convolution routines of convlib, NumPy and SciPy, imports "
                    "and dynamic lookups such as getattr are not allowed here)"
                )
                break
    if "no-own-loops" in rules and own_loops:
        problems.append(
            f"this question asks for {name} without loops of its own (np.pad, convlib.flip and "
            "a correlation): it has a for or while loop"
        )
    return problems


def _has_loop(function, nested=True):
    loops = ast.For | ast.AsyncFor | ast.While | ast.ListComp | ast.SetComp | ast.DictComp
    loops |= ast.GeneratorExp
    for stmt in function.body:
        for sub in ast.walk(stmt):
            if not nested and isinstance(sub, ast.FunctionDef | ast.Lambda):
                break
            if isinstance(sub, loops):
                return True
    return False


class Verdict:
    """Why the notebook breaks a rule of a question (``problems``), and what the rules could
    not decide (``flags``, for the instructor)."""

    def __init__(self, problems=(), flags=()):
        self.problems, self.flags = list(problems), list(flags)


def check(cells, question, questions):
    """The :class:`Verdict` of the notebook's ``cells`` (grader.notebook.Cell) on ``question``."""
    sources = [ast.unparse(cell.tree) for cell in cells if cell.tree is not None]
    return Verdict(rule_problems(sources, question))
