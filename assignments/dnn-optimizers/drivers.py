"""Drivers of dnn-optimizers: how each check exercises the student's code (runs in the sandbox).

Each driver takes the harness context ``ctx`` and returns a dict of named outputs. Drivers hold
no reference solution. To check one TODO apart from the others they pass activations of their
own (tanh, and a sigmoid equal to the given one), build networks and optimizers without the
student's other TODOs (``_bare_network``, ``_Net``), replace called TODOs by recording stubs
whose fakes return arbitrary values of the right shapes, and train a logistic regression whose
gradient is not any TODO of this homework.
"""

import numpy as np

MOD = "dnn_optimizers"

# --- helpers -------------------------------------------------------------------------------


def _snapshot(value):
    """A deep copy of plain data, so later in-place updates cannot change what we recorded."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _pair(out, name, first, second):
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{name} must return a tuple ({first}, {second}); it returned "
                        f"{type(out).__name__}")
    return out


def _dict(value, what):
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict; it is {type(value).__name__}")
    return value


class _Tanh:
    """An activation of the grader's own (not ReLU), so a layer is checked apart from ReLU."""

    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 - np.tanh(x) ** 2

    def __call__(self, x):
        return self.forward(x)


class _Sigmoid:
    """The same function as the given Sigmoid (the notebook's network uses it)."""

    def forward(self, x):
        return 1 / (1 + np.exp(-x))

    def derivative(self, x):
        return self.forward(x) * (1 - self.forward(x))

    def __call__(self, x):
        return self.forward(x)


def _act(name):
    return {"tanh": _Tanh, "sigmoid": _Sigmoid}[name]()


def _cost(A, Y):
    return float(np.sum((np.asarray(A) - Y) ** 2) / (2 * Y.shape[1]))


def _fake(index, salt, shape):
    rng = np.random.RandomState(10007 * (index + 1) + salt)
    return rng.randn(*shape)


class _Net:
    """What the optimizers use of a network: ``parameters`` and ``grads``."""

    def __init__(self, parameters, grads=None):
        self.parameters = parameters
        self.grads = grads if grads is not None else {}


def _bare_network(ctx, act, parameters=None):
    """A NeuralNetwork built without the student's initialize() (a separate TODO)."""
    cls = ctx.resolve(f"{MOD}:NeuralNetwork")
    net = cls.__new__(cls)
    net.n_x = int(ctx.inputs["n_x"]) if "n_x" in ctx.inputs else None
    net.n_y = int(ctx.inputs["n_y"]) if "n_y" in ctx.inputs else None
    net.n_h = int(ctx.inputs["n_h"]) if "n_h" in ctx.inputs else None
    net.depth = int(ctx.inputs["depth"]) if "depth" in ctx.inputs else None
    net.act = act
    if parameters is not None:
        net.parameters = parameters
        net.depth = len(parameters) // 2
    return net


# --- call logs: arguments in signature order, the grader's objects named ------------------------

SIGNATURES = {
    "layer": ["A_prev", "W", "b", "act"],
    "initialize_dnn_parameters": ["layer_dims"],
    "back_propagation": ["Y", "parameters", "caches", "act_derivative"],
    "gradient_descent_step": ["parameters", "grads", "learning_rate"],
}


def _tag(value):
    if isinstance(value, (_Tanh, _Sigmoid)):
        return "the activation passed in"
    func = getattr(value, "__func__", None)
    owner = getattr(value, "__self__", None)
    if func is not None and isinstance(owner, (_Tanh, _Sigmoid)):
        return f"the activation's {func.__name__}"
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not all(isinstance(v, (int, np.integer))
                                                    for v in value):
        return [_tag(v) for v in value]
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1 and \
            np.asarray(value).dtype.kind in "iu":
        return [int(v) for v in value]
    if callable(value):
        return f"a callable {type(value).__name__}"
    return value


def _normalize_calls(ctx):
    """Positional and keyword arguments in signature order; objects named by strings."""
    for call in ctx.calls:
        names = SIGNATURES.get(call.get("fn"), [])
        args = list(call.get("args", []))
        kwargs = dict(call.get("kwargs", {}))
        ordered = []
        for i, name in enumerate(names):
            if i < len(args):
                ordered.append(args[i])
            elif name in kwargs:
                ordered.append(kwargs.pop(name))
            else:
                ordered.append("(not passed)")
        ordered += args[len(names):]
        call["args"] = [_tag(a) for a in ordered]
        call["kwargs"] = {k: _tag(v) for k, v in kwargs.items()}


# --- initialization --------------------------------------------------------------------------


def init_params(ctx):
    np.random.seed(int(ctx.inputs["seed"]))
    params = _dict(ctx.target(list(ctx.inputs["layer_dims"])), "initialize_dnn_parameters()")
    return {"parameters": _snapshot(params)}


