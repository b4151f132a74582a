"""The fast training step computes what the straightforward one does, and checkpoints are safe."""
import os
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ser_lib import checkpoints
from ser_lib.model import PaperNet
from ser_lib.train import add_l2_gradient, fit, l2_penalty_value, load_optimizer_state, make_adam, set_seed


def _reference_steps(model, X, y, n_steps, lr, weight_l2, batch):
    """The textbook step: L2 in the graph, per-parameter Adam loop."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7, foreach=False)
    losses = []
    for i in range(n_steps):
        xb, yb = X[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        torch.manual_seed(100 + i)
        loss = F.cross_entropy(model(xb), yb) + weight_l2 * model.l2_penalty()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _fast_steps(model, X, y, n_steps, lr, weight_l2, batch, opt=None, first=0):
    """What fit runs: the L2 gradient inside the fused Adam (weight_decay on the kernels), its value apart."""
    weights = model.regularized_weights()
    opt = opt or make_adam(model.parameters(), lr, torch.device("cpu"), l2_weights=weights, weight_l2=weight_l2)
    losses = []
    for i in range(first, first + n_steps):
        xb, yb = X[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        torch.manual_seed(100 + i)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        pen = l2_penalty_value(weights, weight_l2)
        opt.step()
        losses.append(loss.item() + pen)
    return losses


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_fast_step_equals_reference(dropout):
    """Same losses and weights after several steps (float32 tolerance), dropout included (same seeds)."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(5 * 8, 1, 64)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 4, 5 * 8))
    set_seed(3)
    a = PaperNet(64, 4, filters=32, dense_units=16, dropout=dropout)
    b = PaperNet(64, 4, filters=32, dense_units=16, dropout=dropout)
    b.load_state_dict(a.state_dict())
    la = _reference_steps(a, X, y, 5, 1e-3, 1e-3, 8)
    lb = _fast_steps(b, X, y, 5, 1e-3, 1e-3, 8)
    np.testing.assert_allclose(la, lb, rtol=1e-5)
    for (k, wa), (_, wb) in zip(a.state_dict().items(), b.state_dict().items()):
        torch.testing.assert_close(wa, wb, rtol=1e-4, atol=1e-6, msg=k)
    # the weights moved: the comparison is not between two untouched models
    assert not torch.equal(a.dense.weight, PaperNet(64, 4, filters=32, dense_units=16).dense.weight)


