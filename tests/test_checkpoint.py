"""srcad.checkpoint: store versus recompute, checked against finite differences and against the same
function without checkpoints; the tape it keeps is measured."""

import tracemalloc

import numpy as np

import corpus_checkpoint as cp
import srcad
from gradcheck import check_grad


def _args(n_hidden=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n_hidden), rng.normal(size=(n_hidden, n_hidden)) * 1.1 / np.sqrt(n_hidden)


def test_checkpointed_segments_give_the_gradient_of_the_plain_loop():
    h, W = _args()
    plain = srcad.grad(cp.rnn, argnums=(0, 1))(h, W, 12)
    checkpointed = srcad.grad(cp.rnn_checkpointed, argnums=(0, 1))(h, W, 12, 4)
    for a, b in zip(plain, checkpointed):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    check_grad(cp.rnn_checkpointed, [h, W, 12, 4], argnums=(0, 1))


def test_checkpointed_cell_against_differences_and_forward_mode():
    rng = np.random.default_rng(1)
    args = [rng.normal(size=4), rng.normal(size=(6, 5)), rng.normal(size=(4, 4)) * 0.5,
            rng.normal(size=(4, 5)) * 0.5]
    check_grad(cp.rnn_cells, args, argnums=(0, 1, 2, 3))
    srcad.check_grads(cp.rnn_cells, args, order=2, modes=("rev", "fwd"))


def test_the_backward_sweep_runs_the_function_again_and_keeps_only_its_arguments():
    text = srcad.source(srcad.grad(cp.rnn_checkpointed, argnums=1))
    main = text.split("\ndef forward_segment")[0]
    assert "recompute segment (srcad.checkpoint)" in main
    assert "forward_segment(h_old, W, k)" in main        # from the arguments as they were
    assert "h = segment(h, W, k)" in main                # the forward sweep calls it plainly
    assert main.count("stack.append(") == 1               # one state per segment


def _peak(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_checkpoints_shrink_the_tape():
    h, W = _args(n_hidden=64)
    plain = srcad.grad(cp.rnn, argnums=1)
    checkpointed = srcad.grad(cp.rnn_checkpointed, argnums=1)
    plain(h, W, 2000), checkpointed(h, W, 2000, 40)  # transformed before measuring
    with_tape = _peak(lambda: plain(h, W, 2000))
    with_checkpoints = _peak(lambda: checkpointed(h, W, 2000, 40))
    # 2,000 steps keep a vector each; 50 checkpoints plus one segment of 40 steps keep about 90
    assert with_checkpoints < 0.25 * with_tape, (with_checkpoints, with_tape)
