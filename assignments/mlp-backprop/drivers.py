"""Drivers of mlp-backprop: how each check exercises the student's code.

Drivers run in the grader's trusted process. ``ctx.target`` and ``ctx.student(...)`` are the
student's functions and classes in the sandbox: each call sends that call's arguments (fresh
copies of the case inputs) to the check's child and returns what the student's code returned,
as plain data. Everything a verdict compares with is computed here or comes from the fixtures:

- layers are built with the student's own constructors (seeded: the handout's constructors
  draw random weights, and Hidden_Vondrick prints its exponent), then given the state under
  test; a backward pass's gradients are read off the update it makes to its own layer
  ((before - after) / learning rate, computed here), so updating W in place, through
  update_weights or by assignment are the same;
- a backward pass that calls a derivative TODO declares it as a block in the manifest: its
  calls are answered by the reference, outside the sandbox, so a bug in the derivative is
  charged to the derivative only, and the same holds for the layers a network's backward_prop
  calls and for the activations predict calls;
- the numerical gradient check takes the student's network loss (the given forward_prop) at
  points chosen here (``perturbed_calls``: the loss is evaluated in the sandbox, the finite
  differences are taken here); training losses and error rates are computed here from the
  parameters the student's backward passes reached;
- Section 2's rules run on gradients computed here; the stochastic rules are judged by the
  mean and spread of many calls (batched in one operation), never by matching one draw.
"""

import numpy as np

MOD = "mlp_backprop"
VONDRICK_RATE = 0.0005  # the hard-coded learning rate of Hidden_Vondrick's W and c (given line)
EXPONENT_STEP = 0.001  # the exponent's step size (given line)
CONSTRUCTOR_SEED = 0

# --- building the student's objects -------------------------------------------------------


def _new(ctx, name, *args):
    """An object of the student's class ``name`` made by its own constructor; if that raises,
    one made without it (the state under test is set afterwards either way), with a note."""
    cls = ctx.student(f"{MOD}:{name}")
    try:
        return ctx.new(cls, *args)
    except ctx.Fault as fault:
        obj = ctx.call(ctx.lib("bare"), cls, keep=True)
        note = (f"your {name}.__init__ raised {fault.error.get('type', 'an error')}; this "
                f"check built the {name} without it and set the state under test itself")
        if note not in ctx.notes:
            ctx.notes.append(note)
        return obj


def _layer(ctx, kind, dims, state):
    """A layer of class ``kind`` (``Hidden``, ``Hidden_Vondrick``, ``Output``) of ``dims``
    (input_dims, output_dims), made by the student's constructor after seeding numpy, then
    given ``state`` (W and c, or w and b; U and the exponent)."""
    d_in, d_out = (int(d) for d in dims)
    ctx.seed(CONSTRUCTOR_SEED)
    layer = _new(ctx, kind, d_in, d_out)
    ctx.call(ctx.helper("set_attrs"), layer,
             {"input_dims": d_in, "output_dims": d_out, **state})
    return layer


def _network(ctx, spec):
    """An NN of the student's classes with the parameters of ``spec`` (``layers``: hidden
    layers with their kind, W, c and exponent n; ``output``: w and b) and a Loss layer."""
    layers = []
    for s in spec["layers"]:
        if s["kind"] == "hidden":
            layers.append(_layer(ctx, "Hidden", np.shape(s["W"]), {"W": s["W"], "c": s["c"]}))
        else:
            layers.append(_layer(ctx, "Hidden_Vondrick", np.shape(s["W"]),
                                 {"W": s["W"], "c": s["c"], "U": None,
                                  "vondrick_exponent": float(s["n"])}))
    out = spec["output"]
    output = _layer(ctx, "Output", np.shape(out["w"]), {"w": out["w"], "b": out["b"]})
    loss = _new(ctx, "Loss", 0, 0)
    net = _new(ctx, "NN")
    ctx.call(ctx.helper("set_attrs"), net,
             {"hidden_layers": layers, "output_layer": output, "loss_layer": loss})
    return net


# --- reading what came back ---------------------------------------------------------------


