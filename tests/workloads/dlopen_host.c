/*
 * dlopen_host.c - loads plugin.so, lets it allocate, unloads it, exits.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : PLUGIN_PATH;
	void *h = dlopen(path, RTLD_NOW);
	void *(*alloc)(size_t);

	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	alloc = (void *(*)(size_t))dlsym(h, "plugin_alloc");
	for (int i = 0; i < 3; i++)
		alloc(77);
	dlclose(h);
	printf("plugin unloaded\n");
	return 0;
}
