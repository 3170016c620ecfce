"""A Sphinx extension: a page carries the book's browser script once, however many fragments use it.

Every player and explorer that convlib writes carries the whole browser script (convlib/web/js/
with the palette and stylesheets, as convlib.web.player.page_script assembles it) in a
``<script class="cvl-script">`` element, so that a fragment works on its own in Jupyter,
JupyterLite or a saved notebook. On a web page the first copy serves
them all (each fragment's own call comes after it, in a script of its own), so this keeps the first
copy on each page and drops the others: tens of kB a player.

Enabled in _config.yml under ``sphinx: local_extensions``.
"""

import re

from docutils import nodes

SCRIPT = re.compile(r'<script class="cvl-script">.*?</script>', re.S)


def keep_the_first_script(app, doctree, docname):
    seen = False
    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        text = node.astext()

        def keep_first(match):
            nonlocal seen
            if seen:
                return ""
            seen = True
            return match.group(0)

        lighter = SCRIPT.sub(keep_first, text)
        if lighter != text:
            node.replace_self(nodes.raw(lighter, lighter, format=node["format"]))


def setup(app):
    app.connect("doctree-resolved", keep_the_first_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
