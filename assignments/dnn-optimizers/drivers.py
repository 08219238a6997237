"""Drivers of dnn-optimizers: how each check exercises the student's code.

Drivers run in the grader's trusted process. ``ctx.target`` and ``ctx.student(...)`` are the
student's functions and classes in the sandbox: each call sends that call's arguments (fresh
copies of the case inputs) to the check's child and returns what the student's code returned,
as plain data. Everything a verdict compares with is computed here or comes from the fixtures:

- objects (ReLU, NeuralNetwork, the optimizers) are built with the student's own constructors,
  then given the state under test (parameters, caches, velocities...); where a constructor
  raises (it is given code), the object is made without it and the feedback says so;
- a composite TODO (``layer`` with the default ReLU, ``forward_propagation``,
  ``back_propagation`` with the default derivative, ``NeuralNetwork.initialize``,
  ``NeuralNetwork.backward``, ``GradientDescent.step``) declares the TODOs it calls as blocks
  in the manifest: their calls are answered by the reference outside the sandbox, so a bug in
  a block is charged to the block only, and a composite is judged by its result whatever it
  calls;
- the optimizers are judged by what their ``step()`` does to the parameters (and to their
  documented state): the training loops (the notebook's Sigmoid network, its ReLU network
  trained with ``train()``, a logistic regression) compute every forward pass, gradient and
  loss here, from the parameters the student's update rule returned; only the gradients
  enter the sandbox, never the data;
- an activation of the grader's own (``Tanh`` in ``helpers.py``) is passed where a check
  must not depend on ReLU.
"""

import builtins

import numpy as np

MOD = "dnn_optimizers"
CONSTRUCTOR_SEED = 0

#: The optimizer's documented state (set by the given __init__), per class.
STATE = {"GradientDescent": [], "GradientDescentWithMomentum": ["velocities"],
         "RMSProp": ["squared_gradients"], "Adam": ["velocities", "squared_gradients"]}

# --- building the student's objects -------------------------------------------------------


def _exception_name(fault):
    """The exception's type for a note: Python's own names only (a class of the student's
    could be named anything)."""
    name = str(fault.error.get("type") or "")
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return name
    return "an exception of a class defined in your code"


def _new(ctx, name, *args, state=None, **kwargs):
    """An object of the student's class ``name`` made by its own constructor; if that raises,
    one made without it and given ``state`` (the constructor's attributes, or a function
    returning them), with a note."""
    cls = ctx.student(f"{MOD}:{name}")
    try:
        return ctx.new(cls, *args, **kwargs)
    except ctx.Fault as fault:
        obj = ctx.call(ctx.lib("bare"), cls, keep=True)
        if callable(state):
            state = state()
        if state:
            ctx.call(ctx.helper("set_attrs"), obj, state)
        note = (f"your {name}.__init__ raised {_exception_name(fault)}; this check built the "
                f"{name} without it and set the state under test itself")
        if note not in ctx.notes:
            ctx.notes.append(note)
        return obj


def _activation(ctx, name):
    """The activation of a check: the grader's tanh, the given Sigmoid, or None (the
    default, the student's ReLU)."""
    if name == "tanh":
        return ctx.new(ctx.helper("Tanh"))
    if name == "sigmoid":
        return _new(ctx, "Sigmoid")
    if name == "relu":
        return _new(ctx, "ReLU")
    return None


def _network(ctx, dims, act=None):
    """A NeuralNetwork of ``dims`` = [n_x, n_h, ..., n_h, n_y] made by the student's
    constructor (after seeding numpy: it draws the initial weights), ``act`` its activation
    (None: the default)."""
    n_x, n_y, n_h, depth = int(dims[0]), int(dims[-1]), int(dims[1] if len(dims) > 2 else
                                                             dims[-1]), len(dims) - 1
    ctx.seed(CONSTRUCTOR_SEED)
    kwargs = {} if act is None else {"act": act}
    attrs = {"n_x": n_x, "n_y": n_y, "n_h": n_h, "depth": depth}

    def state():  # the constructor's attributes, if it raises (the default act: ReLU())
        return dict(attrs, act=_new(ctx, "ReLU") if act is None else act)

    net = _new(ctx, "NeuralNetwork", n_x, n_y, n_h, depth, state=state, **kwargs)
    ctx.call(ctx.helper("set_attrs"), net, attrs)
    return net


