"""Modules beginner code builds with beyond Sequential: containers, hooks, more activations, init,
clipping and flat parameter vectors; each compared with PyTorch."""
import math

import numpy as np
import pytest
import torch

import gradstep


def twin(build):
    """The module built by ``build(lib)`` in both engines, with PyTorch's weights copied into gradstep's."""
    torch.manual_seed(0)
    theirs, ours = build(torch), build(gradstep)
    ours.load_state_dict({k: gradstep.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


# ---- containers --------------------------------------------------------------------------------
class Blocks:
    """A model holding its layers in every kind of container."""

    @staticmethod
    def build(lib):
        nn = lib.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
                self.layers.append(nn.Linear(4, 3))
                self.heads = nn.ModuleDict({"left": nn.Linear(3, 2), "right": nn.Sequential(nn.Linear(3, 2), nn.Tanh())})
                self.scales = nn.ParameterList([nn.Parameter(lib.ones(2)), lib.zeros(2)])
                self.extra = nn.ParameterDict({"shift": nn.Parameter(lib.full((2,), 0.5))})

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x).relu()
                out = self.heads["left"](x) * self.scales[0] + self.heads["right"](x) + self.scales[1]
                return out + self.extra["shift"]

        return Model()


def test_containers_register_what_pytorch_registers():
    ours, theirs = twin(Blocks.build)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]


def test_a_model_of_containers_computes_and_learns_like_pytorch():
    ours, theirs = twin(Blocks.build)
    x = np.linspace(-1, 1, 20).reshape(5, 4).astype(np.float32)
    out_ours, out_theirs = ours(gradstep.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    for (name, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_module_list_behaves_like_a_list_as_in_pytorch():
    def run(lib):
        nn = lib.nn
        layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        layers.insert(1, nn.Sigmoid())
        layers.extend([nn.Identity()])
        layers += [nn.ReLU()]
        del layers[0]
        layers[0] = nn.Softmax(dim=1)
        return [type(m).__name__ for m in layers] + [len(layers), type(layers[-1]).__name__, type(layers[1:3]).__name__,
                                                    len(layers[1:3]), [n for n, _ in layers.named_children()]]

    assert run(gradstep) == run(torch)


def test_module_dict_and_parameter_dict_behave_like_dicts_as_in_pytorch():
    def run(lib):
        nn = lib.nn
        heads = nn.ModuleDict([("a", nn.ReLU()), ("b", nn.Tanh())])
        heads["c"] = nn.Sigmoid()
        popped = heads.pop("a")
        params = nn.ParameterDict({"w": nn.Parameter(lib.ones(2))})
        params["b"] = lib.zeros(3)
        return [list(heads.keys()), type(popped).__name__, "b" in heads, len(heads), list(params.keys()),
                type(params["b"]).__name__, params["b"].requires_grad, [n for n, _ in params.named_parameters()]]

    assert run(gradstep) == run(torch)


def test_container_reprs_match_pytorch():
    def run(lib):
        nn = lib.nn
        return [
            repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])),
            repr(nn.ModuleList()),
            repr(nn.ModuleDict({"act": nn.ReLU(), "fc": nn.Linear(1, 1)})),
            repr(nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(2)])),
        ]

    assert run(gradstep) == [text.replace("torch.", "gradstep.") for text in run(torch)]


def test_module_apply_reaches_every_module_children_first_as_in_pytorch():
    def run(lib):
        visited = []
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1)))
        model.apply(lambda m: visited.append(type(m).__name__))
        return visited, [name for name, _ in model.named_modules()], type(model.get_submodule("1.1")).__name__

    assert run(gradstep) == run(torch)


def test_init_weights_through_apply_like_the_textbook():
    def init_weights(nn):
        def init(m):
            if type(m) == nn.Linear:
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)

        return init

    model = gradstep.nn.Sequential(gradstep.nn.Flatten(), gradstep.nn.Linear(784, 256), gradstep.nn.ReLU(), gradstep.nn.Linear(256, 10))
    model.apply(init_weights(gradstep.nn))
    weights = model[1].weight.detach().numpy()
    assert abs(weights.std() - 0.01) < 0.001 and model[1].bias.abs().sum().item() == 0


