"""The grader, one module a concern; ``assignments/grade.py`` is its entry point."""