def _param(ctx, value, shape, what, row_ok=False):
    """``value`` as a float array of ``shape`` (or the case fails saying what is wrong);
    ``row_ok``: a bias of shape (d,) is taken for (1, d)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return ctx.array(value, shape, what)
    if row_ok and arr.shape != tuple(shape) and arr.size == int(np.prod(shape)) \
            and arr.ndim == 1:
        arr = arr.reshape(shape)
    return ctx.array(arr, shape, what)


def _number(ctx, value, what):
    """``value`` (a number, or an array of one element) as a float."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.size != 1:
        kind = "None" if value is None else (f"an array of shape {arr.shape}" if arr is not None
                                             else _kind(value))
        ctx.fail(f"{what} must be a number; it is {kind}")
    return float(arr.reshape(-1)[0])


def _kind(value):
    return getattr(value, "type_name", None) or type(value).__name__


def _call_with(ctx, obj, attrs, method, args):
    out = ctx.call(ctx.helper("call_with"), obj, attrs, method, args)
    return ctx.pair(out, method, "result", "attributes")


# --- Section 1: the given forward computations (trusted) ----------------------------------


def _leaky(U):
    return np.multiply(U, 1.0 * (U > 0) + 0.01 * (U < 0))


def _vondrick(U, n):
    pos = U > 0
    return np.where(pos, np.where(pos, U, 1.0) ** n, 0.01 * U)


def _scores(state, X):
    """The output layer's scores z (max subtracted, as Output.forward_pass does)."""
    A = X
    for layer in state["layers"]:
        U = A @ layer["W"] + layer["c"]
        A = _vondrick(U, layer["n"]) if "n" in layer else _leaky(U)
    z = A @ state["output"]["w"] + state["output"]["b"]
    return z - np.max(z, axis=1, keepdims=True)


def _loss_and_error(state, X, y, alpha):
    """forward_prop's loss (mean cross-entropy + 0.5 alpha ||W||^2 per weight matrix) and the
    error rate of the predicted classes."""
    with np.errstate(all="ignore"):
        z = _scores(state, X)
        logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        loss = -np.mean(logp[np.arange(len(y)), y.astype(int)])
        for layer in state["layers"]:
            loss += 0.5 * alpha * np.sum(layer["W"] ** 2)
        loss += 0.5 * alpha * np.sum(state["output"]["w"] ** 2)
        error = float(np.mean(np.argmax(z, axis=1) != y))
    return float(loss), error


def _student_state(ctx, raw, spec):
    """The parameters the student's network holds, checked against the shapes of ``spec``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("layers"), list) \
            or len(raw["layers"]) != len(spec["layers"]):
        ctx.fail("the network's hidden_layers changed (expected "
                 f"{len(spec['layers'])} layers)")
    layers = []
    for k, (s, got) in enumerate(zip(spec["layers"], raw["layers"], strict=True)):
        entry = {"W": _param(ctx, got.get("W"), np.shape(s["W"]), f"layer {k + 1}'s W"),
                 "c": _param(ctx, got.get("c"), np.shape(s["c"]), f"layer {k + 1}'s c",
                             row_ok=True)}
        if "n" in s:
            entry["n"] = _number(ctx, got.get("n"), f"layer {k + 1}'s vondrick_exponent")
        layers.append(entry)
    out = raw.get("output") or {}
    ow, ob = spec["output"]["w"], spec["output"]["b"]
    return {"layers": layers,
            "output": {"w": _param(ctx, out.get("w"), np.shape(ow), "the output layer's w"),
                       "b": _param(ctx, out.get("b"), np.shape(ob), "the output layer's b",
                                   row_ok=True)}}


def _spec_state(spec):
    layers = [{k: np.asarray(v, dtype=np.float64) if k != "n" else float(v)
               for k, v in s.items() if k in ("W", "c", "n")} for s in spec["layers"]]
    return {"layers": layers, "output": {k: np.asarray(v, dtype=np.float64)
                                         for k, v in spec["output"].items()}}


# --- Section 1: one layer -----------------------------------------------------------------


def leaky_derivative(ctx):
    """``Hidden.leaky_relu_derivative(h)`` on a layer made by the student's constructor."""
    h = ctx.inputs["h"]
    layer = _layer(ctx, "Hidden", (3, h.shape[1]), {})
    return {"derivative": ctx.call(layer.leaky_relu_derivative, h)}


