"""The student edition (``make student``): every exercise, no solution anywhere in the site.

``make test`` builds both editions first and sets CONVLIB_REQUIRE_SITE=1; run alone without the
builds, these tests skip and say why.
"""

import html
import re

import pytest
import yaml
from needs import ROOT, site_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

DEFAULT, STUDENT = ROOT / "_build" / "html", ROOT / "_build" / "student" / "html"

site_or_skip(DEFAULT, "make book")
site_or_skip(STUDENT, "make student")

CHAPTERS = sorted((DEFAULT / "chapters").glob("*.html"))


def text_of(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def solutions(page):
    """The text of every solution block of a default-edition page."""
    source = page.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r'<div class="solution dropdown admonition"', source):
        end = source.index("</section>", match.end())
        found.append(text_of(source[source.index("<section", match.end()) : end]))
    return found


def student_files():
    return [
        p
        for p in STUDENT.rglob("*")
        if p.is_file() and p.suffix in {".html", ".js", ".txt", ".ipynb", ".json"}
    ]


def test_default_edition_has_solutions():
    assert sum(len(solutions(page)) for page in CHAPTERS) >= 12


def test_no_solution_text_in_the_student_edition():
    everything = " ".join(
        text_of(p.read_text(encoding="utf-8", errors="ignore")) for p in student_files()
    )
    for page in CHAPTERS:
        for solution in solutions(page):
            # Sentences long enough to be distinctive; any one of them would give a solution away.
            for sentence in [s for s in re.split(r"(?<=[.:;])\s", solution) if len(s) > 60][:3]:
                assert sentence not in everything, (
                    f"{page.name}: solution text in the student edition"
                )


def test_student_edition_keeps_every_exercise_and_drops_the_notebooks():
    for page in CHAPTERS:
        default = page.read_text(encoding="utf-8")
        student = (STUDENT / "chapters" / page.name).read_text(encoding="utf-8")
        exercises = re.findall(r'<div class="exercise admonition" id="([^"]+)"', default)
        assert exercises and exercises == re.findall(
            r'<div class="exercise admonition" id="([^"]+)"', student
        )
        assert 'class="solution' not in student
    assert not list(STUDENT.rglob("*.ipynb")), "the source notebooks hold the solutions"


def test_student_edition_has_no_way_to_the_repository_or_the_sources():
    """No launch, download, repository, issue, source or edit button, and no link to the
    repository (which holds the solutions and the assignment's hidden tests)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]["url"].rstrip("/")
    default = (DEFAULT / "chapters" / CHAPTERS[0].name).read_text(encoding="utf-8")
    assert repository in default and "btn-download-source-button" in default  # what is removed
    for page in STUDENT.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert repository not in text, page
        assert "github.com" not in text.replace("github.com/executablebooks", ""), page
        for button in ("download", "repository", "issues", "edit", "source", "launch"):
            assert not re.search(rf'class="[^"]*btn-{button}[^"]*"', text), (page, button)
        assert "_sources/" not in text, page
