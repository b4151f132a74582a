"""The replica's architecture: parameter counts as Keras printed them, attention shapes, L2."""
import numpy as np
import pytest
import torch

from ser_lib.model import (PAPER_CODE, PAPER_TEXT, ChannelAttention, PaperNet, SpatialAttention,
                           keras_param_count, layer_table, paper_param_formula, variant_config)


@pytest.mark.parametrize("L,kw,total", [
    (2268, {}, 37_434_661),
    (108, {}, 2_045_221),
    (2060, {"channel_attention": False}, 34_018_325),   # TESS printout
    (251, {"channel_attention": False}, 4_379_669),     # SAVEE printout
    (251, {"spatial_attention": False}, 4_388_119),     # RAVDESS printout
])
def test_keras_param_counts_match_released_printouts(L, kw, total):
    counts = keras_param_count(PaperNet(L, 7, **kw))
    assert counts["total"] == total
    assert counts["non_trainable"] == 1152
    assert counts["trainable"] == total - 1152


def test_trainable_count_emodb():
    assert keras_param_count(PaperNet(2268, 7))["trainable"] == 37_433_509


@pytest.mark.parametrize("L", [108, 251, 2060, 2268, 2376])
def test_formula(L):
    assert keras_param_count(PaperNet(L, 7))["total"] == 472_293 + 64 * (256 * (L - 12) + 1)
    assert paper_param_formula(L) == 472_293 + 64 * (256 * (L - 12) + 1)
    assert keras_param_count(PaperNet(L, 4))["total"] == paper_param_formula(L, 4)


def test_missing_blocks_are_exactly_the_attention_weights():
    full = keras_param_count(PaperNet(251, 7))["total"]
    assert full - keras_param_count(PaperNet(251, 7, channel_attention=False))["total"] == 8464
    assert full - keras_param_count(PaperNet(251, 7, spatial_attention=False))["total"] == 14


def test_text_variant_has_three_blocks():
    m = PaperNet(200, 7, n_blocks=PAPER_TEXT["n_blocks"])
    assert len(m.blocks) == 3 and m.feature_length == 200 - 18
    assert PAPER_CODE["n_blocks"] == 2
    assert PAPER_CODE["batch_size"]["emodb"] == 16 and PAPER_CODE["batch_size"]["ravdess"] == 32
    assert set(PAPER_TEXT["batch_size"].values()) == {64}
    assert variant_config("text")["n_blocks"] == 3
    with pytest.raises(ValueError):
        variant_config("paper")


def test_attention_shapes_and_ranges():
    torch.manual_seed(0)
    m = PaperNet(120, 5).eval()
    out = m(torch.randn(4, 1, 120) * 3)
    assert out.shape == (4, 5)
    ch, sp = m.last_attention["channel"], m.last_attention["spatial"]
    assert ch.shape == (4, 256) and sp.shape == (4, 108)
    for w in (ch, sp):
        assert torch.all(w > 0) and torch.all(w < 1)
    # 2-D input accepted for one channel
    assert m(torch.randn(2, 120)).shape == (2, 5)


def test_attention_modules_scale_input():
    x = torch.randn(3, 8, 20)
    y, w = ChannelAttention(8, reduction=4)(x)
    assert torch.allclose(y, x * w.unsqueeze(2))
    y, w = SpatialAttention(7)(x)
    assert w.shape == (3, 20) and torch.allclose(y, x * w.unsqueeze(1))


def test_flatten_is_length_major_like_keras():
    m = PaperNet(30, 3, channel_attention=False, spatial_attention=False, filters=4).eval()
    x = torch.randn(2, 1, 30)
    feats = m.features(x)  # (B, C, L')
    flat_keras = feats.permute(0, 2, 1).reshape(2, -1)  # (L', C) flattened row-major
    expected = m.out(m.dense_bn(torch.relu(m.dense(flat_keras))))
    assert torch.allclose(m(x), expected, atol=1e-6)
    # position-major: the weight for (position 1, channel 0) is dense.weight[:, 4]
    assert m.dense.in_features == 4 * (30 - 12)


def test_l2_penalty_is_sum_of_conv_and_dense_kernels():
    m = PaperNet(60, 3)
    manual = sum((b.conv.weight ** 2).sum() for b in m.blocks) + (m.dense.weight ** 2).sum()
    assert torch.allclose(m.l2_penalty(), manual)
    # not the biases, the attention MLP, BatchNorm or the output layer
    with torch.no_grad():
        m.out.weight.add_(1.0)
        m.channel_att.fc1.weight.add_(1.0)
        m.blocks[0].conv.bias.add_(1.0)
    assert torch.allclose(m.l2_penalty(), manual)


