# unchanged: the program as 10 reverse left it
