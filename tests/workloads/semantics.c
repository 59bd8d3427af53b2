/*
 * semantics.c - prints how the allocation functions behave at their edges
 * (errno, NULL, alignment, overflow).  tests/cli/semantics.sh runs it with
 * and without libtether.so and requires identical output: tether must not
 * change C semantics.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
show(const char *what, void *p, int err)
{
	printf("%-34s %s errno=%s\n", what, p ? "ptr " : "NULL",
	       err == 0 ? "0" : err == ENOMEM ? "ENOMEM" : err == EINVAL ? "EINVAL" : "other");
}

#define TRY(what, expr) do { errno = 0; void *p_ = (expr); int e_ = errno; \
	show(what, p_, e_); free(p_); } while (0)

static int
aligned_to(void *p, size_t a)
{
	return ((uintptr_t)p % a) == 0;
}

/* volatile: keep the compiler from judging the sizes at build time */
static volatile size_t size_max = SIZE_MAX, ptrdiff_max = PTRDIFF_MAX;

int
main(void)
{
	void *p, *q;
	int r;

	TRY("malloc(0)", malloc(0));
	TRY("malloc(SIZE_MAX)", malloc(size_max));
	TRY("malloc(PTRDIFF_MAX)", malloc(ptrdiff_max));
	TRY("calloc(0, 0)", calloc(0, 0));
	TRY("calloc(SIZE_MAX/2, 3) overflow", calloc(size_max / 2, 3));
	TRY("realloc(NULL, 0)", realloc(NULL, 0));
	TRY("reallocarray(NULL, size_max, 2)", reallocarray(NULL, size_max, 2));
	TRY("aligned_alloc(64, 100)", aligned_alloc(64, 100));
	TRY("memalign(SIZE_MAX, 10)", memalign(size_max, 10));
	TRY("valloc(1)", valloc(1));
	TRY("pvalloc(SIZE_MAX)", pvalloc(size_max));

	p = malloc(16);
	errno = 0;
	q = realloc(p, 0);
	printf("realloc(p, 0) -> %s errno=%d\n", q ? "ptr" : "NULL", errno);
	if (q)
		free(q);

	p = malloc(100);
	memset(p, 'a', 100);
	errno = 0;
	q = realloc(p, size_max);
	printf("realloc(p, SIZE_MAX) -> %s errno=%s, old block intact=%d\n",
	       q ? "ptr" : "NULL", errno == ENOMEM ? "ENOMEM" : "?",
	       ((char *)p)[99] == 'a');
	q = realloc(p, 100000);
	printf("realloc grow keeps contents=%d\n", ((char *)q)[99] == 'a' && ((char *)q)[0] == 'a');
	free(q);

	p = calloc(1000, 4);
	r = 1;
	for (int i = 0; i < 4000; i++)
		r &= ((char *)p)[i] == 0;
	printf("calloc zeroed=%d\n", r);
	free(p);

	errno = 1234;
	r = posix_memalign(&p, 3, 10);
	printf("posix_memalign(3) -> %s errno kept=%d\n", r == EINVAL ? "EINVAL" : "other",
	       errno == 1234);
	r = posix_memalign(&p, 0, 10);
	printf("posix_memalign(0) -> %s\n", r == EINVAL ? "EINVAL" : "other");
	r = posix_memalign(&p, 256, size_max - 10);
	printf("posix_memalign(huge) -> %s errno kept=%d\n", r == ENOMEM ? "ENOMEM" : "other",
	       errno == 1234);
	for (size_t a = 8; a <= 65536; a *= 2) {
		r = posix_memalign(&p, a, 24);
		if (r != 0 || !aligned_to(p, a))
			printf("posix_memalign(%zu) misaligned\n", a);
		free(p);
		p = memalign(a, 24);
		if (!aligned_to(p, a))
			printf("memalign(%zu) misaligned\n", a);
		free(p);
	}
	p = memalign(48, 10);	/* glibc rounds 48 up to 64 */
	printf("memalign(48) aligned to 64=%d\n", aligned_to(p, 64));
	free(p);
	p = valloc(10);
	printf("valloc page aligned=%d\n", aligned_to(p, (size_t)sysconf(_SC_PAGESIZE)));
	free(p);
	p = pvalloc(10);
	printf("pvalloc page aligned=%d usable>=page=%d\n",
	       aligned_to(p, (size_t)sysconf(_SC_PAGESIZE)),
	       malloc_usable_size(p) >= (size_t)sysconf(_SC_PAGESIZE));
	free(p);

	r = 1;
	for (size_t n = 1; n < 5000; n += 7) {
		p = malloc(n);
		r &= aligned_to(p, 16) && malloc_usable_size(p) >= n;
		free(p);
	}
	printf("malloc aligned to 16 and usable >= size=%d\n", r);
	printf("malloc_usable_size(NULL)=%zu\n", malloc_usable_size(NULL));
	errno = 77;
	free(NULL);
	p = malloc(10);
	free(p);
	printf("free keeps errno=%d\n", errno == 77);
	return 0;
}
