/*
 * test_dump.c - the dump writer and reader round trip, and the reader's
 * errors on truncated, corrupt and wrong-version files.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "format/tdump_read.h"
#include "lib/dump.h"
#include "lib/options.h"
#include "lib/table.h"
#include "lib/tls.h"

extern struct tt_opts tt_opts;
static char dir[] = "/tmp/tether-test-dump.XXXXXX";
static char path[4096];
static uint32_t s1, s2;

/* The only *.tdump in dir; fails if there is not exactly one. */
static void
find_dump(char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 6 && strcmp(e->d_name + len - 6, ".tdump") == 0) {
			snprintf(out, n, "%s/%s", dir, e->d_name);
			found++;
		}
	}
	closedir(d);
	assert_int_equal(found, 1);
}

static int
setup(void **state)
{
	uintptr_t f1[2] = { 0x401000, 0x402000 }, f2[3] = { 0x401100, 0x402100, 0x403100 };
	uint32_t slot;

	(void)state;
	assert_non_null(mkdtemp(dir));
	tt_opt_defaults(&tt_opts);
	tt_opts.output = dir;
	assert_int_equal(tt_blocks_init(1u << 16), 0);
	assert_int_equal(tt_stacks_init(1u << 12), 0);
	s1 = tt_stacks_intern(f1, 2, TT_FN_MALLOC, 0);
	s2 = tt_stacks_intern(f2, 3, TT_FN_CALLOC, TT_STACK_TRUNCATED);
	atomic_store(&tt_stacks_get(s1)->alloc_blocks, 5);
	atomic_store(&tt_stacks_get(s1)->alloc_bytes, 500);
	atomic_store(&tt_stacks_get(s1)->free_blocks, 2);
	atomic_store(&tt_stacks_get(s1)->free_bytes, 200);
	atomic_store(&tt_stacks_get(s2)->alloc_blocks, 1);
	atomic_store(&tt_stacks_get(s2)->alloc_bytes, 7);
	for (int i = 0; i < 3; i++) {
		slot = tt_blocks_take();
		tt_blocks_fill(slot, 0x10000 + 0x100 * (uintptr_t)i, 100, s1, 1, 1000 + (uint64_t)i);
	}
	slot = tt_blocks_take();
	tt_blocks_fill(slot, 0x20000, 7, s2, 2, 2000);
	/* 5000 more blocks: several block records */
	for (int i = 0; i < 5000; i++) {
		slot = tt_blocks_take();
		tt_blocks_fill(slot, 0x100000 + 0x20 * (uintptr_t)i, 1, s1, 3, 3000);
	}
	assert_int_equal(tt_dump_write(TT_TRIGGER_API), 0);
	find_dump(path, sizeof(path));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[4200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
test_dump_round_trip(void **state)
{
	char err[512];
	struct tt_dump *d = tt_dump_read(path, err, sizeof(err));
	const struct tt_dump_stack *st;
	uint64_t small = 0, at_s2 = 0;
	struct stat sb;

	(void)state;
	assert_non_null(d);
	assert_int_equal(d->proc.pid, getpid());
	assert_int_equal(d->proc.trigger, TT_TRIGGER_API);
	assert_int_equal(d->proc.seq, 1);
	assert_int_equal(d->proc.stack_depth, 64);
	assert_non_null(strstr(d->exe, "test_dump"));
	assert_non_null(d->argv[0]);
	assert_non_null(strstr(d->argv[0], "test_dump"));
	assert_true(d->nmodules >= 2);	/* the test itself and libc at least */
	assert_true(d->modules[0].rec.flags & TT_MOD_MAIN);
	assert_true(d->modules[0].build_id_len >= 16);
	assert_int_equal(d->nstacks, 2);
	st = tt_dump_stack(d, s1);
	assert_non_null(st);
	assert_int_equal(st->rec.depth, 2);
	assert_int_equal(st->frames[0], 0x401000);
	assert_int_equal(st->frames[1], 0x402000);
	assert_int_equal(st->rec.alloc_fn, TT_FN_MALLOC);
	assert_int_equal(st->rec.alloc_blocks, 5);
	assert_int_equal(st->rec.alloc_bytes, 500);
	assert_int_equal(st->rec.free_blocks, 2);
	assert_int_equal(st->rec.free_bytes, 200);
	st = tt_dump_stack(d, s2);
	assert_int_equal(st->rec.depth, 3);
	assert_int_equal(st->rec.flags, TT_STACK_TRUNCATED);
	assert_int_equal(st->rec.alloc_fn, TT_FN_CALLOC);
	assert_int_equal(d->nblocks, 5004);
	for (size_t i = 0; i < d->nblocks; i++) {
		small += d->blocks[i].size == 100;
		if (d->blocks[i].stack == s2) {
			at_s2++;
			assert_int_equal(d->blocks[i].addr, 0x20000);
			assert_int_equal(d->blocks[i].size, 7);
			assert_int_equal(d->blocks[i].thread, 2);
			assert_int_equal(d->blocks[i].time_ns, 2000);
		}
	}
	assert_int_equal(small, 3);
	assert_int_equal(at_s2, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	tt_dump_free(d);
}

static void *
slurp(size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*n);
	assert_int_equal(fread(buf, 1, *n, f), *n);
	fclose(f);
	return buf;
}

static void
test_dump_truncated_everywhere(void **state)
{
	size_t n;
	char *full = slurp(&n), err[512];

	(void)state;
	/* Every cut gives an error naming the file and a byte, never a crash. */
	for (size_t cut = 0; cut < n; cut += (cut < 4096 ? 1 : 997)) {
		char *copy = malloc(cut + 1);
		struct tt_dump *d;

		memcpy(copy, full, cut);
		d = tt_dump_parse("cut.tdump", copy, cut, err, sizeof(err));
		assert_null(d);
		assert_non_null(strstr(err, "cut.tdump: at byte "));
	}
	free(full);
}

static void
test_dump_truncated_says_so(void **state)
{
	size_t n;
	char *full = slurp(&n), err[512];
	struct tt_dump *d;

	(void)state;
	/* Cut at a record boundary: before the end record (last 48 bytes). */
	d = tt_dump_parse("x.tdump", full, n - 48, err, sizeof(err));
	assert_null(d);
	assert_non_null(strstr(err, "truncated"));
}

static void
test_dump_wrong_version_and_magic(void **state)
{
	size_t n;
	char *buf = slurp(&n), err[512];
	struct tt_dump *d;

	(void)state;
	buf[8] = 2;	/* major version 2 */
	d = tt_dump_parse("v.tdump", buf, n, err, sizeof(err));
	assert_null(d);
	assert_non_null(strstr(err, "v.tdump: at byte 8: dump format version 2."));
	assert_non_null(strstr(err, "; this tether reads version 1.x"));
	buf = slurp(&n);
	buf[0] = 'X';
	d = tt_dump_parse("m.tdump", buf, n, err, sizeof(err));
	assert_null(d);
	assert_non_null(strstr(err, "not a tether dump"));
}

static void
test_dump_corrupt_lengths_and_refs(void **state)
{
	size_t n;
	char *buf, err[512];
	struct tt_dump *d;
	uint64_t big = 1ull << 40;

	(void)state;
	/* A huge length in the first record header. */
	buf = slurp(&n);
	memcpy(buf + 32 + 8, &big, 8);
	d = tt_dump_parse("len.tdump", buf, n, err, sizeof(err));
	assert_null(d);
	assert_non_null(strstr(err, "len.tdump: at byte 32: record of type 1 claims"));
	/* Random bytes flipped anywhere: an error or a valid parse, never a crash. */
	srand(7);
	for (int i = 0; i < 2000; i++) {
		buf = slurp(&n);
		for (int k = 0; k < 4; k++)
			buf[(size_t)rand() % n] = (char)rand();
		d = tt_dump_parse("flip.tdump", buf, n, err, sizeof(err));
		tt_dump_free(d);
	}
}

static void
test_dump_unknown_record_skipped(void **state)
{
	size_t n;
	char *buf = slurp(&n), *grown, err[512];
	struct tt_rec_hdr h = { .type = 999, .len = 16 };
	struct tt_dump *d;
	size_t end_at = n - 48;	/* the end record: 16 header + 32 payload */
	uint64_t records;

	(void)state;
	grown = malloc(n + 32);
	memcpy(grown, buf, end_at);
	memcpy(grown + end_at, &h, 16);
	memset(grown + end_at + 16, 0xab, 16);
	memcpy(grown + end_at + 32, buf + end_at, 48);
	/* the end record counts records before it: one more now */
	memcpy(&records, grown + end_at + 32 + 16, 8);
	records++;
	memcpy(grown + end_at + 32 + 16, &records, 8);
	free(buf);
	d = tt_dump_parse("unknown.tdump", grown, n + 32, err, sizeof(err));
	if (d == NULL)
		fail_msg("%s", err);
	assert_int_equal(d->nblocks, 5004);
	tt_dump_free(d);
}

static void
test_dump_unwritable_output_no_file(void **state)
{
	char sub[4200];
	const char *saved = tt_opts.output;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/missing/", dir);
	tt_opts.output = sub;
	assert_int_equal(tt_dump_check_output(), -ENOENT);
	assert_int_equal(tt_dump_write(TT_TRIGGER_API), -ENOENT);
	tt_opts.output = saved;
	find_dump(sub, sizeof(sub));	/* still exactly one dump, no temp file */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_dump_truncated_everywhere),
		cmocka_unit_test(test_dump_truncated_says_so),
		cmocka_unit_test(test_dump_wrong_version_and_magic),
		cmocka_unit_test(test_dump_corrupt_lengths_and_refs),
		cmocka_unit_test(test_dump_unknown_record_skipped),
		cmocka_unit_test(test_dump_unwritable_output_no_file),
	};

	return cmocka_run_group_tests_name("dump", tests, setup, teardown);
}