def test_old_single_group_optimizer_checkpoint_resumes_in_the_fused_l2_layout():
    """A checkpoint from before the L2 term moved into Adam (one group, L2 added in place) resumes with
    make_adam's two groups: the same moments, and the same weights as going on the old way."""
    rng = np.random.default_rng(1)
    X = torch.from_numpy(rng.normal(size=(6 * 8, 1, 48)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, 6 * 8))
    set_seed(5)
    old = PaperNet(48, 3, filters=16, dense_units=8, dropout=0.2)
    ws = old.regularized_weights()
    opt_old = make_adam(old.parameters(), 1e-3, torch.device("cpu"))  # the old layout: one group
    assert len(opt_old.param_groups) == 1

    def old_steps(first, n):
        for i in range(first, first + n):
            torch.manual_seed(100 + i)
            loss = F.cross_entropy(old(X[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            opt_old.zero_grad()
            loss.backward()
            add_l2_gradient(ws, 1e-3)
            opt_old.step()

    old_steps(0, 3)
    saved_model = {k: v.clone() for k, v in old.state_dict().items()}
    saved_opt = pickle.loads(pickle.dumps(opt_old.state_dict()))
    old_steps(3, 3)

    new = PaperNet(48, 3, filters=16, dense_units=8, dropout=0.2)
    new.load_state_dict(saved_model)
    opt_new = make_adam(new.parameters(), 1e-3, torch.device("cpu"), l2_weights=new.regularized_weights(),
                        weight_l2=1e-3)
    assert [g["weight_decay"] for g in opt_new.param_groups] == [0.0, 2e-3]
    load_optimizer_state(opt_new, saved_opt, list(new.parameters()))
    torch.testing.assert_close(opt_new.state[new.dense.weight]["exp_avg_sq"],
                               saved_opt["state"][[n for n, _ in new.named_parameters()].index("dense.weight")]["exp_avg_sq"])
    _fast_steps(new, X, y, 3, 1e-3, 1e-3, 8, opt=opt_new, first=3)
    for (k, wa), (_, wb) in zip(old.state_dict().items(), new.state_dict().items()):
        torch.testing.assert_close(wa, wb, rtol=1e-4, atol=1e-6, msg=k)
    with pytest.raises(ValueError, match="does not match"):
        load_optimizer_state(opt_new, saved_opt, list(new.parameters())[:-1])
    with pytest.raises(ValueError, match="not among"):
        make_adam(new.parameters(), 1e-3, torch.device("cpu"), l2_weights=[torch.zeros(2)], weight_l2=1e-3)


def test_l2_gradient_matches_autograd():
    set_seed(0)
    m = PaperNet(40, 3, filters=8, dense_units=8)
    ws = m.regularized_weights()
    pen = 1e-3 * m.l2_penalty()
    pen.backward()
    expect = [w.grad.clone() for w in ws]
    for w in ws:
        w.grad.zero_()
    got = add_l2_gradient(ws, 1e-3)
    assert got == pytest.approx(pen.item(), rel=1e-6)
    for e, w in zip(expect, ws):
        torch.testing.assert_close(w.grad, e)


# ------------------------------------------------------------------------------ checkpoints
def _toy(n=40, L=40, k=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, L)).astype(np.float32), rng.integers(0, k, n)


def _small():
    set_seed(1)
    return PaperNet(40, 3, filters=8, dense_units=8)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-checkpoint",))


def test_crafted_pickle_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "last.pt"
    torch.save({"model": {}, "payload": _Evil()}, path)
    with pytest.raises(checkpoints.CheckpointError, match="last.pt.*refused"):
        checkpoints.load(path)
    assert not (tmp_path / "pwned-by-checkpoint").exists()


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", pickle.dumps([1, 2])])
def test_bad_checkpoint_names_the_file(tmp_path, content):
    path = tmp_path / "last.pt"
    path.write_bytes(content)
    with pytest.raises(checkpoints.CheckpointError, match=r"last\.pt.*(Delete|delete)"):
        checkpoints.load(path)


def test_truncated_last_falls_back_to_previous(tmp_path):
    X, y = _toy()
    kw = dict(batch_size=8, lr=1e-3, progress=False, checkpoint_dir=tmp_path)
    fit(_small(), X, y, epochs=2, **kw)
    assert (tmp_path / "last.prev.pt").exists()
    data = (tmp_path / "last.pt").read_bytes()
    (tmp_path / "last.pt").write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match="previous checkpoint"):
        h = fit(_small(), X, y, epochs=3, **kw)
    assert h.resumed_from == 1 and h.epochs_run == 3


def test_all_checkpoints_corrupt_starts_over(tmp_path):
    X, y = _toy()
    kw = dict(batch_size=8, lr=1e-3, progress=False, checkpoint_dir=tmp_path)
    (tmp_path / "last.pt").write_bytes(b"junk")
    with pytest.warns(UserWarning, match="starting over"):
        h = fit(_small(), X, y, epochs=1, **kw)
    assert h.resumed_from == 0 and h.epochs_run == 1
    ck = checkpoints.load(tmp_path / "last.pt")  # the new one is readable with weights_only=True
    assert ck["epoch"] == 1 and isinstance(ck["rng"]["torch"], torch.Tensor)


def test_rng_roundtrip():
    import random
    state = checkpoints.get_rng()
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    checkpoints.set_rng(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a


def test_keras_dropout_rule():
    from ser_lib.model import KerasDropout

    d = KerasDropout(0.2)
    x = torch.ones(200_000, requires_grad=True)
    torch.manual_seed(0)
    y = d(x)
    kept = y.detach() != 0
    assert abs(kept.float().mean().item() - 0.8) < 0.005            # keep probability 1 - rate
    torch.testing.assert_close(y.detach()[kept], torch.full((int(kept.sum()),), 1.25))
    y.sum().backward()
    torch.testing.assert_close(x.grad, y.detach())                   # gradient = mask * scale
    torch.manual_seed(0)
    torch.testing.assert_close(d(x.detach()), y.detach())           # reproducible under a seed
    d.eval()
    assert torch.equal(d(x.detach()), x.detach())                    # identity in eval mode
    with pytest.raises(ValueError):
        KerasDropout(1.0)


def test_large_mask_drawn_in_parts_is_seeded_independent_of_threads_and_keeps_the_rate():
    """A large CPU mask comes in MASK_CHUNKS parts from their own generators (on two threads): the same
    under a seed, whatever the thread count; a fresh draw per call; the keep rate in every part."""
    from ser_lib.keras_layers import MASK_CHUNKS, MASK_SPLIT_MIN, keras_dropout_mask

    shape = (4, 8, MASK_SPLIT_MIN // 16)  # 2 * MASK_SPLIT_MIN elements
    threads = torch.get_num_threads()
    try:
        masks = {}
        for t in (1, 2):
            torch.set_num_threads(t)
            torch.manual_seed(7)
            masks[t] = keras_dropout_mask(shape, 0.2)
    finally:
        torch.set_num_threads(threads)
    a = masks[1]
    assert torch.equal(a, masks[2])
    assert set(a.unique().tolist()) == {0.0, 1.25}
    n = a.numel()
    for part in a.view(-1).chunk(MASK_CHUNKS):  # each part keeps 1 - rate (+- 5 standard deviations)
        assert abs((part != 0).float().mean().item() - 0.8) < 5 * (0.16 / part.numel()) ** 0.5
    halves = a.view(-1).chunk(MASK_CHUNKS)
    assert not torch.equal(halves[0][: n // 4], halves[1][: n // 4])  # the parts are not copies
    assert not torch.equal(keras_dropout_mask(shape, 0.2), keras_dropout_mask(shape, 0.2))
    torch.manual_seed(8)
    assert not torch.equal(keras_dropout_mask(shape, 0.2), a)


def test_retain_freed_memory_is_idempotent():
    from ser_lib.speed import retain_freed_memory

    assert retain_freed_memory() == retain_freed_memory()


def test_keras_batchnorm_moving_variance_is_biased():
    """Keras updates the moving variance with the biased batch variance; output equals nn.BatchNorm1d."""
    from ser_lib.model import KerasBatchNorm1d

    torch.manual_seed(0)
    x = torch.randn(16, 64) * 3 + 1
    kb = KerasBatchNorm1d(64)
    ref = torch.nn.BatchNorm1d(64, eps=1e-3, momentum=0.01)
    kb.running_var.fill_(2.0)
    ref.running_var.fill_(2.0)
    torch.testing.assert_close(kb(x), ref(x))
    expect = 0.99 * 2.0 + 0.01 * x.var(0, unbiased=False)
    torch.testing.assert_close(kb.running_var, expect)
    assert not torch.allclose(ref.running_var, expect)            # PyTorch's own rule differs
    torch.testing.assert_close(kb.running_mean, ref.running_mean)
    x3 = torch.randn(4, 8, 50)                                    # (B, C, L): n = B * L values per channel
    kb3 = KerasBatchNorm1d(8)
    kb3(x3)
    torch.testing.assert_close(kb3.running_var, 0.99 + 0.01 * x3.var((0, 2), unbiased=False))


def test_mixed_precision_is_refused_on_cpu():
    X, y = _toy()
    with pytest.raises(ValueError, match="CUDA"):
        fit(_small(), X, y, epochs=1, batch_size=8, device="cpu", mixed_precision=True, progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_mixed_precision_trains_on_gpu():
    X, y = _toy(64)
    h = fit(_small(), X, y, epochs=2, batch_size=16, lr=1e-3, device="cuda", mixed_precision=True, progress=False)
    assert h.epochs_run == 2 and np.isfinite(h.epochs[-1]["loss"])


def _small_data(n=40, length=64, classes=4):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, length)).astype(np.float32), rng.integers(0, classes, n)


def _eager_and_compiled(epochs):
    """Two identical small replicas trained on the same data, eager (a) then with compile=True (b)."""
    X, y = _small_data()
    set_seed(5)
    a = PaperNet(64, 4, filters=16, dense_units=8, dropout=0.2)
    b = PaperNet(64, 4, filters=16, dense_units=8, dropout=0.2)
    b.load_state_dict(a.state_dict())
    kw = dict(epochs=epochs, batch_size=8, lr=1e-3, seed=0, progress=False)
    ha = fit(a, X, y, compile=False, **kw)
    hb = fit(b, X, y, compile=True, **kw)
    return a, ha, b, hb


@pytest.mark.skipif(not any(__import__("shutil").which(c) for c in ("g++", "c++", "clang++")),
                    reason="torch.compile on the CPU needs a C++ compiler")
def test_compiled_training_equals_eager():
    """fit(compile=True): the same losses and weights as eager mode (float32 rounding), dropout on,
    and every epoch records that it ran compiled."""
    a, ha, b, hb = _eager_and_compiled(epochs=2)
    assert [e["compiled"] for e in ha.epochs] == [False, False]
    assert [e["compiled"] for e in hb.epochs] == [True, True]
    np.testing.assert_allclose([e["loss"] for e in ha.epochs], [e["loss"] for e in hb.epochs], rtol=1e-4)
    for (k, wa), (_, wb) in zip(a.state_dict().items(), b.state_dict().items()):
        torch.testing.assert_close(wa, wb, rtol=1e-3, atol=1e-5, msg=k)


def test_failed_compile_falls_back_to_eager(monkeypatch):
    """A model that cannot be compiled trains uncompiled, with a warning, to the eager result."""
    from ser_lib import speed

    def broken(model):
        def call(*args, **kwargs):
            raise RuntimeError("no C++ compiler")
        return call

    monkeypatch.setattr(speed, "compile_model", broken)
    with pytest.warns(UserWarning, match="torch.compile failed"):
        _, ha, _, hb = _eager_and_compiled(epochs=1)
    assert hb.epochs[0]["compiled"] is False
    assert ha.epochs[0]["loss"] == hb.epochs[0]["loss"]


def test_compile_default_follows_environment(monkeypatch):
    from ser_lib.speed import compile_default

    monkeypatch.delenv("SER_COMPILE", raising=False)
    assert compile_default() is False
    monkeypatch.setenv("SER_COMPILE", "1")
    assert compile_default() is True


def test_dropout_mask_given_equals_mask_drawn():
    """The compiled step passes the mask drawn outside the graph: same seed, same mask, same output."""
    set_seed(0)
    m = PaperNet(40, 3, filters=8, dense_units=8)
    m.train()
    x = torch.randn(4, 1, 40)
    torch.manual_seed(5)
    a = m.features(x)
    torch.manual_seed(5)
    mask = m.dropout_mask(x)
    b = m.features(x, mask)
    torch.testing.assert_close(a, b)
    assert mask.shape == (4, 8, m.feature_length)
    assert set(mask.unique().tolist()) == {0.0, 1.25}
    with pytest.raises(ValueError, match="dropout mask of shape"):
        m(x, mask[:, :, :-1])
    m.eval()
    assert m.dropout_mask(x) is None
    assert PaperNet(40, 3, filters=8, dense_units=8, dropout=0.0).dropout_mask(x) is None
