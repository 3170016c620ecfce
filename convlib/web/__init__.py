"""The book in the browser: HTML and JavaScript for the static website, and live Jupyter widgets.

- :mod:`~convlib.web.player`: a kernel-free player of an animation of :mod:`convlib.frames`
  (play, step, scrub), drawn by the browser script of ``convlib/web/js/``, which it inlines;
- :mod:`~convlib.web.explorer`: one layer, forward and backward, for any sizes, computed in the
  page by the same script;
- :mod:`~convlib.web.svg`: a frame as SVG, for the widgets;
- :mod:`~convlib.web.widgets`: live ipywidgets with sliders, for a running notebook (the only
  module here that needs ipywidgets).

Each module is imported on its own (``from convlib.web.player import player``). They use the maths,
the frames and :mod:`convlib.palette`; they never import matplotlib, the figures or the checkers.
"""
