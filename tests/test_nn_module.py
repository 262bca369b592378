"""``nn.Module`` behaves as PyTorch's: the same parameters, names, modes, state_dict and repr."""
from collections import OrderedDict

import pytest
import torch

import gradstep


def lesson_model(engine):
    nn = engine.nn
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 128, bias=False), nn.ReLU(), nn.Linear(128, 10, bias=False), nn.LogSoftmax(dim=1)
    )


def toy_model(engine):
    nn = engine.nn
    return nn.Sequential(nn.Linear(20, 13), nn.ReLU(), nn.Linear(13, 8), nn.Sigmoid(), nn.Linear(8, 3))


def classifier_class(engine):
    """A model written as a subclass, the other way the lesson builds networks."""
    nn = engine.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(4, 6)
            self.head = nn.Sequential(OrderedDict(act=nn.Tanh(), drop=nn.Dropout(0.25), out=nn.Linear(6, 2)))
            self.skip = nn.Identity()

        def forward(self, x):
            return self.head(self.skip(self.hidden(x)))

    return Classifier


BUILDERS = {"lesson": lesson_model, "toy": toy_model, "subclass": lambda engine: classifier_class(engine)()}
each_model = pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())


def both(build):
    return build(gradstep), build(torch)


def shapes(named):
    return [(name, tuple(tensor.shape)) for name, tensor in named]


@each_model
def test_named_parameters_have_pytorchs_names_and_shapes(build):
    ours, theirs = both(build)
    assert shapes(ours.named_parameters()) == shapes(theirs.named_parameters())
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert all(p.requires_grad and p.is_leaf for p in ours.parameters())


@each_model
def test_children_and_modules_walk_the_tree_in_the_same_order(build):
    ours, theirs = both(build)
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [(name, type(m).__name__) for name, m in ours.named_modules()] == [
        (name, type(m).__name__) for name, m in theirs.named_modules()
    ]


@each_model
def test_repr_is_pytorchs(build):
    ours, theirs = both(build)
    assert repr(ours) == repr(theirs)


@each_model
def test_state_dict_has_pytorchs_keys_and_detached_tensors(build):
    ours, theirs = both(build)
    assert shapes(ours.state_dict().items()) == shapes(theirs.state_dict().items())
    assert not any(tensor.requires_grad for tensor in ours.state_dict().values())


def test_train_and_eval_set_the_flag_on_every_module():
    for engine in (gradstep, torch):
        model = classifier_class(engine)()
        assert all(m.training for m in model.modules())
        assert model.eval() is model
        assert not any(m.training for m in model.modules())
        model.train()
        assert all(m.training for m in model.modules())
        model.head.train(False)
        assert [m.training for m in model.modules()] == [True, True, False, False, False, False, True]


def test_zero_grad_clears_every_gradient():
    model = toy_model(gradstep)
    model(gradstep.rand(4, 20)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any().item() for p in model.parameters())
    model.zero_grad()  # PyTorch's default since 2.0: forget the tensors altogether
    assert all(p.grad is None for p in model.parameters())


def test_load_state_dict_copies_values_into_the_existing_parameters():
    model, source = toy_model(gradstep), toy_model(gradstep)
    weight = model[0].weight
    model.load_state_dict(source.state_dict())
    assert model[0].weight is weight  # the optimizer still holds this very tensor
    assert gradstep.equal(weight, source[0].weight)


def load_errors(engine, edit, strict=True):
    """The message of the error that loading an edited state_dict raises."""
    model = toy_model(engine)
    state = dict(model.state_dict())
    edit(engine, state)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state, strict=strict)
    return str(error.value)


def drop_bias(engine, state):
    del state["4.bias"]


def add_key(engine, state):
    state["5.weight"] = engine.zeros(1)


def wrong_shape(engine, state):
    state["2.weight"] = engine.zeros(8, 14)


def everything_wrong(engine, state):
    for edit in (drop_bias, add_key, wrong_shape):
        edit(engine, state)


@pytest.mark.parametrize("edit", [drop_bias, add_key, wrong_shape, everything_wrong])
def test_load_state_dict_errors_say_what_pytorchs_say(edit):
    ours, theirs = load_errors(gradstep, edit), load_errors(torch, edit)
    assert ours.splitlines() == [line.rstrip().replace("torch.", "gradstep.") for line in theirs.splitlines()]