def init_spread(ctx):
    """Shapes, spread of the weights and the biases, whatever the random draws."""
    np.random.seed(int(ctx.inputs["seed"]))
    dims = list(ctx.inputs["layer_dims"])
    params = _dict(ctx.target(dims), "initialize_dnn_parameters()")
    shapes, spread, biases = {}, {}, {}
    for l in range(1, len(dims)):
        for name in (f"W{l}", f"b{l}"):
            if name not in params:
                raise KeyError(f"parameters has no '{name}' (layers are numbered from 1)")
            shapes[name] = [int(s) for s in np.shape(params[name])]
        spread[f"W{l}"] = float(np.std(params[f"W{l}"]))
        biases[f"b{l}"] = np.asarray(params[f"b{l}"], dtype=np.float64)
    return {"shapes": shapes, "weight_std": spread, "biases": biases}


# --- ReLU ------------------------------------------------------------------------------------


def relu_forward(ctx):
    relu = ctx.resolve(f"{MOD}:ReLU")()
    return {"out": relu.forward(ctx.inputs["x"])}


def relu_derivative(ctx):
    relu = ctx.resolve(f"{MOD}:ReLU")()
    return {"dout": relu.derivative(ctx.inputs["x"])}


# --- layer / forward -------------------------------------------------------------------------


def layer(ctx):
    """``layer(A_prev, W, b[, act])``: the default ReLU, or the grader's activation."""
    args = [ctx.inputs["A_prev"], ctx.inputs["W"], ctx.inputs["b"]]
    if ctx.params.get("act"):
        args.append(_act(ctx.params["act"]))
    A, Z = _pair(ctx.target(*args), "layer", "A", "Z")
    return {"A": A, "Z": Z}


def forward(ctx):
    """``forward_propagation(X, parameters[, act])``; the notebook's cost when Y is given."""
    args = [ctx.inputs["X"], ctx.inputs["parameters"]]
    if ctx.params.get("act"):
        args.append(_act(ctx.params["act"]))
    A, caches = _pair(ctx.target(*args), "forward_propagation", "A", "caches")
    out = {"A": _snapshot(A), "caches": _snapshot(_dict(caches, "caches"))}
    if "Y" in ctx.inputs:
        out["cost"] = _cost(A, ctx.inputs["Y"])
    return out


def fake_layer(i, A_prev, W, b, act=None):
    shape = (np.shape(W)[0], np.shape(A_prev)[1])
    return np.abs(_fake(i, 1, shape)), _fake(i, 2, shape)


def forward_wiring(ctx):
    """forward_propagation with layer() replaced by a recording stub."""
    A, caches = _pair(ctx.target(ctx.inputs["X"], ctx.inputs["parameters"], _Tanh()),
                      "forward_propagation", "A", "caches")
    out = {"A": _snapshot(A), "caches": _snapshot(_dict(caches, "caches"))}
    _normalize_calls(ctx)
    return out


# --- backpropagation -------------------------------------------------------------------------


def backward(ctx):
    """``back_propagation(Y, parameters, caches[, act_derivative])``."""
    args = [ctx.inputs["Y"], ctx.inputs["parameters"], ctx.inputs["caches"]]
    if ctx.params.get("act"):
        args.append(_act(ctx.params["act"]).derivative)
    return {"grads": _snapshot(_dict(ctx.target(*args), "the returned grads"))}


# --- NeuralNetwork ---------------------------------------------------------------------------


def network_initialize(ctx):
    if "rng_state" in ctx.inputs:
        np.random.set_state(tuple(ctx.inputs["rng_state"]))
    net = _bare_network(ctx, _Sigmoid())
    net.initialize()
    return {"parameters": _snapshot(_dict(getattr(net, "parameters", None),
                                          "self.parameters"))}


def fake_initialize_dnn_parameters(i, layer_dims):
    dims = [int(d) for d in layer_dims]
    out = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = _fake(i, 10 + l, (dims[l], dims[l - 1]))
        out[f"b{l}"] = _fake(i, 30 + l, (dims[l], 1))
    return out


def network_initialize_wiring(ctx):
    net = _bare_network(ctx, _Sigmoid())
    net.initialize()
    params = getattr(net, "parameters", None)
    _normalize_calls(ctx)
    return {"parameters": _snapshot(_dict(params, "self.parameters"))}


def network_backward(ctx):
    """``network.backward(Y)`` on a network whose parameters and caches are the case's."""
    net = _bare_network(ctx, _act(ctx.params.get("act", "sigmoid")),
                        ctx.inputs["parameters"])
    net.caches = ctx.inputs["caches"]
    net.backward(ctx.inputs["Y"])
    grads = getattr(net, "grads", None)
    _normalize_calls(ctx)
    return {"grads": _snapshot(_dict(grads, "self.grads"))}


def fake_back_propagation(i, Y, parameters, caches, act_derivative=None):
    out = {}
    for k, v in parameters.items():
        out["d" + k] = _fake(i, len(out) + 50, np.shape(v))
    return out


# --- gradient descent and the optimizers -----------------------------------------------------


