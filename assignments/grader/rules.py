"""The rules a question states, checked on the notebook's code before anything runs.

The sandbox calls whatever a graded name is bound to once every cell has run, so the rules are
checked on that: a graded name may be bound only by top-level ``def`` statements, and a question
with a rule on loops reads every such ``def`` together with everything it can reach (the
notebook's functions and classes it names, the values that the notebook binds to the global
names it uses), with Python's scoping. What the reading cannot follow is flagged for the
instructor rather than guessed. The trees come parsed (IPython's magics handled); every
traversal here is iterative, so no tree is too deep for it.
"""

import ast
import builtins
import math
from dataclasses import dataclass, field

import numpy as np

# Convolution routines: convlib's, NumPy's and SciPy's (signal, ndimage), and the FFT.
LIBRARY = {
    "conv2d", "conv2d_grad_w", "conv2d_grad_x", "correlate", "correlate2d", "convolve",
    "convolve2d", "fftconvolve", "oaconvolve", "fft2", "ifft2", "rfft2", "irfft2",
}  # fmt: skip
LIBRARY_MODULES = {"convlib", "scipy"}
# What a loops question may still use from convlib: the flip is not a convolution.
ALLOWED = {"flip"}
# NumPy's other vectorised routes to a convolution, refused by name on any object: the FFT,
# products over many axes at once, strided views of windows, polynomial products (1-D
# convolutions) and NumPy's internals (core, lib, ctypeslib).
ROUTES = {
    "fft", "ifft", "rfft", "irfft", "fftn", "ifftn", "rfftn", "irfftn", "hfft", "ihfft",
    "einsum", "einsum_path", "tensordot", "sliding_window_view", "as_strided", "stride_tricks",
    "polymul", "polynomial", "poly1d", "core", "lib", "ctypeslib", "signal", "ndimage",
}  # fmt: skip
# The modules a loops question may use.
PLAIN_MODULES = {"numpy", "math"}
# Ways to reach code the source does not show, refused anywhere in a notebook whose question
# has a rule on loops: built-in functions, modules, and attributes (of sys, frames, operator,
# string formatters, pandas' evaluators, IPython's shell).
DYNAMIC_NAMES = {
    "exec", "eval", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "__import__", "__builtins__", "breakpoint", "seterrcall",
}  # fmt: skip
DYNAMIC_MODULES = {
    "importlib", "ctypes", "_ctypes", "builtins", "inspect", "gc", "types", "pickle", "_pickle",
    "marshal", "copyreg", "shelve", "dill", "cloudpickle", "joblib", "runpy", "code", "codeop",
    "pkgutil", "zipimport", "imp", "timeit", "cProfile", "profile", "pdb", "bdb", "trace",
    "doctest", "ast", "symtable", "dis", "IPython", "__main__", "threading", "_thread",
    "multiprocessing", "concurrent", "asyncio", "sched", "signal", "weakref", "atexit",
}  # fmt: skip
DYNAMIC_ATTRIBUTES = {
    "modules", "_getframe", "_current_frames", "settrace", "setprofile", "breakpointhook",
    "meta_path", "path_hooks", "addaudithook", "f_globals", "f_locals", "f_builtins", "f_back",
    "gi_frame", "cr_frame", "ag_frame", "tb_frame", "attrgetter", "methodcaller", "Formatter",
    "get_field", "eval", "query", "exec", "run_cell", "runsource", "runcode", "ctypeslib",
    "seterrcall",
}  # fmt: skip
# Dunder names a notebook may use: ``if __name__ == "__main__":`` reads a string. Of the dunder
# attributes, a notebook may only read those that hold text (``type(err).__name__``); the others
# reach namespaces, code objects or classes' internals.
DUNDER_NAMES = {"__name__"}
DUNDER_TEXT = {"__name__", "__qualname__", "__doc__"}
# Calls that need no following: built-in functions that run no code of the notebook's choosing
# (``map``, ``sorted``'s key, ... call what they are given: that is followed as a call).
SAFE_BUILTINS = {
    "abs", "all", "any", "bool", "callable", "chr", "complex", "dict", "divmod", "enumerate",
    "filter", "float", "format", "frozenset", "hasattr", "hash", "id", "int", "isinstance",
    "issubclass", "iter", "len", "list", "map", "max", "min", "next", "object", "ord", "pow",
    "print", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum",
    "super", "tuple", "type", "zip", "bin", "hex", "oct", "bytes", "bytearray", "memoryview",
}  # fmt: skip
SAFE_BUILTINS |= {n for n in dir(builtins) if n.endswith(("Error", "Exception", "Warning"))}
# Methods of the values a graded function works on (arrays, NumPy scalars, random generators,
# lists, dicts, strings): a call of one of these on a value is not followed, and needs not be.
KNOWN_METHODS = {
    a
    for t in (np.ndarray, np.float64, np.random.Generator, list, dict, set, tuple, str, float)
    for a in dir(t)
    if not a.startswith("_")
}
# Attributes whose assignment could replace a routine a graded function calls.
PATCHABLE = (
    {a for m in (np, np.random, np.linalg, math) for a in dir(m) if not a.startswith("_")}
    | ALLOWED
    | KNOWN_METHODS
)
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp)
LOOPS += (ast.GeneratorExp,)
# Routines that call a callable they are given: the place of that argument (besides ``key=``).
HIGHER_ORDER = {
    "map": 0, "filter": 0, "reduce": 0, "starmap": 0, "partial": 0, "vectorize": 0,
    "frompyfunc": 0, "apply_along_axis": 0, "apply_over_axes": 0, "fromfunction": 0,
    "piecewise": 2, "iter": 0,
}  # fmt: skip
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
LOOP_RULES = {"loops", "no-library", "no-own-loops"}
BINDING_KINDS = {
    "def": "a def that is not at the top level of a cell",
    "class": "a class definition",
    "assign": "an assignment",
    "augassign": "an augmented assignment",
    "annassign": "an annotated assignment",
    "import": "an import",
    "for": "a for loop's target",
    "with": "a with ... as",
    "except": "an except ... as",
    "walrus": "an assignment expression (:=)",
    "comp": "a comprehension's target",
    "param": "a function parameter",
    "del": "a del statement",
    "match": "a match pattern",
    "global": "a global declaration",
    "nonlocal": "a nonlocal declaration",
    "other": "a binding",
}


