/*
 * test_leak.c - a test of the recipe project that checks a greeting and
 * forgets to free it (marker leak): it passes on its own, and fails under
 * tether check, whose report names tiny_greet called from greet_once here.
 */
#include <stdio.h>
#include <string.h>

#include "tiny.h"

static int
greet_once(void)
{
	char *s = tiny_greet("leak"); /* @leak */

	return s != NULL && strcmp(s, "hello, leak") == 0;
}

int
main(void)
{
	int ok = greet_once();

	printf("%s\n", ok ? "leak: ok" : "leak: wrong greeting");
	return ok ? 0 : 1;
}