def vondrick_activation(ctx):
    U = ctx.inputs["U"]
    layer = _layer(ctx, "Hidden_Vondrick", (4, U.shape[1]),
                   {"vondrick_exponent": float(ctx.inputs["n"])})
    return {"activations": ctx.call(layer.vondrick_activation, U)}


def vondrick_derivative(ctx):
    """``vondrick_activation_derivative()`` of a layer holding the case's U and exponent."""
    U = ctx.inputs["U"]
    layer = _layer(ctx, "Hidden_Vondrick", (4, U.shape[1]),
                   {"vondrick_exponent": float(ctx.inputs["n"]), "U": U})
    out = ctx.call(layer.vondrick_activation_derivative)
    dU, dn = ctx.pair(out, "vondrick_activation_derivative", "dh_dU", "dh_dexponent")
    return {"dh_dU": dU, "dh_dexponent": dn}


def _hidden_step(ctx, layer, kind, before, step, alpha, lr):
    """One backward pass of ``layer`` (whose parameters were ``before``): what it returned and
    the gradients its update applied (and the parameters it reached)."""
    if kind == "Output":
        args, names = [step["h"], step["dLdz"], alpha, lr], ("w", "b")
    else:
        args, names = [step["X"], step["h"], step["dLdh"], alpha, lr], ("W", "c")
    attrs = {"U": step["U"]} if "U" in step else {}
    result, after = _call_with(ctx, layer, attrs, "backward_pass", args)
    if not isinstance(after, dict):
        ctx.fail("the layer's attributes could not be read after backward_pass")
    rate = VONDRICK_RATE if kind == "Hidden_Vondrick" else lr
    reached, grads = {}, {}
    for name, row_ok in zip(names, (False, True), strict=True):
        old = np.asarray(before[name], dtype=np.float64)
        reached[name] = _param(ctx, after.get(name), old.shape,
                               f"self.{name} after the update", row_ok)
        grads[f"dLd{name}"] = (old - reached[name]) / rate
    if kind == "Hidden_Vondrick":
        n1 = _number(ctx, after.get("vondrick_exponent"), "self.vondrick_exponent after the "
                     "update")
        grads["dL_dexponent"] = (float(before["vondrick_exponent"]) - n1) / EXPONENT_STEP
        reached["vondrick_exponent"] = n1
    out_name = "dLdh" if kind == "Output" else "for_prev"
    return {out_name: result, **grads}, reached


def _layer_steps(ctx, kind, chained):
    i = ctx.inputs
    state = dict(i["layer"])
    dims = np.shape(state["W"] if "W" in state else state["w"])
    layer = _layer(ctx, kind, dims, state)
    alpha, lr = float(i["alpha"]), float(i["learning_rate"])
    steps = i["steps"] if chained else [{k: v for k, v in i.items()
                                         if k in ("X", "h", "dLdh", "dLdz")}]
    outputs = []
    before = {k: v for k, v in state.items() if k != "U"}
    for step in steps:
        out, reached = _hidden_step(ctx, layer, kind, before, step, alpha, lr)
        outputs.append(out)
        before = {**before, **reached}
    return {"steps": outputs} if chained else outputs[0]


def hidden_backward(ctx):
    """``Hidden.backward_pass(X, h, dLdh, alpha, learning_rate)`` on a layer with the case's W
    and c (its leaky_relu_derivative calls answered by the reference)."""
    return _layer_steps(ctx, "Hidden", chained=False)


def hidden_chain(ctx):
    """Several backward passes in a row on the same layer (its W and c carried)."""
    return _layer_steps(ctx, "Hidden", chained=True)


def vondrick_backward(ctx):
    """``Hidden_Vondrick.backward_pass`` on a layer holding the case's W, c, U and exponent
    (its derivative calls answered by the reference: dh/dU and dh/dexponent as arrays of
    shape (batch_size, output_dims), as the docstring says)."""
    return _explained(ctx, lambda: _layer_steps(ctx, "Hidden_Vondrick", chained=False))