def test_load_state_dict_error_names_missing_unexpected_and_misshaped_keys():
    message = load_errors(gradstep, everything_wrong)
    assert '"4.bias"' in message and '"5.weight"' in message
    assert "2.weight" in message and "[8, 14]" in message and "[8, 13]" in message


def test_non_strict_loading_reports_the_keys_and_still_refuses_wrong_shapes():
    for engine in (gradstep, torch):
        model = toy_model(engine)
        state = dict(model.state_dict())
        drop_bias(engine, state)
        add_key(engine, state)
        result = model.load_state_dict(state, strict=False)
        assert (result.missing_keys, result.unexpected_keys) == (["4.bias"], ["5.weight"])
    assert load_errors(gradstep, wrong_shape, strict=False).splitlines() == [
        line.rstrip().replace("torch.", "gradstep.") for line in load_errors(torch, wrong_shape, strict=False).splitlines()
    ]


def test_a_shared_layer_is_listed_once():
    for engine in (gradstep, torch):
        layer = engine.nn.Linear(3, 3)
        model = engine.nn.Sequential(layer, engine.nn.ReLU(), layer)
        assert len(list(model.parameters())) == 2
        assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_buffers_are_saved_unless_not_persistent():
    for engine in (gradstep, torch):
        module = engine.nn.Module()
        module.register_buffer("running", engine.zeros(2))
        module.register_buffer("scratch", engine.zeros(2), persistent=False)
        assert list(module.state_dict()) == ["running"]
        assert [name for name, _ in module.named_buffers()] == ["running", "scratch"]


def test_double_and_float_convert_every_parameter():
    model = toy_model(gradstep).double()
    assert {p.dtype for p in model.parameters()} == {gradstep.float64}
    assert model(gradstep.rand(2, 20, dtype=gradstep.float64)).dtype == gradstep.float64
    assert {p.dtype for p in model.float().parameters()} == {gradstep.float32}


def test_requires_grad_false_freezes_the_model():
    model = toy_model(gradstep).requires_grad_(False)
    assert not model(gradstep.rand(2, 20)).requires_grad


def test_apply_visits_children_before_their_parent():
    for engine in (gradstep, torch):
        visited = []
        classifier_class(engine)().apply(lambda m: visited.append(type(m).__name__))
        assert visited == ["Linear", "Tanh", "Dropout", "Linear", "Sequential", "Identity", "Classifier"]