@dataclass
class Verdict:
    """``problems``: why the question breaks a rule (0 points), as sentences for the student;
    ``flags``: what a rule could not be sure of, for the instructor (the question is graded)."""

    problems: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class Binding:
    name: str
    kind: str
    node: ast.AST  # what binds, for the message's line
    cell: object
    walk: ast.AST | None = None  # where the bound value comes from
    top: bool = False  # a def at the top level of a cell
    module: str | None = None  # an import's module
    imported: str | None = None  # a from-import's name


class Scope:
    def __init__(self, kind, parent):
        self.kind, self.parent = kind, parent
        self.bindings, self.declared = {}, {}


def _star_names(module):
    """The names ``from MODULE import *`` binds: NumPy's and math's public names; None for any
    other module (it may bind anything)."""
    if module == "numpy":
        return set(np.__all__)
    if module == "math":
        return {n for n in dir(math) if not n.startswith("_")}
    return None


STAR_NAMES = {m: _star_names(m) for m in PLAIN_MODULES}


def _targets(target):
    """The names an assignment target binds (through tuples, lists and starred targets)."""
    names, todo = [], [target]
    while todo:
        t = todo.pop()
        if isinstance(t, ast.Name):
            names.append(t)
        elif isinstance(t, ast.Tuple | ast.List):
            todo.extend(t.elts)
        elif isinstance(t, ast.Starred):
            todo.append(t.value)
    return names


