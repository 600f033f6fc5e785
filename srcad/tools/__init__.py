"""Tools around the derivatives: :mod:`.check` (``check_grads`` and ``GradientCheckError``), with
its fault localizer :mod:`.localize`, the instrumented copies it runs (:mod:`.instrument`) and the
values it perturbs (:mod:`.values`); :mod:`.export` (``srcad.export``: a derivative as a standalone
NumPy module); :mod:`.cli` (``python -m srcad show``) and :mod:`.highlight`, its ANSI colouring of
generated code.
"""