def test_keras_init_and_bn_settings():
    torch.manual_seed(0)
    m = PaperNet(500, 7, init="keras")
    w = m.blocks[1].conv.weight.detach()
    limit = np.sqrt(6 / (256 * 7 + 256 * 7))
    assert float(w.abs().max()) <= limit and float(w.abs().max()) > 0.9 * limit
    assert float(m.blocks[1].conv.bias.detach().abs().sum()) == 0.0
    fc = m.channel_att.fc1.weight.detach()  # he_normal, truncated at 2 sd
    sd = np.sqrt(2 / 256) / 0.87962566103423978
    assert float(fc.abs().max()) <= 2 * sd + 1e-6
    bn = m.blocks[0].bn
    assert bn.eps == 1e-3 and abs(bn.momentum - 0.01) < 1e-12
    mt = PaperNet(500, 7, init="torch")
    assert float(mt.blocks[1].conv.bias.detach().abs().sum()) > 0  # PyTorch default biases are not zero
    assert m.config["init"] == "keras" and mt.config["init"] == "torch"


def test_mfcc_channels_and_gap_head():
    m = PaperNet(108, 4, in_channels=20, head="gap")
    assert m(torch.randn(2, 20, 108)).shape == (2, 4)
    m0 = PaperNet(108, 4, in_channels=20, head="gap", dense_units=0, filters=32)
    assert m0(torch.randn(2, 20, 108)).shape == (2, 4)
    assert keras_param_count(m0)["total"] < 20_000
    with pytest.raises(ValueError):
        m(torch.randn(2, 1, 108))


def test_validation_errors():
    with pytest.raises(ValueError):
        PaperNet(12, 7)  # too short for two valid convolutions
    with pytest.raises(ValueError):
        PaperNet(100, 7, head="pool")
    with pytest.raises(ValueError):
        PaperNet(100, 7, init="xavier")


def test_layer_table_sums_to_total():
    m = PaperNet(150, 7)
    t = layer_table(m)
    assert t["params"].sum() == keras_param_count(m)["total"]
    dense_share = float(t.loc[t["layer"] == "dense", "share"].iloc[0])
    assert dense_share > 0.5
    assert "(138, 256)" in set(t["output_shape"])


def test_model_plots_smoke():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ser_lib.features import paper_layout
    from ser_lib.viz import model as vizm

    hist = [{"epoch": 1, "loss": 1.0, "acc": 0.5, "val_loss": 1.1, "val_acc": 0.4, "val_uar": 0.4},
            {"epoch": 2, "loss": 0.8, "acc": 0.6, "val_loss": 1.0, "val_acc": 0.5, "val_uar": 0.45}]
    figs = [vizm.training_curves(hist), vizm.confusion_heatmap([[3, 1], [0, 4]], ["a", "b"]),
            vizm.paper_comparison(50.0, 99.5, 99.5, corpus="X", epochs_run=2, uar=40.0)]
    m = PaperNet(2376, 4, filters=8)
    t = layer_table(m)
    figs += [vizm.architecture_diagram(t), vizm.param_share_bar(t)]
    rng = np.random.default_rng(0)
    fig, order = vizm.channel_attention_heatmap(rng.random((20, 8)), rng.integers(0, 3, 20), ["a", "b", "c"], top=5)
    assert len(order) == 5
    figs += [fig, vizm.spatial_on_input(rng.random(2376 - 12), 2376, paper_layout(100), x=rng.normal(size=2376))]
    assert all(f.axes for f in figs)
    with pytest.raises(ValueError):
        vizm.confusion_heatmap([[1, 2]], ["a", "b"])
    plt.close("all")


def test_training_curves_mark_resumed_epochs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ser_lib.viz import model as vizm

    hist = [{"epoch": e, "loss": 1 / e, "acc": 0.5, "val_loss": 1.0, "val_acc": 0.4, "val_uar": 0.4,
             **({"resumed": True} if e in (4, 7) else {})} for e in range(1, 10)]

    def resume_lines(fig):
        return sorted({ln.get_xdata()[0] for a in fig.axes for ln in a.get_lines() if ln.get_linestyle() == ":"})

    fig = vizm.training_curves(hist)
    assert resume_lines(fig) == [3.5, 6.5]
    assert "resumed from a checkpoint" in [t.get_text() for t in fig.legends[0].get_texts()]
    plain = vizm.training_curves([{k: v for k, v in e.items() if k != "resumed"} for e in hist])
    assert resume_lines(plain) == []
    plt.close("all")
