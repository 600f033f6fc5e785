# unchanged: the program as 3 lower left it
