/*
 * jemalloc_api.c - a program built against jemalloc, as Debian's redis is,
 * calling its extended API.  Under libtether the calls reach tether's
 * wrappers; the printed results (relations, not jemalloc's exact size
 * classes) must be the same as with jemalloc alone.  Leaks 1 block of 300
 * bytes from mallocx and 1 of 500 from rallocx.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <jemalloc/jemalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void *kept[2];

int
main(void)
{
	char *p, *q;
	size_t n, sz, len = sizeof(sz);
	int zero = 1;

	setvbuf(stdout, NULL, _IONBF, 0);	/* no stdio buffer to report */
	p = mallocx(100, MALLOCX_ALIGN(64) | MALLOCX_ZERO);
	for (int i = 0; i < 100; i++)
		zero &= p[i] == 0;
	printf("mallocx aligned=%d zeroed=%d usable>=100=%d\n",
	       (uintptr_t)p % 64 == 0, zero, sallocx(p, 0) >= 100);
	memset(p, 'x', 100);
	q = rallocx(p, 5000, 0);
	printf("rallocx grew=%d kept contents=%d\n", sallocx(q, 0) >= 5000,
	       q[0] == 'x' && q[99] == 'x');
	n = xallocx(q, 5000, 0, 0);
	printf("xallocx in place keeps >= size=%d\n", n >= 5000);
	n = nallocx(1000, 0);
	printf("nallocx(1000)>=1000=%d nallocx(1000, ALIGN(4096))>=1000=%d\n",
	       n >= 1000, nallocx(1000, MALLOCX_ALIGN(4096)) >= 1000);
	dallocx(q, 0);
	p = mallocx(64, MALLOCX_TCACHE_NONE);
	sdallocx(p, 64, MALLOCX_TCACHE_NONE);
	printf("mallctl(version)=%d mallctl(arenas.page)=%d\n",
	       mallctl("version", &(const char *){ 0 }, &(size_t){ sizeof(char *) }, NULL, 0) == 0,
	       mallctl("arenas.page", &sz, &len, NULL, 0) == 0 && sz >= 4096);
	kept[0] = mallocx(300, 0); /* @mallocx_leak */
	kept[1] = rallocx(mallocx(10, 0), 500, 0); /* @rallocx_leak */
	printf("malloc_usable_size>=500=%d\n", malloc_usable_size(kept[1]) >= 500);
	return 0;
}
