"""Grading one question: its rules, its sandbox, the public checker and the hidden tests."""

import io
import sys
import time

import numpy as np

import convlib
from convlib import exercises

from .proxy import Proxy, _Returned
from .rules import check
from .session import Incident, Session

PUBLIC_SHARE = 0.5  # of a question's points for the public checker; the rest for hidden tests


def grade_question(question, cells, skip, boxes, kit, log, options):
    """(score, status, feedback lines) for one question."""
    points, name = float(question["points"]), question["function"]
    problems = check(cells, question, options.questions).problems
    if problems:
        return 0.0, "ok", [f"0 points: {p}." for p in problems]
    deadline = time.monotonic() + options.timeout
    feedback, status = [], "ok"
    for _attempt in range(4):  # a cell that hangs or kills its process is skipped next time
        session = Session(boxes, kit, cells, skip, log, deadline)
        ended = session.run_cells()
        if ended is None:
            break
        session.close()
        cell, what = ended
        if cell is None or time.monotonic() >= deadline:
            return 0.0, f"{question['name']} {what}", [f"Your notebook's cells {what}."]
        skip.add(cell)
        feedback.append(f"Cell {cell + 1} of your notebook {what}: the grader skipped it.")
    else:
        return 0.0, f"{question['name']} could not run the notebook", feedback
    proxy = Proxy(session, name, getattr(convlib, question["answer"]), options.call_timeout)
    score = 0.0
    try:
        if session.defined(name, options.call_timeout) is None:
            feedback.append(
                f"{name} is not defined when your notebook has run: no `def {name}(...)` ran "
                "(is the name spelt as in the question? did a cell raise before it? see the log)"
            )
            return 0.0, status, feedback
        checker = getattr(exercises, question["checker"])
        out = io.StringIO()
        sys.stdout.local.buffer = out
        try:
            checker(proxy, time_limit=None)
            feedback.append(f"Public test: {out.getvalue().strip()}")
            score += points * PUBLIC_SHARE
        except (AssertionError, NameError, TypeError) as err:
            text = str(err)
            if session.traceback and "raised" in text:
                text = text.replace("The traceback above points", "The traceback below points")
                text += "\n" + session.traceback.rstrip()
            feedback.append(f"Public test: {text}")
        except Exception as err:  # a result too odd for the checker's diagnoses: still wrong
            feedback.append(f"Public test: your result is wrong ({type(err).__name__}: {err})")
        finally:
            sys.stdout.local.buffer = None
        hidden = hidden_tests(question, proxy)
        feedback.append(f"Hidden tests: {hidden[1]}")
        if hidden[0]:
            score += points * (1 - PUBLIC_SHARE)
        if proxy.crash:
            raise Incident(proxy.crash)
    except Incident as incident:
        score, status = 0.0, f"{question['name']} {incident}"
        feedback.append(f"Your {name} {incident}: 0 points for this question.")
    finally:
        session.close()
    return score, status, feedback


def hidden_tests(question, proxy):
    """(passed, what to tell the student): the hidden cases, compared here with convlib."""
    rng = np.random.default_rng(question["seed"])
    answer = getattr(convlib, question["answer"])
    cases = question["hidden"]
    for number, shapes in enumerate(cases, 1):
        args = [rng.standard_normal(tuple(shape)) for shape in shapes]
        expected = answer(*args)
        names = question["args"]
        where = ", ".join(f"{n} of shape {tuple(s)}" for n, s in zip(names, shapes, strict=True))
        try:
            got = proxy(*[a.copy() for a in args])
            if got is None or isinstance(got, _Returned | list):
                raise AssertionError("your function did not return an array of numbers")
            exercises.assert_agrees(got, expected, what=f"your {question['function']}'s result")
        except (AssertionError, NameError) as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): {err}"
        except Exception as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): raised {err!r:.200}"
    return True, f"passed on {len(cases)} cases"
