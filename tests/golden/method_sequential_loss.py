# srcad: gradient of Sequential.loss (test_python_objects.py:245) with respect to x
# returns (out, gradient)
# followed by a forward/backward pair for each function it calls
def grad_Sequential_loss(self, x, y):
    # forward: the function, one operation per line
    # line 246: return np.sum((self(x) - y) ** 2)
    self_x, Sequential_call_saved = forward_Sequential_call(self, x)
    self_x_minus_y = self_x - y
    power = self_x_minus_y ** 2
    out = np.sum(power)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 246: return np.sum((self(x) - y) ** 2)
    dpower = unsum(dout, power)
    dself_x_minus_y = dpower * (2 * self_x_minus_y)
    dself_x = unbroadcast(dself_x_minus_y, self_x)
    dx = backward_Sequential_call(Sequential_call_saved, dself_x)[0]
    return (out, dx)


def forward_Act_call(self, h):
    # forward: Act.__call__ as written; also returns what the backward pass reads
    # line 228: return self.fn(h) * self.scale
    self_fn = self.fn
    fn_h = self_fn(h)
    self_scale = self.scale
    out = fn_h * self_scale
    return (out, (fn_h, h, self_scale))


def backward_Act_call(saved, dout):
    # backward: d<name> is the gradient of Act.__call__'s value with respect to <name>
    fn_h, h, self_scale = saved
    # line 228: return self.fn(h) * self.scale
    dfn_h = unbroadcast(dout * self_scale, fn_h)
    dh = dfn_h * np.cos(h)
    return (dh,)


def forward_Dense_call(self, h):
    # forward: Dense.__call__ as written; also returns what the backward pass reads
    # line 213: return self.W @ h + self.b
    self_W = self.W
    self_W_at_h = self_W @ h
    self_b = self.b
    out = self_W_at_h + self_b
    return (out, (h, self_W, self_W_at_h))


def backward_Dense_call(saved, dout):
    # backward: d<name> is the gradient of Dense.__call__'s value with respect to <name>
    h, self_W, self_W_at_h = saved
    # line 213: return self.W @ h + self.b
    dself_W_at_h = unbroadcast(dout, self_W_at_h)
    dh = matmul_dy(dself_W_at_h, self_W, h)
    return (dh,)


def forward_Tanh_call(self, h):
    # forward: Tanh.__call__ as written; also returns what the backward pass reads
    # line 218: return np.tanh(h)
    out = np.tanh(h)
    return (out, (out,))


def backward_Tanh_call(saved, dout):
    # backward: d<name> is the gradient of Tanh.__call__'s value with respect to <name>
    out, = saved
    # line 218: return np.tanh(h)
    dh = dout * (1 - out ** 2)
    return (dh,)


def forward_Sequential_call(self, x):
    # forward: Sequential.__call__ as written; also returns what the backward pass reads
    # assigned on some paths only: stack
    stack = None
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: layer_is_Act, Act_call_saved, layer_is_Dense, Dense_call_saved, Tanh_call_saved
    layer_is_Act = None
    Act_call_saved = None
    layer_is_Dense = None
    Dense_call_saved = None
    Tanh_call_saved = None
    # line 240: h = x
    h = x
    # line 241: for layer in self.layers:
    self_layers = self.layers
    len_self_layers = len(self_layers)
    for layer_index in range(len_self_layers):
        layer = self_layers[layer_index]
        # line 242: h = layer(h)
        # save layer_is_Act (overwritten here; the backward pass reads it)
        stack.append(layer_is_Act)
        layer_is_Act = isinstance(layer, Act)
        if layer_is_Act:
            # save Act_call_saved (overwritten here; the backward pass reads it)
            stack.append(Act_call_saved)
            h, Act_call_saved = forward_Act_call(layer, h)
        else:
            # save layer_is_Dense (overwritten here; the backward pass reads it)
            stack.append(layer_is_Dense)
            layer_is_Dense = isinstance(layer, Dense)
            if layer_is_Dense:
                # save Dense_call_saved (overwritten here; the backward pass reads it)
                stack.append(Dense_call_saved)
                h, Dense_call_saved = forward_Dense_call(layer, h)
            else:
                # save Tanh_call_saved (overwritten here; the backward pass reads it)
                stack.append(Tanh_call_saved)
                h, Tanh_call_saved = forward_Tanh_call(layer, h)
    return (h, (Act_call_saved, Dense_call_saved, Tanh_call_saved, layer_is_Act, layer_is_Dense, len_self_layers, stack))


def backward_Sequential_call(saved, dh):
    # backward: d<name> is the gradient of Sequential.__call__'s value with respect to <name>
    Act_call_saved, Dense_call_saved, Tanh_call_saved, layer_is_Act, layer_is_Dense, len_self_layers, stack = saved
    # line 241: for layer in self.layers:
    for layer_index in reversed(range(len_self_layers)):
        # line 242: h = layer(h)
        if layer_is_Act:
            dh = backward_Act_call(Act_call_saved, dh)[0]
            Act_call_saved = stack.pop()
        else:
            if layer_is_Dense:
                dh = backward_Dense_call(Dense_call_saved, dh)[0]
                Dense_call_saved = stack.pop()
            else:
                dh = backward_Tanh_call(Tanh_call_saved, dh)[0]
                Tanh_call_saved = stack.pop()
            layer_is_Dense = stack.pop()
        layer_is_Act = stack.pop()
    # line 240: h = x
    dx = dh
    return (dx,)
