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


# Both editions: every page's local links and sources lead somewhere.

EDITIONS = {"default": DEFAULT, "student": STUDENT}
LINK = re.compile(r'(?:href|src)="([^"]*)"')


def book_pages(site):
    """Every HTML page of an edition, but not the JupyterLite app's own files nor the theme's
    template fragments in _static."""
    return [
        p for p in site.rglob("*.html") if not {"lite", "_static"} & set(p.relative_to(site).parts)
    ]


def local_targets(page):
    """(link as written, file it names, anchor) for every link and source on a page that
    stays on the site."""
    for link in LINK.findall(page.read_text(encoding="utf-8")):
        link = html.unescape(link)
        if not link or link.startswith(("#", "//", "mailto:", "data:", "javascript:")):
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):
            continue  # another site (http:, https:): not this test's business
        path, _, anchor = link.partition("#")
        path = path.split("?")[0]
        target = (page.parent / path).resolve() if path else page
        if target.is_dir():
            target = target / "index.html"
        yield link, target, anchor


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_local_link_of_every_page_resolves(edition):
    site = EDITIONS[edition]
    ids = {}
    dead, followed = [], 0
    for page in book_pages(site):
        for link, target, anchor in local_targets(page):
            followed += 1
            if not target.exists():
                dead.append(f"{page.relative_to(site)}: {link}")
            elif anchor and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'id="([^"]+)"', target.read_text("utf-8")))
                if anchor not in ids[target]:
                    dead.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert followed > 100, f"only {followed} links found in the {edition} edition"
    assert not dead, f"{len(dead)} dead links in the {edition} edition: {dead[:10]}"


def test_the_link_check_finds_a_dead_link(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<a href="there.html#x">a</a><img src="_images/a.png"><a href="#top">t</a>')
    (tmp_path / "there.html").write_text('<p id="x">')
    targets = [(link, target.exists()) for link, target, _ in local_targets(page)]
    assert targets == [("there.html#x", True), ("_images/a.png", False)]


# The student edition does not print, in one chapter, what an earlier exercise asks for.

MATRIX = re.compile(r"\\begin\{([bpv]?matrix)\}(.*?)\\end\{\1\}", re.DOTALL)


def matrices(text):
    """The matrices written in a text's TeX, each as its entries with no spaces."""
    return {re.sub(r"\s+", "", body) for _, body in MATRIX.findall(text)}


def answers(page):
    """The matrices that the solutions on a default-edition page state and that the rest of the
    page, as a student reads it, does not: the answers to its exercises."""
    student = (STUDENT / page.relative_to(DEFAULT)).read_text(encoding="utf-8")
    given = matrices(html.unescape(student))
    return {m for solution in solutions(page) for m in matrices(solution)} - given


def test_no_page_of_the_student_edition_prints_another_pages_answers():
    pages = book_pages(DEFAULT)
    found = {page: answers(page) for page in pages}
    assert sum(len(a) for a in found.values()) >= 20, "the solutions state too few matrices"
    for page in pages:
        for other in book_pages(STUDENT):
            if other.relative_to(STUDENT) == page.relative_to(DEFAULT):
                continue
            text = matrices(html.unescape(other.read_text(encoding="utf-8")))
            leaked = sorted(found[page] & text)
            assert not leaked, (
                f"{other.relative_to(STUDENT)} prints answers of {page.relative_to(DEFAULT)}'s "
                f"exercises: {leaked}"
            )


def test_the_answer_check_would_see_a_leak():
    # The running example's y, the answer of Chapter 1's forward pass by hand, is one of them.
    forward = next(p for p in CHAPTERS if p.name.startswith("01_"))
    assert r"7&4&1\\3&5&3" in answers(forward)


def test_the_instructor_page_says_what_each_edition_holds():
    for site in EDITIONS.values():
        text = text_of((site / "instructor.html").read_text(encoding="utf-8"))
        assert "the solutions sit in collapsed dropdowns" not in text
        assert "the student edition (below) has none" in text
    assert 'class="solution' not in "".join(p.read_text("utf-8") for p in book_pages(STUDENT))
