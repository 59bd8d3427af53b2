/*
 * test_clean.c - a test of the recipe project that frees what it
 * allocates: it passes with and without tether check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiny.h"

int
main(void)
{
	char *s = tiny_greet("clean");
	int ok = s != NULL && strcmp(s, "hello, clean") == 0;

	free(s);
	printf("%s\n", ok ? "clean: ok" : "clean: wrong greeting");
	return ok ? 0 : 1;
}
