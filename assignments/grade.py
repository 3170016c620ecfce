"""Grade submissions in sandboxes: students' code never runs in the process that decides the grade.

    sudo .venv/bin/python assignments/grade.py SUBMISSION.ipynb [...] --out DIR
        [--autograder ZIP] [--jobs 1] [--timeout 120] [--call-timeout 10] [--cell-timeout 60]
        [--memory 2048]

Each submission (a notebook, or the zip its export cell makes) is read here as data. For each
question a sandbox process, running as an unprivileged user of its own, with resource limits
and, where Linux allows it, in new namespaces, runs the notebook's code cells and then calls
that question's function on the arrays this process sends (``sandbox.py``: JSON and raw bytes,
never pickle). Here, the arrays that come back are checked with this process's own convlib.
The grader is the package ``grader/`` beside this file, one module a concern:

    grader/notebook.py   a submission read as data: its notebook and the code of its cells
    grader/rules.py      the rules a question states, checked on the source before anything runs
    grader/users.py      the sandboxes' users: their processes, killed when a question ends
    grader/sandboxes.py  how a sandbox starts: its user, limits, namespaces and folders
    grader/session.py    one sandbox at work, spoken to over its two pipes
    grader/proxy.py      the student's function as the checkers see it
    grader/grading.py    one question: rules, sandbox, public checker, hidden tests
    grader/cli.py        the command line, the reports, summary.csv and Gradescope's results.json

Output, in ``--out`` (default ``_build/graded/``):

    OUT/summary.csv        submission, status, total, then one column per question
    OUT/NAME/report.txt    the feedback per question, as the student would see it
    OUT/NAME/results.json  the same in Gradescope's format
    OUT/NAME/q1.log ...    what the submission printed while each question was graded

``--gradescope ROOT`` grades ``ROOT/submission`` into ``ROOT/results/results.json`` (the zip's
``run_autograder`` does this with ROOT=/autograder). Grading needs root, to run the students'
code as other users. The exit code is 0 when every submission was graded, whatever the scores.
"""

import sys
from pathlib import Path

# sandbox.py's wire format and the grader package; in the zip, also the trusted convlib.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grader.cli import main

if __name__ == "__main__":
    sys.exit(main())
