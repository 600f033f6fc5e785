# loaded grad_overwrite(a, b)