# ---- hooks ---------------------------------------------------------------------------------------
def hooked_forwards(lib, weight, bias):
    """Three forwards of one model: with a pre-hook and a hook that change values, with a spy only, with none."""
    nn = lib.nn
    seen = []
    layer = nn.Linear(2, 2)
    layer.load_state_dict({"weight": lib.tensor(weight), "bias": lib.tensor(bias)})
    model = nn.Sequential(layer, nn.ReLU())
    pre = layer.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 2,))
    post = model[1].register_forward_hook(lambda m, inputs, output: output + 1)
    spy = layer.register_forward_hook(lambda m, inputs, output: seen.append((inputs[0].tolist(), output.tolist())))
    x = lib.tensor([[1.0, -1.0]])
    first = model(x).tolist()
    pre.remove()
    post.remove()
    with spy:  # leaving the block removes the hook
        second = model(x).tolist()
    third = model(x).tolist()
    return first, second, third, seen


def test_forward_hooks_see_and_may_replace_inputs_and_outputs_as_in_pytorch():
    weight, bias = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32), np.array([0.1, -0.2], dtype=np.float32)
    ours, theirs = hooked_forwards(gradstep, weight, bias), hooked_forwards(torch, weight, bias)
    assert len(ours[3]) == len(theirs[3]) == 2
    np.testing.assert_allclose(np.array(ours[:3]), np.array(theirs[:3]), rtol=1e-6)
    for (inputs_ours, output_ours), (inputs_theirs, output_theirs) in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(inputs_ours, inputs_theirs)
        np.testing.assert_allclose(output_ours, output_theirs, rtol=1e-6)


# ---- activations -------------------------------------------------------------------------------
ACTIVATIONS = {
    "LeakyReLU": (lambda nn: nn.LeakyReLU(), lambda F, x: F.leaky_relu(x)),
    "LeakyReLU 0.2": (lambda nn: nn.LeakyReLU(0.2), lambda F, x: F.leaky_relu(x, 0.2)),
    "ELU": (lambda nn: nn.ELU(), lambda F, x: F.elu(x)),
    "ELU 0.5": (lambda nn: nn.ELU(alpha=0.5), lambda F, x: F.elu(x, alpha=0.5)),
    "GELU": (lambda nn: nn.GELU(), lambda F, x: F.gelu(x)),
    "GELU tanh": (lambda nn: nn.GELU(approximate="tanh"), lambda F, x: F.gelu(x, approximate="tanh")),
    "SiLU": (lambda nn: nn.SiLU(), lambda F, x: F.silu(x)),
    "Tanh": (lambda nn: nn.Tanh(), lambda F, x: F.tanh(x)),
    "Softmax": (lambda nn: nn.Softmax(dim=1), lambda F, x: F.softmax(x, dim=1)),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=0), lambda F, x: F.log_softmax(x, dim=0)),
    "Identity": (lambda nn: nn.Identity(), lambda F, x: x * 1),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", ACTIVATIONS)
def test_activation_values_and_gradients_match_pytorch(case, dtype):
    data = np.linspace(-4, 4, 24).reshape(4, 6)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    results = []
    for lib in (gradstep, torch):
        make_module, functional = ACTIVATIONS[case]
        for apply in (lambda x: make_module(lib.nn)(x), lambda x: functional(lib.nn.functional, x)):
            x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
            y = apply(x)
            (y * lib.tensor(np.cos(np.arange(24.0)).reshape(4, 6), dtype=getattr(lib, dtype))).sum().backward()
            results.append((y.detach().numpy(), x.grad.numpy(), repr(make_module(lib.nn))))
    for i in range(2):
        np.testing.assert_allclose(results[i][0], results[i + 2][0], rtol=rtol, atol=rtol)
        np.testing.assert_allclose(results[i][1], results[i + 2][1], rtol=rtol, atol=rtol)
    assert results[0][2] == results[2][2]


def test_erf_matches_pytorch():
    x = np.linspace(-3, 3, 13)
    ours = gradstep.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    gradstep.erf(ours).sum().backward()
    torch.erf(theirs).sum().backward()
    np.testing.assert_allclose(ours.erf().detach().numpy(), torch.erf(theirs).detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)


