/*
 * hostile_static.c - a statically linked program: no loader, so no
 * preload.  tether run and tether check must say so, not report it clean.
 */
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
	void *p = malloc(100);

	printf("static: %p\n", p ? (void *)1 : NULL);
	return 0;
}
