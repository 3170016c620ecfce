"""A Sphinx extension: pages that show no widget do not carry the widgets' saved state.

When the build executes a notebook, the state of every widget it made is saved in the notebook's
metadata, and MyST-NB writes all of it into the page as a
``<script type="application/vnd.jupyter.widget-state+json">`` for the widget manager to draw the
widgets from. The book's widgets sit in cells tagged ``remove-cell`` (the players stand in for
them on the website), so no page shows one, yet the state (tens of kB a chapter) was still sent.
This drops it, with the scripts MyST-NB adds for widgets, from every page whose content holds no
widget view; a page that does show a widget keeps both.

Enabled in _config.yml under ``sphinx: local_extensions``.
"""

from docutils import nodes

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def shows_a_widget(doctree):
    return any(WIDGET_VIEW in node.astext() for node in doctree.findall(nodes.raw))


def drop_unused_state(app, doctree, docname):
    files = getattr(app.env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    if files and not shows_a_widget(doctree):
        for key in [k for k in files if k.startswith("ipywidgets_")]:
            del files[key]


def setup(app):
    app.connect("doctree-resolved", drop_unused_state)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
