    returned = False  # line +0; shape of returned: a scalar's
    break_flag = False  # line +2; shape of break_flag: a scalar's
    iterations = 0  # line +2; shape of iterations: a scalar's
            break_flag = True  # line +5; shape of break_flag: a scalar's
    returned = True  # line +6; shape of returned: a scalar's
