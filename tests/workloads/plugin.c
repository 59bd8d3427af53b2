/*
 * plugin.c - a library that dlopen_host loads, calls, and unloads; its
 * leaked blocks must still be symbolized at its own lines.
 */
#include <stdlib.h>

void *plugin_alloc(size_t n);

__attribute__((noinline)) void *
plugin_alloc(size_t n)
{
	return malloc(n); /* @plugin_malloc: 3 x 77 bytes, leaked */
}
