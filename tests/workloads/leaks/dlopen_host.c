/*
 * dlopen_host.c - precision corpus: leaks made inside a dlopen'ed library
 * (dlplugin.c, its path the first argument).  The library is loaded, used
 * and dlclose'd, then loaded again, used, and left open.
 *
 * Each use of the library leaks 77 bytes outright and keeps 123 bytes from
 * a static variable of the library.  Once the first copy is unloaded its
 * static is gone with its data segment: that 123-byte block is lost too.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 277 bytes in 3 blocks (77 + 123 + 77); indirectly 0;
 *   possibly 0; still reachable: the 123 bytes the open copy keeps, and
 *   the 4 blocks the dynamic linker keeps for the open library (its
 *   link_map, a copy of its path, its version table and its scope list;
 *   their sizes depend on glibc and on the path), 5 blocks in all.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused mallocs, and the tests count every block. */
#pragma GCC optimize("O0")
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void
scrub_stack(void)
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static int
use(const char *path, int unload)
{
	void *h = dlopen(path, RTLD_NOW);
	int (*leak)(void);
	int r;

	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
	leak = (int (*)(void))dlsym(h, "dlplugin_leak");
	if (leak == NULL) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return -1;
	}
	r = leak();
	if (unload)
		dlclose(h);
	return r;
}

int
main(int argc, char **argv)
{
	int a, b;

	if (argc < 2) {
		fprintf(stderr, "usage: dlopen_host PATH-TO-dlplugin.so\n");
		return 2;
	}
	a = use(argv[1], 1);
	b = use(argv[1], 0);
	if (a < 0 || b < 0)
		return 1;
	scrub_stack();
	printf("dlopen: %d %d\n", a, b);
	return 0;
}