def test_sequential_indexing_slicing_and_append():
    ours, theirs = both(toy_model)
    assert repr(ours[2]) == repr(theirs[2]) and repr(ours[-1]) == repr(theirs[-1])
    assert repr(ours[1:3]) == repr(theirs[1:3])
    assert len(ours) == 5 and [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    ours.append(gradstep.nn.Softmax(dim=1))
    theirs.append(torch.nn.Softmax(dim=1))
    assert repr(ours) == repr(theirs)
    with pytest.raises(IndexError, match="6"):
        ours[6]


def test_subclass_must_call_super_init_and_define_forward():
    class Forgetful(gradstep.nn.Module):
        def __init__(self):
            self.layer = gradstep.nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Forgetful()
    with pytest.raises(NotImplementedError, match="forward"):
        gradstep.nn.Module()(gradstep.zeros(1))


def test_parameter_repr_and_flags_are_pytorchs():
    ours, theirs = gradstep.nn.Parameter(gradstep.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert repr(ours) == repr(theirs)
    frozen = gradstep.nn.Parameter(gradstep.ones(2), requires_grad=False)
    assert not frozen.requires_grad and frozen.is_leaf


def test_a_parameter_cannot_be_replaced_by_a_plain_tensor():
    # The classic slip of a hand-written update: the result is not a Parameter any more.
    for engine in (gradstep, torch):
        layer = engine.nn.Linear(2, 2)
        with pytest.raises(TypeError, match="cannot assign .* as parameter 'weight'"):
            layer.weight = layer.weight * 2
        assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_assigning_none_or_a_new_tensor_keeps_the_registration():
    for engine in (gradstep, torch):
        layer = engine.nn.Linear(2, 2)
        layer.bias = None
        assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
        loss = engine.nn.CrossEntropyLoss(weight=engine.ones(3))
        loss.weight = engine.ones(3) * 2
        assert list(loss.state_dict()) == ["weight"] and loss.weight.tolist() == [2.0, 2.0, 2.0]


def test_a_parameter_or_module_replaces_a_plain_attribute_of_the_same_name():
    for engine in (gradstep, torch):
        module = engine.nn.Module()
        module.scale = 1.0
        module.scale = engine.nn.Parameter(engine.ones(1))
        module.head = None
        module.head = engine.nn.Identity()
        assert isinstance(module.scale, engine.nn.Parameter) and list(module.state_dict()) == ["scale"]
        assert [name for name, _ in module.named_children()] == ["head"]


def test_a_pytorch_state_dict_loads_as_it_is():
    ours, theirs = toy_model(gradstep), toy_model(torch)
    ours.load_state_dict(theirs.state_dict())
    for (name, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert mine.tolist() == reference.tolist(), name


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
def test_attributes_follow_every_change_to_parameters_buffers_and_submodules(engine):
    import copy

    nn = engine.nn
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    layer, norm = model[0], model[1]
    layer.weight = nn.Parameter(engine.ones(2, 3))  # replaced
    layer.bias = None  # a parameter set to None stays registered
    norm.register_buffer("scale", engine.ones(2))
    norm.scale = engine.zeros(2)  # a buffer replaced
    del norm.running_var
    model.append(nn.ReLU())
    del model[2]
    model[1] = nn.Identity()  # replaced in place
    head = nn.ModuleDict({"out": nn.Linear(2, 1)})
    head["out"] = nn.Linear(2, 4)
    head.pop("out")
    params = nn.ParameterDict({"w": nn.Parameter(engine.ones(1))})
    params["w"] = nn.Parameter(engine.zeros(1))
    twin = copy.deepcopy(model)
    for module in (layer, norm, model, head, params, twin, twin[0]):
        for registry in (module._parameters, module._buffers, module._modules):
            for name, value in registry.items():
                assert getattr(module, name) is value, (type(module).__name__, name)
    assert layer.weight.sum().item() == 6 and layer.bias is None
    assert norm.scale.sum().item() == 0 and not hasattr(norm, "running_var")
    assert not hasattr(head, "out") and params.w.item() == 0
    assert isinstance(model[1], nn.Identity) and len(model) == 2
    assert twin[0].weight is not layer.weight and twin[0].weight.sum().item() == 6


def test_a_name_the_class_defines_stays_the_class_attribute_as_in_pytorch():
    for engine in (gradstep, torch):
        model = engine.nn.Module()
        model.train = engine.nn.Linear(1, 1)  # registered, but `train` is still the method
        assert callable(model.train) and "train" in model._modules
        assert not isinstance(model.train, engine.nn.Module)


@pytest.mark.parametrize("engine", [gradstep, torch], ids=["gradstep", "torch"])
def test_deepcopy_of_a_model_copies_its_weights_once_and_refuses_a_result(engine):
    import copy

    nn = engine.nn
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)  # one layer used twice
    model(engine.ones(1, 2)).sum().backward()
    twin = copy.deepcopy(model)
    assert twin[0] is twin[2] and twin[0].weight is not shared.weight
    assert twin[0].weight.tolist() == shared.weight.tolist() and twin[0].weight.requires_grad
    assert twin[0].weight.grad is None  # a Parameter's copy leaves .grad behind, as in PyTorch
    with engine.no_grad():
        twin[0].weight.zero_()
    assert shared.weight.abs().sum().item() > 0

    leaf = engine.ones(2, requires_grad=True)
    (leaf * 2).sum().backward()
    copied = copy.deepcopy(leaf)  # a plain tensor's copy takes .grad along
    assert copied.grad.tolist() == [2.0, 2.0] and copied.grad is not leaf.grad
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(leaf * 2)


def test_a_dropped_model_is_freed_at_once_without_the_garbage_collector():
    import gc
    import weakref

    gc.disable()  # freed by reference counting alone: nothing in a model refers back to it
    try:
        model = gradstep.nn.Sequential(gradstep.nn.Linear(2, 2), gradstep.nn.BatchNorm1d(2))
        gone = weakref.ref(model[0])
        del model
        assert gone() is None
    finally:
        gc.enable()
