"""The book's figures, drawn with matplotlib; each module is imported on its own.

- :mod:`~convlib.figures.grids`: arrays as grids of cells, the figure size and fonts every figure
  keeps to;
- :mod:`~convlib.figures.drawing`: the figures of chapters 1 to 6 (the forward pass, both
  gradients, the boxes, the flip, the full correlation, a training run);
- :mod:`~convlib.figures.matrixplots`: the pattern of a convolution matrix (chapter 7);
- :mod:`~convlib.figures.perfplots`: the benchmark's timings (chapter 8);
- :mod:`~convlib.figures.cnnplots`: the digits network (chapter 9).

They draw what the maths and :mod:`convlib.frames` compute, in the colours of
:mod:`convlib.palette`; they never import the web side or the checkers::

    from convlib.figures import drawing
"""