# ---- initialisation ---------------------------------------------------------------------------
SHAPES = [(5, 3), (128, 784), (16, 3, 5, 5), (10, 4, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fan_in_and_fan_out_follow_pytorch(shape):
    ours = gradstep.nn.init._calculate_fan_in_and_fan_out(gradstep.zeros(shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def spread(values):
    return float(np.abs(values).max()), float(values.std())


@pytest.mark.parametrize("shape", [(256, 512), (64, 16, 3, 3)])
@pytest.mark.parametrize(
    "init",
    [
        lambda lib, w: lib.nn.init.kaiming_uniform_(w, a=math.sqrt(5)),
        lambda lib, w: lib.nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"),
        lambda lib, w: lib.nn.init.kaiming_normal_(w, nonlinearity="relu"),
        lambda lib, w: lib.nn.init.xavier_uniform_(w, gain=lib.nn.init.calculate_gain("tanh")),
        lambda lib, w: lib.nn.init.xavier_normal_(w),
        lambda lib, w: lib.nn.init.trunc_normal_(w, std=0.02),
        lambda lib, w: lib.nn.init.orthogonal_(w),
    ],
)
def test_initialisers_draw_with_pytorchs_spread(init, shape):
    ours, theirs = gradstep.zeros(shape), torch.zeros(shape)
    assert init(gradstep, ours) is ours and init(torch, theirs) is theirs  # in place, returning the tensor
    (our_max, our_std), (their_max, their_std) = spread(ours.numpy()), spread(theirs.numpy())
    assert our_std == pytest.approx(their_std, rel=0.05)
    assert our_max <= their_max * 1.3 + 1e-9 and our_max >= their_max * 0.7


def test_orthogonal_and_eye_make_what_pytorch_makes():
    w = gradstep.nn.init.orthogonal_(gradstep.zeros(4, 6), gain=2.0).numpy()
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(4), atol=1e-5)
    assert gradstep.nn.init.eye_(gradstep.zeros(2, 3)).tolist() == torch.nn.init.eye_(torch.zeros(2, 3)).tolist()
    bounded = gradstep.nn.init.trunc_normal_(gradstep.zeros(1000), mean=0.0, std=1.0, a=-0.5, b=0.5).numpy()
    assert bounded.min() >= -0.5 and bounded.max() <= 0.5


# ---- clipping and flat vectors -------------------------------------------------------------------
def with_grads(lib, grads):
    params = []
    for grad in grads:
        p = lib.zeros(np.shape(grad), dtype=lib.float64, requires_grad=True)
        p.grad = lib.tensor(grad, dtype=lib.float64)
        params.append(p)
    return params


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf), (2.0, 3.0)])
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type):
    grads = [[[3.0, -4.0], [1.0, 2.0]], [0.5, -7.0, 0.0]]
    results = []
    for lib in (gradstep, torch):
        params = with_grads(lib, grads)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=norm_type)
        results.append((total.item(), [p.grad.numpy() for p in params]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_clip_grad_norm_of_a_non_finite_norm_can_raise_as_in_pytorch():
    for lib in (gradstep, torch):
        params = with_grads(lib, [[math.inf, 1.0]])
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_pytorch():
    results = []
    for lib in (gradstep, torch):
        params = with_grads(lib, [[3.0, -4.0, 0.1]])
        lib.nn.utils.clip_grad_value_(params, 0.5)
        results.append(params[0].grad.tolist())
    assert results[0] == results[1]


def test_parameters_to_vector_and_back_match_pytorch():
    ours, theirs = twin(lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 1)))
    flat_ours = gradstep.nn.utils.parameters_to_vector(ours.parameters())
    flat_theirs = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_allclose(flat_ours.detach().numpy(), flat_theirs.detach().numpy())
    (flat_ours * gradstep.arange(11.0)).sum().backward()  # differentiable, as in PyTorch
    (flat_theirs * torch.arange(11.0)).sum().backward()
    for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy())
    gradstep.nn.utils.vector_to_parameters(gradstep.arange(11.0), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(11.0), theirs.parameters())
    for (name, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        assert p_ours.tolist() == p_theirs.tolist(), name
        assert isinstance(p_ours, gradstep.nn.Parameter) and p_ours.requires_grad