def vondrick_chain(ctx):
    """Several backward passes in a row (W, c and the exponent carried; each step's U set on
    the layer, as forward_pass would)."""
    return _explained(ctx, lambda: _layer_steps(ctx, "Hidden_Vondrick", chained=True))


def _explained(ctx, run):
    try:
        return run()
    except ctx.Fault as fault:
        if fault.error.get("type") not in ("ValueError", "TypeError", "IndexError") \
                or fault.error.get("block"):
            raise
        error = dict(fault.error)
        error["message"] = (f"{error.get('message', '')} (in this check your "
                            "vondrick_activation_derivative() returned the reference's dh_dU "
                            "and dh_dexponent, both arrays of shape (batch_size, output_dims) "
                            "as its docstring says)")
        raise ctx.Fault(error) from None


def output_backward(ctx):
    """``Output.backward_pass(h, dLdz, alpha, learning_rate)`` on a layer with the case's w, b."""
    return _layer_steps(ctx, "Output", chained=False)


def output_chain(ctx):
    return _layer_steps(ctx, "Output", chained=True)


# --- Section 1: networks ------------------------------------------------------------------


def predict(ctx):
    """``NN.predict(X)`` of a network with the case's parameters (the Vondrick activation
    answered by the reference)."""
    X = ctx.inputs["X"]
    net = _network(ctx, ctx.inputs["net"])
    pred = ctx.call(net.predict, X)
    if pred is None:
        ctx.fail("predict returned None (missing return?)")
    try:
        arr = np.asarray(pred)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":
        ctx.fail(f"predict must return an array of class indices; it returned {_kind(pred)}")
    if arr.size == X.shape[0]:
        arr = arr.reshape(-1)  # a column (m, 1) is accepted
    return {"predictions": arr}


def _net_gradients(ctx, spec, raw, lr):
    """The gradients one backward_prop applied to every parameter of the network."""
    after = _student_state(ctx, raw, spec)
    before = _spec_state(spec)
    grads = {}
    for k, (b, a) in enumerate(zip(before["layers"], after["layers"], strict=True)):
        rate = VONDRICK_RATE if "n" in b else lr
        grads[f"layer{k + 1}.W"] = (b["W"] - a["W"]) / rate
        grads[f"layer{k + 1}.c"] = (b["c"] - a["c"]) / rate
        if "n" in b:
            grads[f"layer{k + 1}.exponent"] = (b["n"] - a["n"]) / EXPONENT_STEP
    for name in ("w", "b"):
        grads[f"output.{name}"] = (before["output"][name] - after["output"][name]) / lr
    return grads


def net_gradcheck(ctx):
    """One step of the network, explained like ``vondrick_backward`` when the Vondrick layer is
    the student's (``vondrick`` in the driver params)."""
    if ctx.params.get("vondrick"):
        return _explained(ctx, lambda: _net_gradcheck(ctx))
    return _net_gradcheck(ctx)


