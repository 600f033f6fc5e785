    y = x  # line +1; active: x, y
        y_times_1_7 = y * 1.7  # line +4; active: y, y_times_1_7
        y = y_times_1_7 + 0.3  # line +4; active: y, y_times_1_7