def _optimizer(ctx, net, learning_rate, hyper):
    """The student's optimizer (the check's ``optimizer`` class) on ``net``, made by its own
    constructor with ``hyper`` (betas) as keyword arguments; its state starts empty."""
    name = ctx.params["optimizer"]
    state = {"network": net, "learning_rate": float(learning_rate), **hyper}
    defaults = {"GradientDescentWithMomentum": {"beta": 0.9}, "RMSProp": {"beta": 0.9},
                "Adam": {"beta1": 0.9, "beta2": 0.999}}.get(name, {})
    for key, value in defaults.items():
        state.setdefault(key, value)
    for attr in STATE[name]:
        state[attr] = {}
    return _new(ctx, name, net, float(learning_rate), state=state, **hyper)


# --- reading what came back ---------------------------------------------------------------


def _kind(value):
    """What ``value`` is, for a message: Python's own type names only (a class of the
    student's could be named anything)."""
    name = getattr(value, "type_name", None) or type(value).__name__
    if isinstance(getattr(builtins, name, None), type) or name in ("ndarray", "NoneType"):
        return f"a {name}"
    return "an object of a class defined in your code"


def _dict(ctx, value, what):
    if not isinstance(value, dict):
        ctx.fail(f"{what} must be a dict; it is {'None' if value is None else _kind(value)}")
    return value


def _arrays(ctx, value, like, what):
    """``value`` as a dict of float arrays with the keys and shapes of ``like``."""
    value = _dict(ctx, value, what)
    out = {}
    for key, ref in like.items():
        if key not in value:
            ctx.fail(f"{what} has no '{key}'")
        out[key] = ctx.array(value[key], np.shape(ref), f"{what}['{key}']")
    return out


# --- trusted computations (the given code, and the conventions the starter states) --------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ACTS = {
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "relu": (lambda x: np.maximum(0, x), lambda x: (x >= 0).astype(np.float64)),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
}


def _cost(A, Y):
    """compute_cost (given): 1/(2m) ||A - Y||^2."""
    return float(np.sum((np.asarray(A, dtype=np.float64) - Y) ** 2) / (2 * Y.shape[1]))


def _loss_and_grads(params, X, Y, act):
    """The network's square loss and its gradients (every layer applies ``act``)."""
    f, df = ACTS[act]
    L = len(params) // 2
    caches = {"A0": X}
    A = X
    with np.errstate(all="ignore"):
        for l in range(1, L + 1):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            A = f(Z)
            caches[f"Z{l}"], caches[f"A{l}"] = Z, A
        grads = {}
        dZ = (A - Y) / Y.shape[1] * df(caches[f"Z{L}"])
        for l in range(L, 0, -1):
            grads[f"dW{l}"] = dZ @ caches[f"A{l - 1}"].T
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
            if l > 1:
                dZ = params[f"W{l}"].T @ dZ * df(caches[f"Z{l - 1}"])
    return _cost(A, Y), grads


def _logistic(params, X, Y):
    """Binary cross-entropy of a logistic regression and its gradient (not a TODO here)."""
    with np.errstate(all="ignore"):
        z = params["W1"] @ X + params["b1"]
        p = 1 / (1 + np.exp(-z))
        loss = float(-np.mean(Y * np.log(p + 1e-12) + (1 - Y) * np.log(1 - p + 1e-12)))
        dz = (p - Y) / X.shape[1]
    return loss, {"dW1": dz @ X.T, "db1": dz.sum(axis=1, keepdims=True)}


# --- initialization ------------------------------------------------------------------------


def init_params(ctx):
    """``initialize_dnn_parameters(layer_dims)`` after ``np.random.seed(seed)``."""
    ctx.seed(int(ctx.inputs["seed"]))
    params = ctx.target(list(ctx.inputs["layer_dims"]))
    return {"parameters": _dict(ctx, params, "the returned parameters")}


