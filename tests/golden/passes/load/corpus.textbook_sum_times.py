# loaded grad_textbook_sum_times(x, y, z)
