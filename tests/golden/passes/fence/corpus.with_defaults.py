# unchanged: the program as 1 parse left it