def init_spread(ctx):
    """Shapes, spread of the weights and the biases, whatever the random draws."""
    ctx.seed(int(ctx.inputs["seed"]))
    dims = list(ctx.inputs["layer_dims"])
    params = _dict(ctx, ctx.target(dims), "the returned parameters")
    shapes, spread, biases = {}, {}, {}
    for l in range(1, len(dims)):
        for name in (f"W{l}", f"b{l}"):
            if name not in params:
                ctx.fail(f"parameters has no '{name}' (layers are numbered from 1)")
            shapes[name] = [int(s) for s in np.shape(params[name])]
        spread[f"W{l}"] = float(np.std(ctx.array(params[f"W{l}"], np.shape(params[f"W{l}"]),
                                                 f"W{l}")))
        biases[f"b{l}"] = ctx.array(params[f"b{l}"], np.shape(params[f"b{l}"]), f"b{l}")
    return {"shapes": shapes, "weight_std": spread, "biases": biases}


# --- ReLU ------------------------------------------------------------------------------------


def relu_forward(ctx):
    relu = _new(ctx, "ReLU")
    return {"out": ctx.call(relu.forward, ctx.inputs["x"])}


def relu_derivative(ctx):
    relu = _new(ctx, "ReLU")
    return {"dout": ctx.call(relu.derivative, ctx.inputs["x"])}


# --- layer / forward -------------------------------------------------------------------------


def layer(ctx):
    """``layer(A_prev, W, b[, act])``: the default ReLU (answered by the reference), or the
    grader's tanh."""
    args = [ctx.inputs["A_prev"], ctx.inputs["W"], ctx.inputs["b"]]
    act = _activation(ctx, ctx.params.get("act"))
    if act is not None:
        args.append(act)
    A, Z = ctx.pair(ctx.target(*args), "layer", "A", "Z")
    return {"A": A, "Z": Z}


def forward(ctx):
    """``forward_propagation(X, parameters[, act])`` (layer and the activation answered by the
    reference); the notebook's cost of the returned A (computed here) when Y is given."""
    args = [ctx.inputs["X"], ctx.inputs["parameters"]]
    act = _activation(ctx, ctx.params.get("act"))
    if act is not None:
        args.append(act)
    A, caches = ctx.pair(ctx.target(*args), "forward_propagation", "A", "caches")
    caches = dict(_dict(ctx, caches, "caches"))
    X = ctx.inputs["X"]
    # A0 is the input X: checked here (an expected output equal to an input would be
    # another check's input given away)
    a0 = ctx.array(caches.pop("A0", None), X.shape, "caches['A0']")
    if not np.array_equal(a0, X):
        ctx.fail("caches['A0'] must be X itself (the activations of layer 0)")
    if ctx.params.get("caches") == "Z":  # the notebook cell prints the Z{l} only
        caches = {k: v for k, v in caches.items() if str(k).startswith("Z")}
    out = {"A": A, "caches": caches}
    if "Y" in ctx.inputs:
        L = len(ctx.inputs["parameters"]) // 2
        shape = (np.shape(ctx.inputs["parameters"][f"W{L}"])[0], ctx.inputs["X"].shape[1])
        out["cost"] = _cost(ctx.array(A, shape, "A"), ctx.inputs["Y"])
    return out


# --- backpropagation -------------------------------------------------------------------------


def backward(ctx):
    """``back_propagation(Y, parameters, caches[, act_derivative])``: the default ReLU
    derivative (answered by the reference), or the grader's tanh's."""
    args = [ctx.inputs["Y"], ctx.inputs["parameters"], ctx.inputs["caches"]]
    act = _activation(ctx, ctx.params.get("act"))
    if act is not None:
        args.append(act.derivative)
    return {"grads": _dict(ctx, ctx.target(*args), "the returned grads")}


# --- NeuralNetwork ---------------------------------------------------------------------------


