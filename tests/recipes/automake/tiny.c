/*
 * tiny.c - the library of a recipe project: its one allocation (marker
 * alloc) is what test_leak forgets to free, so tether's report must name
 * tiny_greet at that line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiny.h"

char *
tiny_greet(const char *name)
{
	size_t n = strlen("hello, ") + strlen(name) + 1;
	char *s = malloc(n); /* @alloc */

	if (s != NULL)
		snprintf(s, n, "hello, %s", name);
	return s;
}
