"""Grading one question: its rules, its sandbox, the public checker and the hidden tests."""

import ast
import io
import sys
import time
from dataclasses import dataclass, field

import numpy as np

import convlib
from convlib.checkers import exercises

from . import rules
from .proxy import Proxy, _Returned
from .session import Incident, Session

PUBLIC_SHARE = 0.5  # of a question's points for the public checker; the rest for hidden tests


@dataclass
class Result:
    """What grading one question gave: the score, how it ended, and what to tell whom."""

    score: float = 0.0
    status: str = "ok"  # "ok", or what stopped the question ("q3 timed out after 10 s")
    feedback: list = field(default_factory=list)  # for the student
    flags: list = field(default_factory=list)  # for the instructor: a rule could not be sure


def grade_question(question, questions, cells, skip, boxes, kit, log, options):
    """The :class:`Result` of one question; ``skip`` gathers cells that hung or killed their
    sandbox, which later questions skip too."""
    points, name = float(question["points"]), question["function"]
    result = Result()
    verdict = rules.check(cells, question, questions)
    result.flags = list(verdict.flags)
    if verdict.problems:
        result.feedback = [f"0 points: {p}." for p in verdict.problems]
        return result
    deadline = time.monotonic() + options.timeout
    for _attempt in range(4):  # a cell that hangs or kills its process is skipped next time
        session = Session(boxes, kit, cells, skip, log, deadline)
        try:
            ended = session.run_cells()
        except BaseException:
            session.close()
            raise
        if ended is None:
            break
        session.close()
        cell, what = ended
        if cell is None or time.monotonic() >= deadline:
            result.status = f"{question['name']} {what}"
            result.feedback.append(f"Your notebook's cells {what}.")
            return result
        skip.add(cell)
        result.feedback.append(f"Cell {cell} of your notebook {what}: the grader skipped it.")
    else:
        result.status = f"{question['name']} could not run the notebook"
        return result
    try:
        _call_and_check(question, session, result, options)
    except Incident as incident:
        result.score, result.status = 0.0, f"{question['name']} {incident}"
        result.feedback.append(f"Your {name} {incident}: 0 points for this question.")
    finally:
        session.close()
    result.score = min(result.score, points)
    return result


def _call_and_check(question, session, result, options):
    points, name = float(question["points"]), question["function"]
    answer = getattr(convlib, question["answer"])
    proxy = Proxy(session, name, answer, options.call_timeout)
    if session.defined(name, options.call_timeout) is None:
        result.feedback.append(
            f"{name} is not defined when your notebook has run: no `def {name}(...)` ran "
            "(is the name spelt as in the question? did a cell raise before it? see the log)"
        )
        return
    checker = getattr(exercises, question["checker"])
    out = io.StringIO()
    sys.stdout.local.buffer = out
    try:
        checker(proxy, time_limit=None)
        result.feedback.append(f"Public test: {out.getvalue().strip()}")
        result.score += points * PUBLIC_SHARE
    except (AssertionError, NameError, TypeError) as err:
        text = str(err)
        if session.traceback and "raised" in text:
            text = text.replace("The traceback above points", "The traceback below points")
            text += "\n" + session.traceback.rstrip()
        result.feedback.append(f"Public test: {text}")
    except Exception as err:  # a result too odd for the checker's diagnoses: still wrong
        result.feedback.append(f"Public test: your {name}'s result is wrong ({err!r:.300})")
    finally:
        sys.stdout.local.buffer = None
    passed, said = hidden_tests(question, proxy)
    result.feedback.append(f"Hidden tests: {said}")
    if passed:
        result.score += points * (1 - PUBLIC_SHARE)
    if proxy.crash:
        raise Incident(proxy.crash)


def hidden_tests(question, proxy):
    """(passed, what to tell the student): the hidden cases, compared here with convlib."""
    rng = np.random.default_rng(question["seed"])
    answer = getattr(convlib, question["answer"])
    name = question["function"]
    cases = question["hidden"]
    for number, shapes in enumerate(cases, 1):
        args = [rng.standard_normal(tuple(shape)) for shape in shapes]
        expected = answer(*args)
        names = question["args"]
        where = ", ".join(f"{n} of shape {tuple(s)}" for n, s in zip(names, shapes, strict=True))
        try:
            got = proxy(*[a.copy() for a in args])
            if got is None or isinstance(got, _Returned | list):
                raise AssertionError(f"your {name} did not return an array of numbers")
            exercises.assert_agrees(got, expected, what=f"your {name}'s result")
        except (AssertionError, NameError) as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): {err}"
        except Exception as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): raised {err!r:.200}"
    return True, f"passed on {len(cases)} cases"


def failed_through(results, questions, cells):
    """{question name: a sentence} for each question that lost points while a graded function
    it calls (directly or through the notebook's other functions) lost points in its own."""
    lost = {
        q["function"]: q["name"] for q in questions if results[q["name"]].score < float(q["points"])
    }
    notes = {}
    for question in questions:
        name = question["function"]
        if name not in lost:
            continue
        called = sorted(n for n in calls(cells, name) if n in lost and n != name)
        if called:
            which = ", ".join(f"your {n} (which lost points in {lost[n]})" for n in called)
            notes[question["name"]] = (
                f"{name} calls {which}: a mistake there shows here too, so fix "
                f"{'it' if len(called) == 1 else 'those'} first."
            )
    return notes


def calls(cells, name):
    """The names that the notebook's top-level function ``name`` calls, directly or through
    the notebook's other top-level functions."""
    functions = {}
    for cell in cells:
        for node in getattr(cell.tree, "body", []):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, []).append(node)
    seen, todo, called = set(), [name], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for function in functions.get(current, []):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    called.add(node.func.id)
                    todo.append(node.func.id)
    return called
