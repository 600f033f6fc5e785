# nothing found: the program as 5 anf left it