def network_initialize(ctx):
    """``network.initialize()`` of a network made by the student's constructor, numpy's
    generator set to the case's state first (initialize_dnn_parameters answered by the
    reference, with that generator)."""
    i = ctx.inputs
    dims = [int(i["n_x"])] + [int(i["n_h"])] * (int(i["depth"]) - 1) + [int(i["n_y"])]
    net = _network(ctx, dims, _activation(ctx, ctx.params.get("act")))
    if "rng_state" in i:
        state = tuple(i["rng_state"])
        ctx.call(ctx.lib("set_rng_state"), i["rng_state"])
    else:
        state = np.random.RandomState(int(i["seed"])).get_state()
        ctx.seed(int(i["seed"]))
    ctx.call(net.initialize)
    got = ctx.call(ctx.helper("get_attrs"), net, ["parameters"])
    params = _dict(ctx, got.get("parameters"), "self.parameters")
    return {"parameters": _first_draw(ctx, params, dims, state)}


def _draws(state, dims, count):
    """The parameters of ``count`` initializations of ``dims`` in a row from the generator
    state ``state`` (the starter's convention: one randn per layer, in order; trusted)."""
    rs = np.random.RandomState()
    rs.set_state(state)
    out = []
    for _ in range(count):
        params = {}
        for l in range(1, len(dims)):
            params[f"W{l}"] = rs.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
            params[f"b{l}"] = np.zeros((dims[l], 1))
        out.append(params)
    return out


def _same(a, b):
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-9 * (1 + np.abs(b))))


def _first_draw(ctx, params, dims, state):
    """An initialize() that drew the parameters more than once (initialize_dnn_parameters
    called again, its first result thrown away) keeps weights as random as the first draw's:
    accepted, compared as the first draw, with a note. Anything else is compared as it is."""
    draws = _draws(state, dims, 4)
    if all(_same(params.get(k), v) for k, v in draws[0].items()):
        return params
    for k, draw in enumerate(draws[1:], start=2):
        if set(params) == set(draw) and all(_same(params[n], v) for n, v in draw.items()):
            ctx.notes.append(f"your initialize() drew the parameters {k} times (only the "
                             "last draw kept): accepted, but the notebook's printed weights "
                             "need a single draw")
            return draws[0]
    return params


def network_backward(ctx):
    """``network.backward(Y)`` on a network holding the case's parameters and caches
    (back_propagation and ReLU's derivative answered by the reference)."""
    i = ctx.inputs
    params = i["parameters"]
    L = len(params) // 2
    dims = [np.shape(params["W1"])[1]] + [np.shape(params[f"W{l}"])[0] for l in range(1, L + 1)]
    net = _network(ctx, dims, _activation(ctx, ctx.params.get("act")))
    ctx.call(ctx.helper("set_attrs"), net, {"parameters": params, "caches": i["caches"]})
    ctx.call(net.backward, i["Y"])
    got = ctx.call(ctx.helper("get_attrs"), net, ["grads"])
    return {"grads": _dict(ctx, got.get("grads"), "self.grads")}


# --- gradient descent ------------------------------------------------------------------------


def _gd_call(ctx, params, grads, lr):
    """One ``gradient_descent_step(parameters, grads, learning_rate)``: the parameters as the
    call left them (it updates the dict in place and returns nothing)."""
    _, (after, _) = ctx.call(ctx.target, params, grads, float(lr), return_args=True)
    return _arrays(ctx, after[0] if after else None, params, "parameters (after the step)")


def gd_step(ctx):
    i = ctx.inputs
    return {"parameters": _gd_call(ctx, i["parameters"], i["grads"], i["learning_rate"])}


def gd_loop(ctx):
    """The notebook's loop ``A = network(X); network.backward(Y); losses.append(cost);
    gradient_descent_step(network.parameters, network.grads, lr)``: the forward pass, the
    gradients and the losses computed here, the student's step applied to the parameters."""
    i = ctx.inputs
    X, Y, params = i["X"], i["Y"], i["parameters"]
    losses = []
    for _ in range(int(i["iterations"])):
        loss, grads = _loss_and_grads(params, X, Y, i["act"])
        losses.append(loss)
        params = _gd_call(ctx, params, grads, i["learning_rate"])
    return {"losses": np.asarray(losses), "parameters": params}


