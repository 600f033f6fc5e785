# unchanged: the program as 2 fence left it