def _net_gradcheck(ctx):
    """One step of the network (the given forward_prop and backward_prop; the backward passes
    of other TODOs answered by the reference): the gradients it applied to every parameter,
    and centered differences of the network's own loss (forward_prop) at entries chosen here,
    computed here from the losses the student's code returned."""
    i = ctx.inputs
    spec, X, y = i["net"], i["X"], i["y"]
    alpha, lr = float(i["alpha"]), float(i["learning_rate"])
    net = _network(ctx, spec)
    ctx.call(ctx.helper("backprop_step"), net, X, y, alpha, lr)
    analytic = _net_gradients(ctx, spec, ctx.call(ctx.helper("net_state"), net), lr)

    probe = _network(ctx, spec)
    table = ctx.call(ctx.helper("param_table"), probe, keep=True)
    rng = np.random.RandomState(int(ctx.params.get("seed", 7)))
    h = 1e-5
    edits, where = [], []
    arrays = {f"layer{k + 1}.{p}": s[p] for k, s in enumerate(spec["layers"]) for p in "Wc"}
    arrays.update({f"output.{p}": spec["output"][p] for p in "wb"})
    for name in sorted(arrays):
        size = int(np.size(arrays[name]))
        picks = rng.choice(size, size=min(size, int(ctx.params.get("entries", 4))),
                           replace=False)
        for flat in sorted(int(p) for p in picks):
            edits += [[name, flat, h], [name, flat, -h]]
            where.append((name, flat))
    values = np.asarray(ctx.call(ctx.lib("perturbed_calls"), probe.forward_prop,
                                 [X, y, alpha], {}, table, edits, [2]), dtype=np.float64)
    numerical, sampled = {}, {}
    for k, (name, flat) in enumerate(where):
        numerical.setdefault(name, []).append((values[2 * k] - values[2 * k + 1]) / (2 * h))
        sampled.setdefault(name, []).append(analytic[name].reshape(-1)[flat])
    for k, s in enumerate(spec["layers"]):
        if "n" in s:
            n = float(s["n"])
            up, down = ctx.many(ctx.helper("loss_with_exponent"),
                                [[probe, k, n + h, X, y, alpha], [probe, k, n - h, X, y, alpha]])
            name = f"layer{k + 1}.exponent"
            numerical[name] = [(_number(ctx, up, "the loss") -
                                _number(ctx, down, "the loss")) / (2 * h)]
            sampled[name] = [analytic[name]]
    return {"analytic": analytic,
            "sampled": {k: np.asarray(v) for k, v in sampled.items()},
            "numerical": {k: np.asarray(v) for k, v in numerical.items()}}


def train(ctx):
    """Training, explained like ``vondrick_backward`` when the Vondrick layer is the
    student's (``vondrick`` in the driver params)."""
    if ctx.params.get("vondrick"):
        return _explained(ctx, lambda: _train(ctx))
    return _train(ctx)


def _train(ctx):
    """Train the student's network (the given training loop's inner steps, the student's
    backward passes, the other TODOs answered by the reference) with mini-batches; the loss
    and error rate of the parameters it reaches after every epoch are computed here."""
    i = ctx.inputs
    spec, X, y = i["net"], i["X"], i["y"]
    alpha, lr, batch = float(i["alpha"]), float(i["learning_rate"]), int(i["batch_size"])
    net = _network(ctx, spec)
    loss0, error0 = _loss_and_error(_spec_state(spec), X, y, alpha)
    losses, loss, error = [], loss0, error0
    for _ in range(int(i["epochs"])):
        raw = ctx.call(ctx.helper("train_epoch"), net, X, y, batch, alpha, lr)
        loss, error = _loss_and_error(_student_state(ctx, raw, spec), X, y, alpha)
        losses.append(loss)
        if not np.isfinite(loss):
            break
    return {"initial_loss": loss0, "final_loss": loss, "losses": np.asarray(losses),
            "chance_error": 0.5, "error_rate": error, "initial_error_rate": error0}


# --- Section 2: test functions ------------------------------------------------------------


def test_function(ctx):
    """``f, opt = bowl()`` (or mult, ...): f on the plotting grid and at single numbers, and
    opt()."""
    i = ctx.inputs
    out = ctx.call(ctx.helper("function_values"), ctx.target, i["x"], i["y"], i["points"])
    if not isinstance(out, dict):
        ctx.fail("the test function could not be evaluated")
    points = out.get("points") or []
    return {"values": out.get("values"),
            "points": np.asarray([_number(ctx, v, "f(x, y) at a single number")
                                  for v in points]),
            "optimum": out.get("optimum")}


# --- Section 2: update rules --------------------------------------------------------------

NAMES = {"gradient_descent": ["x", "y"], "stochastic_gradient_descent": ["x", "y"],
         "momentum": ["x", "y", "v_x", "v_y"], "adagrad": ["x", "y", "v_x", "v_y"],
         "adam": ["x", "y", "f_x", "f_y", "s_x", "s_y"]}
STATE = {rule: names[2:] for rule, names in NAMES.items()}