# --- the optimizer classes -----------------------------------------------------------------


def _setup(ctx, params):
    """A network (the student's class) holding ``params`` and the student's optimizer on it."""
    L = len(params) // 2
    dims = [np.shape(params["W1"])[1]] + [np.shape(params[f"W{l}"])[0] for l in range(1, L + 1)]
    net = _network(ctx, dims)
    ctx.call(ctx.helper("set_attrs"), net, {"parameters": params, "grads": {}})
    hyper = dict(ctx.inputs.get("hyper") or {})
    opt = _optimizer(ctx, net, ctx.inputs["learning_rate"], hyper)
    return net, opt


def _step(ctx, opt, net, grads, like):
    """``network.grads = grads; optimizer.step()``: the parameters and the documented state
    after the step."""
    names = STATE[ctx.params["optimizer"]]
    out = _dict(ctx, ctx.call(ctx.helper("step_with"), opt, net, grads, names),
                "the step's result")
    result = {"parameters": _arrays(ctx, out.get("parameters"), like,
                                    "network.parameters (after the step)")}
    state = out.get("state") or {}
    for name in names:
        result[name] = _arrays(ctx, state.get(name), like, f"self.{name} (after the step)")
    return result


def opt_step(ctx):
    """One ``optimizer.step()`` from the case's state (velocities, squared gradients: set
    after the constructor, as the notebook's earlier steps would have left them)."""
    i = ctx.inputs
    net, opt = _setup(ctx, i["parameters"])
    if i.get("state"):
        ctx.call(ctx.helper("set_attrs"), opt, i["state"])
    return _step(ctx, opt, net, i["grads"], i["parameters"])


def opt_chain(ctx):
    """Several steps of one fresh optimizer on the case's gradients: the state must carry."""
    i = ctx.inputs
    net, opt = _setup(ctx, i["parameters"])
    steps = [_step(ctx, opt, net, grads, i["parameters"]) for grads in i["grad_sequence"]]
    return {"steps": steps}


def opt_loop(ctx):
    """A training loop with the student's optimizer: the notebook's 10 iterations on its
    Sigmoid network (``losses``), or ``train(network, optimizer, X, Y, X, Y, 10)`` on its ReLU
    network (``train_losses`` and ``test_losses``: the test loss is taken before each step,
    as train_loop does). Forward passes, gradients and losses are computed here."""
    i = ctx.inputs
    X, Y, act = i["X"], i["Y"], i["act"]
    params = i["parameters"]
    like = {k: np.asarray(v) for k, v in params.items()}
    net, opt = _setup(ctx, params)
    losses, tests = [], []
    for _ in range(int(i["iterations"])):
        tests.append(_loss_and_grads(params, i.get("X_test", X), i.get("Y_test", Y), act)[0])
        loss, grads = _loss_and_grads(params, X, Y, act)
        losses.append(loss)
        params = _step(ctx, opt, net, grads, like)["parameters"]
    if ctx.params.get("train"):
        return {"train_losses": np.asarray(losses), "test_losses": np.asarray(tests)}
    return {"losses": np.asarray(losses), "parameters": params}


def opt_train(ctx):
    """Train a logistic regression with the student's optimizer (its gradients and losses
    computed here); the losses of the parameters it reaches."""
    i = ctx.inputs
    X, Y = i["X"], i["Y"]
    params = i["parameters"]
    like = {k: np.asarray(v) for k, v in params.items()}
    first, _ = _logistic(params, X, Y)
    net, opt = _setup(ctx, params)
    losses = []
    for _ in range(int(i["iterations"])):
        loss, grads = _logistic(params, X, Y)
        losses.append(loss)
        params = _step(ctx, opt, net, grads, like)["parameters"]
        if not np.isfinite(loss):
            break
    final, _ = _logistic(params, X, Y)
    return {"initial_loss": first, "final_loss": final,
            "losses": np.asarray(losses, dtype=np.float64)}
