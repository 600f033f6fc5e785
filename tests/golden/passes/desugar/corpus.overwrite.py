def overwrite(a, b):
    a = a * 3  # line +1
    a = np.sin(a) * b + a * a  # line +2
    a = a + b  # line +3
    return np.sum(a ** 2)  # line +4
