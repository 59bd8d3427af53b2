/*
 * dlplugin.c - the library dlopen_host.c loads: each call leaks 77 bytes
 * and keeps 123 bytes from a static of the library (lost once the library
 * is unloaded).
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <stdlib.h>
#include <string.h>

int dlplugin_leak(void);

static char *held;

int
dlplugin_leak(void)
{
	char *p = malloc(77);

	memset(p, 'p', 77);
	held = malloc(123);
	memset(held, 'h', 123);
	p = NULL;
	return held[0];
}
