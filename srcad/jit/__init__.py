"""``jit=True``: srcad's generated code compiled with numba (an optional extra: ``pip install
"srcad[jit]"``). Nothing here is imported with srcad: :mod:`.compile` at the first call of a
derived function made with ``jit``, and with it numba and :mod:`.overloads`. See docs/jit.md."""