def _args(rule, x, y, dx, dy, state, i, hparams):
    args = [x, y, dx, dy] + [state[n] for n in STATE[rule]]
    if rule == "adam":
        args.append(i)
    return args + [dict(hparams)]


def _result(ctx, rule, out):
    names = NAMES[rule]
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = (f"a {type(out).__name__} of {len(out)} items"
               if isinstance(out, (tuple, list)) else type(out).__name__)
        ctx.fail(f"{rule} must return ({', '.join(names)}); it returned {got}")
    return {n: _number(ctx, v, f"{n} (returned by {rule})")
            for n, v in zip(names, out, strict=True)}


def _step(ctx, i):
    rule = ctx.params["rule"]
    out = ctx.target(*_args(rule, i["x"], i["y"], i["dx"], i["dy"], i["state"], i.get("i"),
                            i["hparams"]))
    return _result(ctx, rule, out)


def rule_step(ctx):
    """One call from the case's point and state."""
    ctx.seed(0)
    return _step(ctx, ctx.inputs)


def rule_repeat(ctx):
    """The same call twice, the random generators in different states: a deterministic rule
    returns the same (right) values."""
    i = ctx.inputs
    ctx.seed(1)
    first = _step(ctx, i)
    ctx.seed(2)
    second = _step(ctx, i)
    return {"deterministic": first == second, "first_call": first}


def rule_chain(ctx):
    """Several calls in a row, the rule's own returned state carried (i counting up)."""
    rule = ctx.params["rule"]
    i = ctx.inputs
    x, y, state, it = i["x"], i["y"], dict(i["state"]), i.get("i")
    steps = []
    for dx, dy in i["grads"]:
        out = _result(ctx, rule, ctx.target(*_args(rule, x, y, dx, dy, state, it,
                                                    i["hparams"])))
        steps.append(out)
        x, y = out["x"], out["y"]
        state = {n: out[n] for n in STATE[rule]}
        it = None if it is None else it + 1
    return {"steps": steps}


def _rows(ctx, rule, rows, i, hparams):
    """The rule called once per row of ``rows`` (x, y, dx, dy, state...) in one operation;
    the results as an array with one row per call."""
    names = NAMES[rule]
    tail = ([i] if rule == "adam" else []) + [dict(hparams)]
    out = ctx.call(ctx.helper("call_rows"), ctx.target, rows, tail, names)
    return _param(ctx, out, (len(rows), len(names)), f"the results of {rule}")


def rule_stats(ctx):
    """Many calls from the same inputs: mean and spread of each returned value, divided by
    alpha (the noise of the gradient is N(0, 1), so the spread over alpha is about 1)."""
    rule = ctx.params["rule"]
    i = ctx.inputs
    alpha = float(i["hparams"]["alpha"])
    ctx.seed(int(i["seed"]))
    row = [i["x"], i["y"], i["dx"], i["dy"]] + [i["state"][n] for n in STATE[rule]]
    values = _rows(ctx, rule, np.array([row] * int(i["draws"]), dtype=np.float64), None,
                   i["hparams"])
    names = NAMES[rule]
    return {"mean_over_alpha": dict(zip(names, values.mean(axis=0) / alpha, strict=True)),
            "spread_over_alpha": dict(zip(names, values.std(axis=0) / alpha, strict=True))}


def _gradient(name):
    """Gradients of the test functions (the role autograd plays in Optimizer)."""
    if name == "bowl":
        return lambda x, y: (2 * x, 2 * y)
    if name == "matyas":
        return lambda x, y: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)
    if name == "monkey":  # the monkey saddle x^3 - 3 x y^2
        return lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y)
    if name == "mult":
        def mult(x, y):
            r = np.sqrt(x * x + y * y)
            return (np.cos(r) * x / r, np.cos(r) * y / r)
        return mult
    if name == "easom":
        def easom(x, y):
            e = np.exp(-((x - np.pi) ** 2 + (y - np.pi) ** 2))
            return (np.cos(y) * e * (np.sin(x) + 2 * (x - np.pi) * np.cos(x)),
                    np.cos(x) * e * (np.sin(y) + 2 * (y - np.pi) * np.cos(y)))
        return easom
    raise ValueError(name)


