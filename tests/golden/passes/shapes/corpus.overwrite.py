    out = np.sum(a_pow_two)  # line +4; shape of out: a scalar's