def gd_step(ctx):
    params = ctx.inputs["parameters"]
    ctx.target(params, ctx.inputs["grads"], float(ctx.inputs["learning_rate"]))
    return {"parameters": _snapshot(params)}


def fake_gradient_descent_step(i, parameters, grads, learning_rate):
    return None


def _optimizer(ctx, net):
    name = ctx.params["optimizer"]
    cls = ctx.resolve(f"{MOD}:{name}")
    return cls(net, float(ctx.inputs["learning_rate"]), **dict(ctx.inputs.get("hyper") or {}))


def _state_of(opt):
    state = {}
    for attr in ("velocities", "squared_gradients"):
        if hasattr(opt, attr):
            state[attr] = _snapshot(getattr(opt, attr))
    return state


def gd_optimizer_wiring(ctx):
    """GradientDescent.step with gradient_descent_step replaced by a recording stub."""
    net = _Net(ctx.inputs["parameters"], ctx.inputs["grads"])
    opt = _optimizer(ctx, net)
    opt.step()
    _normalize_calls(ctx)
    return {}


def opt_step(ctx):
    """One ``optimizer.step()`` from the case's state (velocities, squared gradients)."""
    net = _Net(ctx.inputs["parameters"], ctx.inputs["grads"])
    opt = _optimizer(ctx, net)
    for attr, value in (ctx.inputs.get("state") or {}).items():
        setattr(opt, attr, value)
    opt.step()
    return {"parameters": _snapshot(net.parameters), **_state_of(opt)}


def opt_chain(ctx):
    """Several steps of one fresh optimizer; the gradients are the case's."""
    net = _Net(ctx.inputs["parameters"])
    opt = _optimizer(ctx, net)
    steps = []
    for grads in ctx.inputs["grad_sequence"]:
        net.grads = grads
        opt.step()
        steps.append({"parameters": _snapshot(net.parameters), **_state_of(opt)})
    return {"steps": steps}


def _logistic(params, X, Y):
    """Binary cross-entropy of a logistic regression and its gradient (not a TODO here)."""
    z = params["W1"] @ X + params["b1"]
    p = 1 / (1 + np.exp(-z))
    m = X.shape[1]
    loss = float(-np.mean(Y * np.log(p + 1e-12) + (1 - Y) * np.log(1 - p + 1e-12)))
    dz = (p - Y) / m
    return loss, {"dW1": dz @ X.T, "db1": dz.sum(axis=1, keepdims=True)}


def opt_train(ctx):
    """Train a logistic regression with the student's optimizer; report the loss curve."""
    X, Y = ctx.inputs["X"], ctx.inputs["Y"]
    net = _Net(ctx.inputs["parameters"])
    opt = _optimizer(ctx, net)
    losses = []
    for _ in range(int(ctx.inputs["iterations"])):
        loss, net.grads = _logistic(net.parameters, X, Y)
        losses.append(loss)
        opt.step()
    final, _ = _logistic(net.parameters, X, Y)
    first, _ = _logistic(ctx.inputs["parameters"], X, Y)
    return {"initial_loss": first, "final_loss": final,
            "losses": np.asarray(losses, dtype=np.float64)}


def notebook_loop(ctx):
    """The notebook's 10-iteration loop on its Sigmoid network, with the student's code:
    ``A = network(X); network.backward(Y); losses.append(compute_cost(A, Y))`` then
    ``gradient_descent_step(...)`` or ``optimizer.step()``."""
    X, Y = ctx.inputs["X"], ctx.inputs["Y"]
    net = _bare_network(ctx, _Sigmoid(), ctx.inputs["parameters"])
    lr = float(ctx.inputs["learning_rate"])
    if ctx.params["optimizer"] == "gradient_descent_step":
        step = ctx.resolve(f"{MOD}:gradient_descent_step")

        def advance():
            step(net.parameters, net.grads, lr)
    else:
        advance = _optimizer(ctx, net).step
    losses = []
    for _ in range(int(ctx.inputs["iterations"])):
        A = net(X)
        net.backward(Y)
        losses.append(_cost(A, Y))
        advance()
    return {"losses": np.asarray(losses), "parameters": _snapshot(net.parameters)}


def notebook_train(ctx):
    """The notebook's ``train(network, Adam(...), X, Y, X, Y, num_iterations=10)`` on a ReLU
    network (the student's ReLU), with the given train()."""
    X, Y = ctx.inputs["X"], ctx.inputs["Y"]
    net = _bare_network(ctx, ctx.resolve(f"{MOD}:ReLU")(), ctx.inputs["parameters"])
    opt = _optimizer(ctx, net)
    train = ctx.resolve(f"{MOD}:train")
    out = _pair(train(net, opt, X, Y, X, Y, num_iterations=int(ctx.inputs["iterations"])),
                "train", "train_losses", "test_losses")
    return {"train_losses": np.asarray(out[0]), "test_losses": np.asarray(out[1])}
