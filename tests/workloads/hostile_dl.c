/*
 * hostile_dl.c - dlopen, call and dlclose a library N times (its
 * constructor allocates, its destructor frees).  Usage: hostile_dl PATH [N]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 3000;
	long sum = 0;

	if (argc < 2)
		return 2;
	for (int i = 0; i < n; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		int (*work)(int);

		if (h == NULL) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		work = (int (*)(int))dlsym(h, "hostile_plugin_work");
		if (work == NULL)
			return 1;
		sum += work(i);
		if (dlclose(h) != 0)
			return 1;
	}
	printf("dl: %d loads, sum %ld\n", n, sum);
	return 0;
}