def where(cell, node):
    return f"cell {cell.number}, line {getattr(node, 'lineno', '?')}"


class Notebook:
    """The notebook's bindings, scope by scope, and what every name it reads refers to."""

    def __init__(self, cells):
        self.module = Scope("module", None)
        self.scope_of = {}  # id(Name) -> the scope it is read or bound in
        self.calls = set()  # ids of the expressions that are called
        self.stars = []  # (cell, node, module) of every star import
        self.cells = [c for c in cells if c.tree is not None]
        scopes, binder = [self.module], {}
        todo = []
        for cell in reversed(self.cells):
            todo.extend((stmt, self.module, cell, True) for stmt in reversed(cell.tree.body))
        while todo:
            node, scope, cell, top = todo.pop()

            def push(children, in_scope=scope, cell=cell):
                todo.extend((c, in_scope, cell, False) for c in children if c is not None)

            def bind(name, kind, at, walk=None, in_scope=scope, cell=cell, **more):
                binding = Binding(name, kind, at, cell, walk, **more)
                in_scope.bindings.setdefault(name, []).append(binding)

            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                args = node.args
                every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
                every += [a for a in (args.vararg, args.kwarg) if a]
                push([*args.defaults, *args.kw_defaults])
                inner = Scope("function", scope)
                scopes.append(inner)
                if isinstance(node, ast.Lambda):
                    push([node.body], inner)
                else:
                    bind(node.name, "def", node, node, top=top and scope is self.module)
                    push(node.decorator_list)
                    push([a.annotation for a in every] + [node.returns])
                    push(node.body, inner)
                for a in every:
                    bind(a.arg, "param", a, in_scope=inner)
            elif isinstance(node, ast.ClassDef):
                bind(node.name, "class", node, node)
                push([*node.decorator_list, *node.bases, *(k.value for k in node.keywords)])
                inner = Scope("class", scope)
                scopes.append(inner)
                push(node.body, inner)
            elif isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
                inner = Scope("comprehension", scope)
                scopes.append(inner)
                for i, gen in enumerate(node.generators):
                    for name in _targets(gen.target):
                        binder[id(name)] = ("comp", gen, gen.iter)
                    push([gen.iter], scope if i == 0 else inner)
                    push([gen.target, *gen.ifs], inner)
                if isinstance(node, ast.DictComp):
                    push([node.key, node.value], inner)
                else:
                    push([node.elt], inner)
            elif isinstance(node, ast.Name):
                self.scope_of[id(node)] = scope
                if isinstance(node.ctx, ast.Store):
                    kind, at, walk = binder.pop(id(node), ("other", node, None))
                    bind(node.id, kind, at, walk)
                elif isinstance(node.ctx, ast.Del):
                    bind(node.id, "del", node)
            elif isinstance(node, ast.NamedExpr):
                home = scope
                while home.kind == "comprehension":
                    home = home.parent
                self.scope_of[id(node.target)] = home
                bind(node.target.id, "walrus", node, node.value, in_scope=home)
                push([node.value])
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if isinstance(node, ast.Import):
                        root = alias.name.split(".")[0]
                        module = alias.name if alias.asname else root
                        bind(alias.asname or root, "import", node, module=module)
                    elif alias.name == "*":
                        self.stars.append((cell, node, node.module or ""))
                    else:
                        module = "." * node.level + (node.module or "")
                        name = alias.asname or alias.name
                        bind(name, "import", node, module=module, imported=alias.name)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                kind = "global" if isinstance(node, ast.Global) else "nonlocal"
                for name in node.names:
                    scope.declared[name] = kind
                    bind(name, kind, node)
            else:
                if isinstance(node, ast.Call):
                    self.calls.add(id(node.func))
                kind = walk = None
                if isinstance(node, ast.Assign):
                    kind, walk, targets = "assign", node.value, node.targets
                elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                    kind = "augassign" if isinstance(node, ast.AugAssign) else "annassign"
                    walk, targets = node.value, [node.target]
                elif isinstance(node, ast.For | ast.AsyncFor):
                    kind, walk, targets = "for", node.iter, [node.target]
                elif isinstance(node, ast.With | ast.AsyncWith):
                    for item in node.items:
                        for name in _targets(item.optional_vars):
                            binder[id(name)] = ("with", node, item.context_expr)
                if kind:
                    for target in targets:
                        for name in _targets(target):
                            binder[id(name)] = (kind, node, walk)
                if isinstance(node, ast.ExceptHandler) and node.name:
                    bind(node.name, "except", node, node.type)
                if isinstance(node, ast.Match):  # a capture's value: the subject, through
                    for case in node.cases:  # the pattern's attributes
                        for sub in ast.walk(case.pattern):
                            captured = [getattr(sub, "name", None), getattr(sub, "rest", None)]
                            for name in filter(None, captured):
                                bind(name, "match", sub, node)
                push(ast.iter_child_nodes(node))
        # A name declared global binds the module's name; a nonlocal one, the enclosing one's.
        for scope in scopes:
            for name, kind in scope.declared.items():
                if scope is self.module:
                    continue
                here = scope.bindings.pop(name, [])
                scope.bindings[name] = [b for b in here if b.kind == kind]
                home = scope.parent if kind == "nonlocal" else self.module
                while kind == "nonlocal" and home.kind != "module" and name not in home.bindings:
                    home = home.parent
                home.bindings.setdefault(name, []).extend(b for b in here if b.kind != kind)
        self.every_scope = scopes

    def resolve(self, node):
        """The scope whose ``node.id`` the Name ``node`` reads (the module for a global or
        built-in name)."""
        scope, name, first = self.scope_of[id(node)], node.id, True
        while scope.kind != "module":
            declared = scope.declared.get(name)
            if declared == "global":
                return self.module
            if (first or scope.kind != "class") and declared is None and name in scope.bindings:
                return scope
            first, scope = False, scope.parent
        return self.module

    def globals_of(self, name):
        """The module-level bindings of ``name``, with those of NumPy's and math's star imports."""
        found = list(self.module.bindings.get(name, []))
        for cell, node, module in self.stars:
            if module in STAR_NAMES and name in STAR_NAMES[module]:
                found.append(Binding(name, "import", node, cell, module=module, imported=name))
        return found

    def every_binding(self, name):
        for scope in self.every_scope:
            yield from scope.bindings.get(name, [])


