"""The optimiser of the faithful replica: Keras-like Adam with the L2 term inside its fused update.

Keras's ``kernel_regularizer=l2(weight_l2)`` adds ``weight_l2 * sum(w**2)`` over the kernels to the
loss, so their gradient gains ``2 * weight_l2 * w``. :func:`add_l2_gradient` adds that term in place
after ``backward()`` (the reference the tests compare with); :func:`make_adam` gives the same term to
PyTorch's fused Adam as a coupled ``weight_decay`` on those kernels only, which costs no extra pass
over the ~39 M weights of the Dense(64) kernel. :func:`l2_penalty_value` is the term's value, for the
reported loss; :func:`load_optimizer_state` reads optimiser checkpoints of either parameter grouping.
:mod:`ser_lib.train` re-exports all four.
"""
from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["l2_penalty_value", "add_l2_gradient", "make_adam", "load_optimizer_state"]


def l2_penalty_value(weights: Sequence[torch.Tensor], weight_l2: float) -> float:
    """``weight_l2 * sum(w**2)`` over ``weights`` as a float (one dot product per kernel, no graph)."""
    with torch.no_grad():
        total = sum(float(torch.dot(w.detach().reshape(-1), w.detach().reshape(-1))) for w in weights)
    return float(weight_l2) * total


def add_l2_gradient(weights: Sequence[torch.Tensor], weight_l2: float) -> float:
    """Add the gradient of ``weight_l2 * sum(w**2)`` to each ``w.grad`` in place; return the penalty.

    Equivalent to adding ``weight_l2 * model.l2_penalty()`` to the loss before ``backward()``
    (Keras's ``kernel_regularizer=l2(weight_l2)``): the gradient of ``weight_l2 * sum(w**2)`` is
    ``2 * weight_l2 * w``. The returned value (a float, for the reported loss) is computed from the
    weights as they are now, i.e. before the optimiser step, like the graph version.
    :func:`fit` does not call it: its Adam adds the same term inside the fused update
    (:func:`make_adam` with ``l2_weights``), which saves a pass over the ~39 M weights.
    """
    penalty = l2_penalty_value(weights, weight_l2)
    with torch.no_grad():
        for w in weights:
            if w.grad is not None:
                w.grad.add_(w.detach(), alpha=2.0 * float(weight_l2))
    return penalty


def make_adam(params, lr: float, device: torch.device, *, l2_weights: Sequence[torch.Tensor] | None = None,
              weight_l2: float = 0.0) -> torch.optim.Optimizer:
    """Keras-like Adam (betas 0.9/0.999, eps 1e-7), as PyTorch's fused kernel where it exists.

    The fused kernel computes the same update as the per-parameter loop (within float32 rounding);
    it is used on CPU and CUDA, and the loop elsewhere.

    ``l2_weights`` (a subset of ``params``) with ``weight_l2 > 0``: those tensors get Adam's coupled
    ``weight_decay = 2 * weight_l2``, which adds ``2 * weight_l2 * w`` to their gradient inside the
    update: the gradient of Keras's ``l2(weight_l2)`` penalty, as :func:`add_l2_gradient` adds it,
    without a separate pass over the weights. The optimiser then has two parameter groups (the other
    parameters first, with no decay); :func:`load_optimizer_state` reads checkpoints of either layout.
    """
    fused = device.type in ("cpu", "cuda")
    params = list(params)
    groups: list | list[dict] = params
    if l2_weights is not None and weight_l2:
        decay = {id(w) for w in l2_weights}
        missing = decay - {id(p) for p in params}
        if missing:
            raise ValueError(f"{len(missing)} of the l2_weights are not among the optimised parameters")
        groups = [{"params": [p for p in params if id(p) not in decay], "weight_decay": 0.0},
                  {"params": [p for p in params if id(p) in decay], "weight_decay": 2.0 * float(weight_l2)}]
    return torch.optim.Adam(groups, lr=lr, betas=(0.9, 0.999), eps=1e-7, fused=fused or None)


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: dict, params: Sequence[torch.Tensor]) -> None:
    """``optimizer.load_state_dict(state)``, also from a checkpoint written with another grouping.

    ``params``: all parameters in the order the optimiser was given them (``model.parameters()``).
    Checkpoints written before the L2 term moved into Adam (:func:`make_adam`) hold one parameter
    group, numbered in ``params`` order; their per-parameter state (step, moments) is renumbered
    into the optimiser's groups, whose hyper-parameters (``lr``, ``weight_decay``, ...) are kept.
    """
    current = optimizer.state_dict()
    if len(state["param_groups"]) == len(current["param_groups"]):
        optimizer.load_state_dict(state)
        return
    params = list(params)
    old_ids = [i for g in state["param_groups"] for i in g["params"]]
    if len(old_ids) != len(params) or sorted(old_ids) != list(range(len(params))):
        raise ValueError("optimizer state does not match the parameters: "
                         f"{len(old_ids)} saved, {len(params)} given")
    new_index = {id(p): i for i, p in enumerate(p for g in optimizer.param_groups for p in g["params"])}
    renumber = {old: new_index[id(params[old])] for old in old_ids}
    optimizer.load_state_dict({"state": {renumber[int(k)]: v for k, v in state["state"].items()},
                               "param_groups": current["param_groups"]})