OPTIMA = {"bowl": (0.0, 0.0), "matyas": (0.0, 0.0), "monkey": (0.0, 0.0), "mult": (0.0, 0.0),
          "easom": (np.pi, np.pi)}


def _runs(ctx, runs):
    """Optimizer.fit, ``runs`` times side by side: ``epochs`` updates from ``start``, the
    state starting at 0, the gradients computed here; one operation per update."""
    rule = ctx.params["rule"]
    i = ctx.inputs
    grad = _gradient(i["function"])
    if runs == 1:
        return _one_run(ctx, rule, i, grad)
    width = len(NAMES[rule])
    pos = np.zeros((runs, width))  # x, y, then the state
    pos[:, 0], pos[:, 1] = (float(v) for v in i["start"])
    path = [pos[:, :2].copy()]
    with np.errstate(all="ignore"):
        for step in range(int(i["epochs"])):
            dx, dy = (np.asarray(g, dtype=np.float64) * np.ones(runs)
                      for g in grad(pos[:, 0], pos[:, 1]))
            rows = np.column_stack([pos[:, 0], pos[:, 1], dx, dy, pos[:, 2:]])
            pos = _rows(ctx, rule, rows, step, i["hparams"])
            path.append(pos[:, :2].copy())
    return np.stack(path)  # (epochs + 1, runs, 2)


def _one_run(ctx, rule, i, grad):
    """``_runs`` for one run: one call per update, whose arguments depend on the last
    result, in a few operations (``ctx.chain``: the path guessed in the sandbox by the
    helper ``rule_path``, every step checked here)."""
    epochs = int(i["epochs"])
    names = NAMES[rule]

    def args_at(pos, step):
        with np.errstate(all="ignore"):
            dx, dy = (np.asarray(g, dtype=np.float64) * np.ones(1)
                      for g in grad(pos[:, 0], pos[:, 1]))
        row = [float(v) for v in np.column_stack([pos[:, 0], pos[:, 1], dx, dy,
                                                   pos[:, 2:]])[0]]
        return _args(rule, row[0], row[1], row[2], row[3],
                     dict(zip(STATE[rule], row[4:], strict=True)), step, i["hparams"])

    def position(out):
        res = _result(ctx, rule, out)
        return np.array([[res[n] for n in names]], dtype=np.float64)

    def advance(out, k):
        pos = position(out)
        return None if k + 1 >= epochs else args_at(pos, k + 1)

    start = np.zeros((1, len(names)))
    start[:, 0], start[:, 1] = (float(v) for v in i["start"])
    outs = ctx.chain(ctx.target, args_at(start, 0), advance, epochs, indexed=True,
                     speculate=(ctx.helper("rule_path"),
                                [i["function"], [float(v) for v in i["start"]], epochs,
                                 STATE[rule], rule == "adam", dict(i["hparams"])]))
    path = [start[:, :2]] + [position(out)[:, :2] for out in outs]
    return np.stack(path)  # (epochs + 1, 1, 2)


def rule_run(ctx):
    """A deterministic rule's whole trajectory."""
    path = _runs(ctx, 1)
    return {"x_list": path[:, 0, 0], "y_list": path[:, 0, 1]}


def stochastic_run(ctx):
    """A stochastic rule run ``runs`` times: log10 of the mean final distance to the optimum,
    and the mean progress 1 - final distance / start distance (clipped to [-1, 1], -1 for a
    run that moves away)."""
    i = ctx.inputs
    ctx.seed(int(i["seed"]))
    cx, cy = OPTIMA[i["function"]]
    start = float(np.hypot(i["start"][0] - cx, i["start"][1] - cy))
    path = _runs(ctx, int(i["runs"]))
    with np.errstate(all="ignore"):
        final = np.hypot(path[-1, :, 0] - cx, path[-1, :, 1] - cy)
        progress = np.clip(1 - final / start, -1, 1)
        return {"log10_mean_distance": float(np.log10(np.mean(final))),
                "progress": float(np.mean(progress))}