def _root(node):
    """The Name an attribute chain, call or subscript starts from (None if another node)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node if isinstance(node, ast.Name) else None


def _first_loop(node, lambdas_only=False):
    """The first loop or comprehension in ``node`` (only inside lambdas, if asked)."""
    tops = [node]
    if lambdas_only:
        tops = [sub for sub in ast.walk(node) if isinstance(sub, ast.Lambda)]
    for top in tops:
        for sub in ast.walk(top):
            if isinstance(sub, LOOPS):
                return sub
    return None


def _loop_word(loop):
    if isinstance(loop, ast.While):
        return "a while loop"
    return "a for loop" if isinstance(loop, ast.For | ast.AsyncFor) else "a comprehension"


def _refused_name(name):
    """Why a loops question refuses the name ``name`` of a module, routine or attribute."""
    if name in ALLOWED:
        return None
    if name.startswith("_") or name in {"core", "lib", "ctypeslib"}:
        return f"'{name}', a private part of NumPy"
    if "fft" in name:
        return f"'{name}', an FFT"
    if name in LIBRARY:
        return f"'{name}', a convolution routine"
    if name in {"einsum", "einsum_path", "tensordot"}:
        return f"'{name}', a product over several axes at once"
    if name in {"sliding_window_view", "as_strided", "stride_tricks"}:
        return f"'{name}', a strided view of the windows"
    if name in {"polymul", "polynomial", "poly1d"}:
        return f"'{name}', a polynomial product (a 1-D convolution)"
    if name in ROUTES:
        return f"'{name}', a convolution library"
    return None


def _refused_import(module, imported):
    """Why a loops question refuses ``from module import imported`` (``imported`` None for
    ``import module``), or None."""
    parts = module.split(".")
    full = f"{module}.{imported}" if imported else module
    if module.startswith("."):
        return f"'{full}', a relative import"
    if parts[0] == "convlib":
        if len(parts) == 1 and imported in (None, *ALLOWED):
            return None
        return f"'{full}' (of convlib, only convlib.flip may be used)"
    if parts[0] == "scipy":
        return f"'{full}', SciPy (a convolution library)"
    if parts[0] not in PLAIN_MODULES:
        return None
    for part in [*parts, imported or ""]:
        if why := _refused_name(part):
            return why
    return None


class _Reading:
    """One question's reading of the notebook: its problems and flags, in order, once each."""

    def __init__(self, nb, question, questions):
        self.nb, self.name = nb, question["function"]
        self.graded = {q["function"]: q for q in questions}
        self.problems, self.flags = {}, {}

    def problem(self, text):
        self.problems.setdefault(text)

    def flag(self, text):
        self.flags.setdefault(f"{self.name}: {text}; check by hand")

    def reach(self, starts, stop=frozenset()):
        """(node, cell, label) for ``starts`` and what they reach: the module-level bindings of
        every global name they read, transitively (not through the names in ``stop``)."""
        units, seen, todo = [], set(), list(starts)
        while todo:
            node, cell, label = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            units.append((node, cell, label))
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Load)
                    and sub.id not in stop
                    and self.nb.resolve(sub) is self.nb.module
                ):
                    for b in self.nb.globals_of(sub.id):
                        if b.walk is None:
                            continue
                        if b.kind in ("def", "class"):
                            todo.append((b.walk, b.cell, b.name))
                        else:
                            label = f"the value bound to {b.name} ({where(b.cell, b.node)})"
                            todo.append((b.walk, b.cell, label))
        return units

    def who(self, label):
        return self.name if label == self.name else f"{label}, which {self.name} reaches,"

    def own_definitions(self):
        """The top-level defs of the question's function; a problem for every other binding."""
        name, found, other = self.name, [], []
        for b in self.nb.every_binding(name):
            if b.kind == "def" and b.top and not b.node.decorator_list:
                found.append(b)
            elif b.kind == "def" and b.top:
                other.append((b, "a decorator"))
            else:
                other.append((b, BINDING_KINDS.get(b.kind, "a binding")))
        for cell, node, module in self.nb.stars:
            names = STAR_NAMES.get(module)
            if names is None or name in names:
                other.append((Binding(name, "star", node, cell), f"`from {module} import *`"))
        other.sort(key=lambda item: (item[0].cell.number, getattr(item[0].node, "lineno", 0)))
        for b, what in other:
            self.problem(
                f"{name} must be defined only by `def {name}(...)` statements at the top level "
                f"of a cell, without decorators, and bound nowhere else: {what} binds it in "
                f"{where(b.cell, b.node)}"
            )
        return found

    def dynamic(self):
        """Problems for every way the notebook could reach code by name at run time."""

        def refuse(what, cell, node, why="which can reach code the grader cannot read"):
            self.problem(
                f"this question's rule on loops is checked on the code {self.name} runs, so "
                f"the notebook may not use {what} ({where(cell, node)}), {why}"
            )

        patch = "which could replace a routine that a function of yours calls"
        for cell in self.nb.cells:
            for sub in ast.walk(cell.tree):
                if isinstance(sub, ast.Name):
                    dunder = sub.id.startswith("__") and sub.id not in DUNDER_NAMES
                    if sub.id in DYNAMIC_NAMES or dunder:
                        refuse(f"`{sub.id}`", cell, sub)
                elif isinstance(sub, ast.Attribute | ast.MatchClass):
                    attrs = [sub.attr] if isinstance(sub, ast.Attribute) else sub.kwd_attrs
                    text = isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load)
                    for attr in attrs:
                        if text and attr in DUNDER_TEXT:
                            continue
                        if attr.startswith("__") or attr in DYNAMIC_ATTRIBUTES:
                            refuse(f"`.{attr}`", cell, sub)
                    if isinstance(sub, ast.Attribute) and not isinstance(sub.ctx, ast.Load):
                        root = _root(sub.value)
                        module = root is not None and any(
                            b.kind == "import" for b in self.bindings(root)
                        )
                        if module or sub.attr in PATCHABLE or sub.attr.startswith("_"):
                            refuse(f"an assignment to `.{sub.attr}`", cell, sub, patch)
                elif isinstance(sub, ast.Import | ast.ImportFrom):
                    if isinstance(sub, ast.Import):
                        modules = [a.name for a in sub.names]
                    else:
                        modules = [sub.module or ""]
                        for alias in sub.names:
                            if alias.name.startswith("__") or alias.name in DYNAMIC_ATTRIBUTES:
                                refuse(f"`from {sub.module} import {alias.name}`", cell, sub)
                    for module in modules:
                        if module.split(".")[0] in DYNAMIC_MODULES:
                            refuse(f"the module {module}", cell, sub)
                elif isinstance(sub, ast.Call):
                    if any(k.arg == "allow_pickle" for k in sub.keywords):
                        refuse("`allow_pickle`", cell, sub, "which loads code from a file")

    def needs_loops(self, own):
        """Problems when a def of the question's function has no loop, neither itself nor in
        the functions of the notebook it calls (another graded function's loops do not count)."""
        stop = set(self.graded) - {self.name}
        for b in own:
            units = self.reach([(b.node, b.cell, self.name)], stop)
            if not any(_first_loop(node, not isinstance(node, DEFS)) for node, _, _ in units):
                self.problem(
                    f"this question asks for loops: {self.name} ({where(b.cell, b.node)}) has "
                    "no for or while loop (nor a comprehension), and no function of yours that "
                    "it calls has one"
                )

    def other_graded(self, units):
        """Problems when the function reaches another graded function that has loops."""
        for node, cell, label in units:
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Load)
                    and sub.id in self.graded
                    and sub.id != self.name
                    and self.nb.resolve(sub) is self.nb.module
                ):
                    defs = [b for b in self.nb.globals_of(sub.id) if b.kind == "def"]
                    if any(_first_loop(b.node) for b in defs):
                        other = self.graded[sub.id]["name"]
                        self.problem(
                            f"this question asks for {self.name} with loops of its own: "
                            f"{self.who(label)} calls {sub.id} ({where(cell, sub)}), your "
                            f"answer to {other}, whose loops are not {self.name}'s work"
                        )

    def refused(self, units, refuses):
        """Problems when the function reaches a name that its question refuses."""
        for node, cell, label in units:
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Load)
                    and sub.id in refuses
                    and self.nb.resolve(sub) is self.nb.module
                ):
                    other = self.graded.get(sub.id)
                    version = "your answer"
                    if other and "loops" in other["rules"]:
                        version = "your loop version"
                    origin = f" from {other['name']}" if other else ""
                    self.problem(
                        f"{self.name} must get its result by the route this question asks for, "
                        f"not from {sub.id}: {self.who(label)} calls {sub.id} "
                        f"({where(cell, sub)}), {version}{origin}"
                    )

    def no_own_loops(self, own):
        """Problems when a def of the function, or a function of the notebook that it calls
        (other than graded ones), has a loop or a comprehension."""
        stop = set(self.graded) - {self.name}
        for b in own:
            for node, cell, label in self.reach([(b.node, b.cell, self.name)], stop):
                loop = _first_loop(node, not isinstance(node, DEFS))
                if loop is not None:
                    who = "it" if label == self.name else f"{label}, which it calls,"
                    self.problem(
                        f"this question asks for {self.name} without loops of its own: {who} "
                        f"has {_loop_word(loop)} ({where(cell, loop)})"
                    )

    def routes(self, units, refusing=True):
        """Problems for the vectorised routes to a convolution in what the function reaches
        (if ``refusing``); flags for the calls that the reading cannot follow."""
        nb = self.nb
        named = {
            id(sub.value)
            for node, _, _ in units
            for sub in ast.walk(node)
            if isinstance(sub, ast.Attribute) and (sub.attr in ALLOWED or _refused_name(sub.attr))
        }
        for node, cell, label in units:
            who = self.who(label)

            def refuse(phrase, at, who=who, cell=cell):
                if refusing:
                    self.problem(
                        f"this question asks for {self.name} with loops of your own, but {who} "
                        f"{phrase}, in {where(cell, at)}"
                    )

            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute | ast.MatchClass):
                    attrs = [sub.attr] if isinstance(sub, ast.Attribute) else sub.kwd_attrs
                    for attr in attrs:
                        if why := _refused_name(attr):
                            refuse(f"uses {why}", sub)
                elif isinstance(sub, ast.Import | ast.ImportFrom):
                    if isinstance(sub, ast.Import):
                        pairs = [(a.name, None) for a in sub.names]
                    else:
                        module = "." * sub.level + (sub.module or "")
                        pairs = [(module, a.name) for a in sub.names]
                    for module, imported in pairs:
                        if module.split(".")[0] not in PLAIN_MODULES | LIBRARY_MODULES:
                            refuse(f"imports '{module}' (only numpy and math may be used)", sub)
                        elif why := _refused_import(module, imported):
                            refuse(f"imports {why}", sub)
                elif isinstance(sub, ast.Call):
                    if any(k.arg == "strides" for k in sub.keywords):
                        refuse("passes strides=, for a strided view of the windows", sub)
                    if isinstance(sub.func, ast.Attribute) and sub.func.attr == "ndarray":
                        refuse("calls ndarray(...), which makes strided views", sub)
                    called = [sub.func]
                    callee = sub.func.attr if isinstance(sub.func, ast.Attribute) else None
                    callee = sub.func.id if isinstance(sub.func, ast.Name) else callee
                    place = HIGHER_ORDER.get(callee)
                    if place is not None and len(sub.args) > place:
                        if callee != "iter" or len(sub.args) == 2:  # iter(f, sentinel) calls f
                            called.append(sub.args[place])
                    called += [k.value for k in sub.keywords if k.arg == "key"]
                    for expr in called:
                        self.follow(expr, cell)
                elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    if nb.resolve(sub) is nb.module:
                        self.global_name(sub, cell, refuse, id(sub) in named)

    def global_name(self, sub, cell, refuse, named):
        """Problems and flags for a global name that the function reaches."""
        for b in self.nb.globals_of(sub.id):
            if b.kind == "import":
                root = b.module.split(".")[0]
                if root == "convlib" and b.imported is None and not named:
                    refuse("uses 'convlib' (of convlib, only convlib.flip may be used)", sub)
                elif why := _refused_import(b.module, b.imported):
                    refuse(f"uses '{sub.id}', bound in {where(b.cell, b.node)} to {why}", sub)
                elif root not in PLAIN_MODULES | LIBRARY_MODULES | DYNAMIC_MODULES:
                    self.flag(
                        f"uses {sub.id} ({where(cell, sub)}), from the module {b.module}, "
                        "whose code the grader does not follow"
                    )
            elif b.kind == "class":
                self.flag(
                    f"uses {sub.id} ({where(cell, sub)}), a class of the notebook: the "
                    "grader cannot tell which of its methods run"
                )

    def follow(self, expr, cell):
        """Flags for a called expression whose value the reading cannot know: a parameter,
        the result of a call, an element of a container, a method of an unknown object, a
        value bound by a loop, ``with``, ``except`` or ``match``."""
        todo, seen = [expr], set()
        at = where(cell, expr)
        while todo:
            expr = todo.pop()
            if id(expr) in seen or isinstance(expr, ast.Lambda | ast.Constant):
                continue
            if isinstance(expr, ast.List | ast.Tuple):  # np.piecewise's functions
                todo.extend(expr.elts)
                continue
            seen.add(id(expr))
            if isinstance(expr, ast.Attribute):
                root = _root(expr.value)
                bindings = self.bindings(root) if root is not None else []
                if bindings and all(b.kind == "import" for b in bindings):
                    continue  # a module's routine: its names are checked where it is read
                if expr.attr in KNOWN_METHODS and not any(
                    b.kind in ("def", "class") for b in bindings
                ):
                    continue  # a method of an array, a list, a random generator, ...
                self.flag(
                    f"calls .{expr.attr}(...) ({at}), a method of an object that the grader "
                    "cannot tell"
                )
            elif isinstance(expr, ast.Name):
                bindings = self.bindings(expr)
                if not bindings and expr.id not in SAFE_BUILTINS and hasattr(builtins, expr.id):
                    if expr.id not in DYNAMIC_NAMES:
                        self.flag(f"calls the built-in {expr.id} ({at})")
                for b in bindings:
                    if b.kind in ("def", "import", "global", "nonlocal", "del"):
                        continue
                    elif b.kind == "class":
                        self.flag(f"calls {expr.id} ({at}), a class of the notebook")
                    elif b.kind in ("assign", "annassign", "walrus") and isinstance(
                        b.walk, ast.Name | ast.Attribute | ast.Lambda
                    ):
                        todo.append(b.walk)
                    elif b.kind in ("for", "comp") and isinstance(
                        b.walk, ast.Tuple | ast.List | ast.Set
                    ):
                        todo.extend(b.walk.elts)
                    else:
                        what = BINDING_KINDS.get(b.kind, "a binding")
                        if b.kind == "param":
                            what += " (a function passed in)"
                        elif isinstance(b.walk, ast.Call):
                            what += " of a call's result"
                        self.flag(
                            f"calls {expr.id} ({at}), bound by {what} in "
                            f"{where(b.cell, b.node)}, which the grader does not follow"
                        )
            else:
                self.flag(
                    f"calls the result of an expression ({at}), which the grader does not follow"
                )

    def bindings(self, name):
        """The bindings that a Name may read."""
        scope = self.nb.resolve(name)
        if scope is self.nb.module:
            return self.nb.globals_of(name.id)
        return scope.bindings.get(name.id, [])


def check(cells, question, questions):
    """The rules of ``question`` (one of ``questions``, whose functions are the graded names)
    checked on the notebook's ``cells``: objects with ``.number`` (the cell's place in the
    notebook, from 1, for messages) and ``.tree`` (the ``ast.Module`` that will run, or None for
    a cell that will not). Returns a :class:`Verdict`."""
    reading = _Reading(Notebook(cells), question, questions)
    rules = set(question["rules"])
    loops = rules & {"loops", "no-library"}
    own = reading.own_definitions()
    if not rules & LOOP_RULES and not question.get("refuses"):
        return Verdict(list(reading.problems), list(reading.flags))
    if rules & LOOP_RULES:
        reading.dynamic()
    units = reading.reach([(b.node, b.cell, reading.name) for b in own])
    if "loops" in rules:
        reading.needs_loops(own)
    if loops:
        reading.other_graded(units)
    reading.routes(units, refusing=bool(loops))
    if "no-own-loops" in rules:
        reading.no_own_loops(own)
    if question.get("refuses"):
        reading.refused(units, set(question["refuses"]))
    return Verdict(list(reading.problems), list(reading.flags))
