"""The passes of srcad's pipeline, one module each, in the order they run: :mod:`.parse` (1),
:mod:`.fence` (2), :mod:`.lower` (3), :mod:`.desugar` (4), :mod:`.anf` (5, with :mod:`.atoms`
for expressions and :mod:`.control` for conditions and loops), :mod:`.ops` (6, with
:mod:`.holders`, and :mod:`.objects`, :mod:`.kind_flow`, :mod:`.object_calls`,
:mod:`.call_building` and :mod:`.kinds` for calls on objects, :mod:`.constructors` and
:mod:`.initializer` for objects built in the function), :mod:`.activity` (7), the analyses
:mod:`.alias` (8) and :mod:`.shapes` (9), then :mod:`.reverse` (a package) or :mod:`.forward` (10,
sharing :mod:`.codegen`), :mod:`.inplace` (11, reverse mode only), :mod:`.emit` (12) and
:mod:`.load` (13); :mod:`.syntax` holds gast builders and queries several passes share. Passes 1
to 7 are run by :mod:`srcad.front`, the rest by :mod:`srcad.pipeline`, with a hook
(:mod:`srcad.hooks`) after each.
"""
