"""Print the student edition's Jupyter Book configuration, derived from the book's own.

Usage: python tools/student_config.py _config.yml > _build/student/_config.yml

The student edition must not carry the solutions anywhere a student can reach from it, so besides
removing every solution block (sphinx-exercise's ``hide_solutions``) it leaves out the copies of
the source notebooks (``_sources``, which hold the solutions' text), the download button that
links to them, the launch buttons, which open the repository's notebooks, solutions included, and
every link to the repository itself (its repository, issues, source and edit buttons): the
repository holds the solutions and the assignment's hidden tests. It executes no notebook of its
own: it reads the default edition's executed notebooks from that edition's cache, so build the
default edition first.
"""

import sys
from pathlib import Path

import yaml


def student_config(config, root="."):
    """The student edition's configuration; ``root`` is the folder of the book's _config.yml,
    against which the local extensions' paths are made absolute (the student edition's
    configuration is read from another folder)."""
    config = dict(config)
    sphinx_section = config.setdefault("sphinx", {})
    local = sphinx_section.get("local_extensions") or {}
    sphinx_section["local_extensions"] = {
        name: str((Path(root) / path).resolve()) for name, path in local.items()
    }
    config["title"] = f"{config['title']} (student edition)"
    # Removing solutions changes no code cell, so the student edition's notebooks are the ones
    # the default edition (make book) executed: it reads them from that edition's cache.
    config.setdefault("execute", {})["cache"] = str(
        (Path(root) / "_build" / ".jupyter_cache").resolve()
    )
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["hide_solutions"] = True
    sphinx["html_copy_source"] = False
    html = config.setdefault("html", {})
    buttons = {f"use_{b}_button": False for b in ("download", "repository", "issues", "edit_page")}
    html.update(buttons)
    config.pop("launch_buttons", None)
    # Without a repository the theme has no address to link to (Jupyter Book's default would
    # be its own repository).
    config["repository"] = {"url": "", "path_to_book": "", "branch": ""}
    # Jupyter Book 1 does not pass use_download_button on to the theme (sphinx-book-theme), so
    # the download menu, whose links lead to the sources, would stay: set the theme's options
    # here (they replace Jupyter Book's, which would hold only the repository and these buttons).
    sphinx["html_theme_options"] = {
        "search_bar_text": "Search this book...",
        "use_source_button": False,
        **buttons,
    }
    return config


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        config = student_config(yaml.safe_load(source), Path(sys.argv[1]).parent)
        yaml.safe_dump(config, sys.stdout, allow_unicode=True)
