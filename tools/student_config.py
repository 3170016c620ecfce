"""Print the student edition's Jupyter Book configuration, derived from the book's own.

Usage: python tools/student_config.py _config.yml > _build/student/_config.yml

The student edition must not carry the solutions anywhere a student can reach from it, so besides
removing every solution block (sphinx-exercise's ``hide_solutions``) it leaves out the copies of
the source notebooks (``_sources``, which hold the solutions' text), the download button that
links to them, and the launch buttons, which open the repository's notebooks, solutions included.
"""

import sys

import yaml


def student_config(config):
    config = dict(config)
    config["title"] = f"{config['title']} (student edition)"
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["hide_solutions"] = True
    sphinx["html_copy_source"] = False
    config.setdefault("html", {})["use_download_button"] = False
    config.pop("launch_buttons", None)
    return config


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        yaml.safe_dump(student_config(yaml.safe_load(source)), sys.stdout, allow_unicode=True)
