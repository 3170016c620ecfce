"""A Sphinx extension: the ``explorer`` directive puts a convlib explorer on a Markdown page.

The explorer needs no kernel (it computes in the page), so a page that only shows one need not be
a notebook, which would give it launch buttons for nothing to run. In MyST::

    ```{explorer}
    :preset: stride
    :title: What does stride 2 change?
    ```

writes the HTML of ``convlib.web.explorer.explorer(preset, title=title)``, the very fragment a
notebook shows. Enabled in _config.yml under ``sphinx: local_extensions``.
"""

from docutils import nodes
from docutils.parsers.rst import Directive, directives


class ExplorerDirective(Directive):
    has_content = False
    option_spec = {"preset": directives.unchanged, "title": directives.unchanged}

    def run(self):
        from convlib.web.explorer import explorer  # imported when a page uses it, not at start-up

        try:
            fragment = explorer(self.options.get("preset"), title=self.options.get("title"))
        except (TypeError, ValueError) as err:
            raise self.error(f"explorer: {err}") from None
        return [nodes.raw("", fragment.html, format="html")]


def setup(app):
    app.add_directive("explorer", ExplorerDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
