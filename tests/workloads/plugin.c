/*
 * plugin.c - a library that dlopen_host loads, calls, and unloads; its
 * leaked blocks must still be symbolized at its own lines.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <stdlib.h>

void *plugin_alloc(size_t n);

__attribute__((noinline)) void *
plugin_alloc(size_t n)
{
	return malloc(n); /* @plugin_malloc: 3 x 77 bytes, leaked */
}
