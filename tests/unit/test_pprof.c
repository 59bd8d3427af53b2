/*
 * test_pprof.c - unit tests of the pprof writer (tools/pprof.c).  Each test
 * builds a profile, writes it into a fresh temporary directory, reads it
 * back with zlib and protobuf-c, and checks it field by field.  When $GO
 * names a go binary, `go tool pprof` must also accept the file.
 * Context: a cmocka program run by `make check`; no network.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "tools/pprof.h"
#include "tools/profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile_t;
typedef Perftools__Profiles__Location pb_location_t;
typedef Perftools__Profiles__Function pb_function_t;
typedef Perftools__Profiles__Mapping pb_mapping_t;

/* Addresses and names of the profile that build_profile() describes. */
#define EXE_START UINT64_C(0x400000)
#define EXE_LIMIT UINT64_C(0x480000)
#define LIBC_START UINT64_C(0x7f0000000000)
#define LIBC_LIMIT UINT64_C(0x7f0000200000)
#define LIBC_OFFSET UINT64_C(0x28000)
#define EXE_BUILD_ID "4f2a9c1e0b7d3e5f66778899aabbccddeeff0011"
#define ADDR_MALLOC (LIBC_START + 0x1234)
#define ADDR_LEAK (EXE_START + 0x1100)
#define ADDR_MAIN (EXE_START + 0x1200)

/* The per-test fixture: a private directory, removed afterwards. */
struct fixture {
	char dir[PATH_MAX];	/* the temporary directory */
	char file[PATH_MAX];	/* dir + "/out.pb.gz" */
};

/* Location ids of build_profile(), in the order they were added. */
struct built {
	uint64_t exe_map;	/* mapping id of the executable */
	uint64_t libc_map;	/* mapping id of libc */
	uint64_t loc_malloc;	/* leaf: malloc in libc */
	uint64_t loc_leak;	/* make_node inlined into leak_some */
	uint64_t loc_main;	/* main */
	uint64_t loc_malloc_again; /* the malloc location added a second time */
};

/*
 * snprintf that fails the test instead of truncating, for building paths
 * and commands.  Return: the length written.
 */
static int
fmt(char *dst, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int
fmt(char *dst, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(dst, size, format, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
	return n;
}

/* Remove a directory tree; only what the tests create (files, dirs). */
static void
rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		fmt(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rmtree(sub);
	}
	closedir(d);
	chmod(path, 0700);
	rmdir(path);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	fmt(f->dir, sizeof(f->dir), "%s/tt-pprof-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	fmt(f->file, sizeof(f->file), "%s/out.pb.gz", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rmtree(f->dir);
	free(f);
	return 0;
}

/* Number of entries in dir other than "." and "..". */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Read a whole file into a malloc'd buffer. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;
	size_t n = 0;

	assert_non_null(fp);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, fp);

		if (got == 0)
			break;
		n += got;
	}
	assert_int_equal(ferror(fp), 0);
	fclose(fp);
	*len = n;
	return buf;
}

/*
 * Gunzip a buffer with zlib.  windowBits 15 + 16 accepts gzip only, so a
 * writer that produced zlib or raw deflate data fails here.
 */
static uint8_t *
gunzip(const uint8_t *in, size_t inlen, size_t *outlen)
{
	z_stream zs;
	uint8_t *out = NULL;
	size_t cap = 0;
	int zerr;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)inlen;
	do {
		if (zs.total_out == cap) {
			cap = cap ? cap * 2 : 4096;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		zs.next_out = out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		zerr = inflate(&zs, Z_NO_FLUSH);
		assert_true(zerr == Z_OK || zerr == Z_STREAM_END);
	} while (zerr != Z_STREAM_END);
	/* Nothing may follow the gzip member. */
	assert_int_equal(zs.avail_in, 0);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
}

/* Read, gunzip and decode a profile file; free with free_profile(). */
static pb_profile_t *
read_profile(const char *path)
{
	size_t gzlen;
	size_t rawlen;
	uint8_t *gz = slurp(path, &gzlen);
	uint8_t *raw;
	pb_profile_t *prof;

	/* The gzip magic: the file is gzip, not raw protobuf. */
	assert_true(gzlen > 2 && gz[0] == 0x1f && gz[1] == 0x8b);
	raw = gunzip(gz, gzlen, &rawlen);
	prof = perftools__profiles__profile__unpack(NULL, rawlen, raw);
	assert_non_null(prof);
	free(raw);
	free(gz);
	return prof;
}

static void
free_profile(pb_profile_t *prof)
{
	perftools__profiles__profile__free_unpacked(prof, NULL);
}

/* The string at index idx, with bounds checked. */
static const char *
str_at(const pb_profile_t *prof, int64_t idx)
{
	assert_in_range(idx, 0, prof->n_string_table - 1);
	return prof->string_table[idx];
}

/* The location with id, found by scanning (ids need not be positions). */
static const pb_location_t *
find_location(const pb_profile_t *prof, uint64_t id)
{
	assert_int_not_equal(id, 0);
	for (size_t i = 0; i < prof->n_location; i++) {
		if (prof->location[i]->id == id)
			return prof->location[i];
	}
	fail_msg("no location with id %" PRIu64, id);
	return NULL;
}

static const pb_function_t *
find_function(const pb_profile_t *prof, uint64_t id)
{
	assert_int_not_equal(id, 0);
	for (size_t i = 0; i < prof->n_function; i++) {
		if (prof->function[i]->id == id)
			return prof->function[i];
	}
	fail_msg("no function with id %" PRIu64, id);
	return NULL;
}

static const pb_mapping_t *
find_mapping(const pb_profile_t *prof, uint64_t id)
{
	assert_int_not_equal(id, 0);
	for (size_t i = 0; i < prof->n_mapping; i++) {
		if (prof->mapping[i]->id == id)
			return prof->mapping[i];
	}
	fail_msg("no mapping with id %" PRIu64, id);
	return NULL;
}

/* The readable name of the function of line i of a location. */
static const char *
line_function(const pb_profile_t *prof, const pb_location_t *loc, size_t i)
{
	assert_true(i < loc->n_line);
	return str_at(prof, find_function(prof, loc->line[i]->function_id)->name);
}

/*
 * A small heap profile: four sample types (counts before bytes), two
 * mappings, three locations of which one has an inlined frame, and three
 * samples carrying string and numeric labels.
 */
static struct tt_pprof *
build_profile(struct built *b)
{
	struct tt_pprof *p = tt_pprof_new();
	const struct tt_pprof_line malloc_lines[] = {
		{ "malloc", NULL, "malloc.c", 3020 },
	};
	const struct tt_pprof_line leak_lines[] = {
		/* Innermost first: make_node was inlined into leak_some. */
		{ "make_node", "_ZL9make_nodev", "leak.c", 12 },
		{ "leak_some", NULL, "leak.c", 40 },
	};
	const struct tt_pprof_line main_lines[] = {
		{ "main", NULL, "leak.c", 77 },
	};
	const struct tt_pprof_label labels1[] = {
		{ "thread", "worker-1", 0, NULL },
		{ "bytes", NULL, 4096, "bytes" },
	};
	const struct tt_pprof_label labels2[] = {
		{ "thread", "main", 0, NULL },
		{ "age", NULL, 250, NULL },
	};
	uint64_t stack1[3];
	uint64_t stack2[2];
	const int64_t v1[] = { 2, 8192, 1, 4096 };
	const int64_t v2[] = { 5, 160, 5, 160 };
	const int64_t v3[] = { 1, 16, 0, 0 };

	assert_non_null(p);
	tt_pprof_sample_type(p, "alloc_objects", "count");
	tt_pprof_sample_type(p, "alloc_space", "bytes");
	tt_pprof_sample_type(p, "inuse_objects", "count");
	tt_pprof_sample_type(p, "inuse_space", "bytes");
	tt_pprof_default_sample_type(p, "inuse_space");
	tt_pprof_period(p, "space", "bytes", 1);
	tt_pprof_time(p, INT64_C(1700000000123456789), INT64_C(2500000000));
	tt_pprof_comment(p, "tether test profile");
	tt_pprof_comment(p, "second comment");

	b->exe_map = tt_pprof_mapping(p, EXE_START, EXE_LIMIT, 0, "/usr/bin/leaky",
				      EXE_BUILD_ID, true, true, true, true);
	b->libc_map = tt_pprof_mapping(p, LIBC_START, LIBC_LIMIT, LIBC_OFFSET,
				       "/lib/x86_64-linux-gnu/libc.so.6", NULL,
				       true, true, true, false);
	b->loc_malloc = tt_pprof_location(p, b->libc_map, ADDR_MALLOC,
					  malloc_lines, 1);
	b->loc_leak = tt_pprof_location(p, b->exe_map, ADDR_LEAK, leak_lines, 2);
	b->loc_main = tt_pprof_location(p, b->exe_map, ADDR_MAIN, main_lines, 1);
	b->loc_malloc_again = tt_pprof_location(p, b->libc_map, ADDR_MALLOC,
						malloc_lines, 1);

	stack1[0] = b->loc_malloc;
	stack1[1] = b->loc_leak;
	stack1[2] = b->loc_main;
	stack2[0] = b->loc_malloc_again;
	stack2[1] = b->loc_main;
	tt_pprof_sample(p, stack1, 3, v1, labels1, 2);
	tt_pprof_sample(p, stack2, 2, v2, labels2, 2);
	tt_pprof_sample(p, stack2, 2, v3, NULL, 0);
	return p;
}

/* Write build_profile() to the fixture's file and decode it. */
static pb_profile_t *
write_and_read(struct fixture *f, struct built *b)
{
	struct tt_pprof *p = build_profile(b);

	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);
	/* Only the final file is left: the temporary name was renamed. */
	assert_int_equal(count_entries(f->dir), 1);
	return read_profile(f->file);
}

/* The generated descriptors carry the field numbers pprof publishes. */
static void
test_pprof_field_numbers_match_pprof(void **state)
{
	static const struct {
		const ProtobufCMessageDescriptor *desc;
		const char *field;
		unsigned int number;
	} want[] = {
		{ &perftools__profiles__profile__descriptor, "sample_type", 1 },
		{ &perftools__profiles__profile__descriptor, "sample", 2 },
		{ &perftools__profiles__profile__descriptor, "mapping", 3 },
		{ &perftools__profiles__profile__descriptor, "location", 4 },
		{ &perftools__profiles__profile__descriptor, "function", 5 },
		{ &perftools__profiles__profile__descriptor, "string_table", 6 },
		{ &perftools__profiles__profile__descriptor, "drop_frames", 7 },
		{ &perftools__profiles__profile__descriptor, "keep_frames", 8 },
		{ &perftools__profiles__profile__descriptor, "time_nanos", 9 },
		{ &perftools__profiles__profile__descriptor, "duration_nanos", 10 },
		{ &perftools__profiles__profile__descriptor, "period_type", 11 },
		{ &perftools__profiles__profile__descriptor, "period", 12 },
		{ &perftools__profiles__profile__descriptor, "comment", 13 },
		{ &perftools__profiles__profile__descriptor, "default_sample_type", 14 },
		{ &perftools__profiles__value_type__descriptor, "type", 1 },
		{ &perftools__profiles__value_type__descriptor, "unit", 2 },
		{ &perftools__profiles__sample__descriptor, "location_id", 1 },
		{ &perftools__profiles__sample__descriptor, "value", 2 },
		{ &perftools__profiles__sample__descriptor, "label", 3 },
		{ &perftools__profiles__label__descriptor, "key", 1 },
		{ &perftools__profiles__label__descriptor, "str", 2 },
		{ &perftools__profiles__label__descriptor, "num", 3 },
		{ &perftools__profiles__label__descriptor, "num_unit", 4 },
		{ &perftools__profiles__mapping__descriptor, "id", 1 },
		{ &perftools__profiles__mapping__descriptor, "memory_start", 2 },
		{ &perftools__profiles__mapping__descriptor, "memory_limit", 3 },
		{ &perftools__profiles__mapping__descriptor, "file_offset", 4 },
		{ &perftools__profiles__mapping__descriptor, "filename", 5 },
		{ &perftools__profiles__mapping__descriptor, "build_id", 6 },
		{ &perftools__profiles__mapping__descriptor, "has_functions", 7 },
		{ &perftools__profiles__mapping__descriptor, "has_filenames", 8 },
		{ &perftools__profiles__mapping__descriptor, "has_line_numbers", 9 },
		{ &perftools__profiles__mapping__descriptor, "has_inline_frames", 10 },
		{ &perftools__profiles__location__descriptor, "id", 1 },
		{ &perftools__profiles__location__descriptor, "mapping_id", 2 },
		{ &perftools__profiles__location__descriptor, "address", 3 },
		{ &perftools__profiles__location__descriptor, "line", 4 },
		{ &perftools__profiles__location__descriptor, "is_folded", 5 },
		{ &perftools__profiles__line__descriptor, "function_id", 1 },
		{ &perftools__profiles__line__descriptor, "line", 2 },
		{ &perftools__profiles__line__descriptor, "column", 3 },
		{ &perftools__profiles__function__descriptor, "id", 1 },
		{ &perftools__profiles__function__descriptor, "name", 2 },
		{ &perftools__profiles__function__descriptor, "system_name", 3 },
		{ &perftools__profiles__function__descriptor, "filename", 4 },
		{ &perftools__profiles__function__descriptor, "start_line", 5 },
	};
	const ProtobufCFieldDescriptor *fd;

	assert_string_equal(perftools__profiles__profile__descriptor.name,
			    "perftools.profiles.Profile");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fd = protobuf_c_message_descriptor_get_field_by_name(
			want[i].desc, want[i].field);
		assert_non_null(fd);
		assert_int_equal(fd->id, want[i].number);
	}
	/* Sample's two numeric arrays must be packed on the wire. */
	fd = protobuf_c_message_descriptor_get_field_by_name(
		&perftools__profiles__sample__descriptor, "location_id");
	assert_true(fd->flags & PROTOBUF_C_FIELD_FLAG_PACKED);
	fd = protobuf_c_message_descriptor_get_field_by_name(
		&perftools__profiles__sample__descriptor, "value");
	assert_true(fd->flags & PROTOBUF_C_FIELD_FLAG_PACKED);
}

/* Profile-level fields: sample types, default, period, time, comments. */
static void
test_pprof_header_fields_round_trip(void **state)
{
	struct fixture *f = *state;
	struct built b;
	pb_profile_t *prof = write_and_read(f, &b);

	assert_true(prof->n_string_table > 0);
	assert_string_equal(prof->string_table[0], "");

	assert_int_equal(prof->n_sample_type, 4);
	assert_string_equal(str_at(prof, prof->sample_type[0]->type), "alloc_objects");
	assert_string_equal(str_at(prof, prof->sample_type[0]->unit), "count");
	assert_string_equal(str_at(prof, prof->sample_type[1]->type), "alloc_space");
	assert_string_equal(str_at(prof, prof->sample_type[1]->unit), "bytes");
	assert_string_equal(str_at(prof, prof->sample_type[2]->type), "inuse_objects");
	assert_string_equal(str_at(prof, prof->sample_type[3]->type), "inuse_space");
	assert_string_equal(str_at(prof, prof->sample_type[3]->unit), "bytes");
	assert_string_equal(str_at(prof, prof->default_sample_type), "inuse_space");

	assert_non_null(prof->period_type);
	assert_string_equal(str_at(prof, prof->period_type->type), "space");
	assert_string_equal(str_at(prof, prof->period_type->unit), "bytes");
	assert_int_equal(prof->period, 1);
	assert_int_equal(prof->time_nanos, INT64_C(1700000000123456789));
	assert_int_equal(prof->duration_nanos, INT64_C(2500000000));

	assert_int_equal(prof->n_comment, 2);
	assert_string_equal(str_at(prof, prof->comment[0]), "tether test profile");
	assert_string_equal(str_at(prof, prof->comment[1]), "second comment");
	free_profile(prof);
}

/* Mappings keep their ranges, files, build ids and symbol flags. */
static void
test_pprof_mappings_round_trip(void **state)
{
	struct fixture *f = *state;
	struct built b;
	pb_profile_t *prof = write_and_read(f, &b);
	const pb_mapping_t *m;

	assert_int_equal(prof->n_mapping, 2);
	assert_int_not_equal(b.exe_map, 0);
	assert_int_not_equal(b.libc_map, 0);
	assert_int_not_equal(b.exe_map, b.libc_map);

	/* mapping[0] is the main binary, the first one added. */
	m = prof->mapping[0];
	assert_int_equal(m->id, b.exe_map);
	assert_int_equal(m->memory_start, EXE_START);
	assert_int_equal(m->memory_limit, EXE_LIMIT);
	assert_int_equal(m->file_offset, 0);
	assert_string_equal(str_at(prof, m->filename), "/usr/bin/leaky");
	assert_string_equal(str_at(prof, m->build_id), EXE_BUILD_ID);
	assert_true(m->has_functions);
	assert_true(m->has_filenames);
	assert_true(m->has_line_numbers);
	assert_true(m->has_inline_frames);

	m = find_mapping(prof, b.libc_map);
	assert_int_equal(m->memory_start, LIBC_START);
	assert_int_equal(m->memory_limit, LIBC_LIMIT);
	assert_int_equal(m->file_offset, LIBC_OFFSET);
	assert_string_equal(str_at(prof, m->filename),
			    "/lib/x86_64-linux-gnu/libc.so.6");
	/* A NULL build id is the empty string, index 0. */
	assert_int_equal(m->build_id, 0);
	assert_true(m->has_functions);
	assert_false(m->has_inline_frames);
	free_profile(prof);
}

/* Locations keep mapping, address and lines, innermost line first. */
static void
test_pprof_locations_inline_order(void **state)
{
	struct fixture *f = *state;
	struct built b;
	pb_profile_t *prof = write_and_read(f, &b);
	const pb_location_t *loc;
	const pb_function_t *fn;

	assert_int_equal(prof->n_location, 3);
	for (size_t i = 0; i < prof->n_location; i++)
		assert_int_not_equal(prof->location[i]->id, 0);
	for (size_t i = 0; i < prof->n_function; i++)
		assert_int_not_equal(prof->function[i]->id, 0);

	loc = find_location(prof, b.loc_malloc);
	assert_int_equal(loc->mapping_id, b.libc_map);
	assert_int_equal(loc->address, ADDR_MALLOC);
	assert_int_equal(loc->n_line, 1);
	assert_string_equal(line_function(prof, loc, 0), "malloc");
	assert_int_equal(loc->line[0]->line, 3020);

	loc = find_location(prof, b.loc_leak);
	assert_int_equal(loc->mapping_id, b.exe_map);
	assert_int_equal(loc->address, ADDR_LEAK);
	assert_int_equal(loc->n_line, 2);
	assert_string_equal(line_function(prof, loc, 0), "make_node");
	assert_int_equal(loc->line[0]->line, 12);
	assert_string_equal(line_function(prof, loc, 1), "leak_some");
	assert_int_equal(loc->line[1]->line, 40);

	/* system_name and filename of the inlined function. */
	fn = find_function(prof, loc->line[0]->function_id);
	assert_string_equal(str_at(prof, fn->system_name), "_ZL9make_nodev");
	assert_string_equal(str_at(prof, fn->filename), "leak.c");
	/* A NULL system_name means "same as the name". */
	fn = find_function(prof, loc->line[1]->function_id);
	assert_string_equal(str_at(prof, fn->system_name), "leak_some");

	loc = find_location(prof, b.loc_main);
	assert_int_equal(loc->n_line, 1);
	assert_string_equal(line_function(prof, loc, 0), "main");
	assert_int_equal(loc->line[0]->line, 77);
	free_profile(prof);
}

/* Samples keep location order (leaf first), values and both label kinds. */
static void
test_pprof_samples_values_labels(void **state)
{
	struct fixture *f = *state;
	struct built b;
	pb_profile_t *prof = write_and_read(f, &b);
	const Perftools__Profiles__Sample *s;
	const Perftools__Profiles__Label *l;

	assert_int_equal(prof->n_sample, 3);

	s = prof->sample[0];
	assert_int_equal(s->n_location_id, 3);
	assert_int_equal(s->location_id[0], b.loc_malloc);
	assert_int_equal(s->location_id[1], b.loc_leak);
	assert_int_equal(s->location_id[2], b.loc_main);
	assert_string_equal(line_function(prof,
		find_location(prof, s->location_id[0]), 0), "malloc");
	assert_int_equal(s->n_value, 4);
	assert_int_equal(s->value[0], 2);
	assert_int_equal(s->value[1], 8192);
	assert_int_equal(s->value[2], 1);
	assert_int_equal(s->value[3], 4096);
	assert_int_equal(s->n_label, 2);
	l = s->label[0];
	assert_string_equal(str_at(prof, l->key), "thread");
	assert_string_equal(str_at(prof, l->str), "worker-1");
	assert_int_equal(l->num, 0);
	l = s->label[1];
	assert_string_equal(str_at(prof, l->key), "bytes");
	assert_int_equal(l->str, 0);
	assert_int_equal(l->num, 4096);
	assert_string_equal(str_at(prof, l->num_unit), "bytes");

	s = prof->sample[1];
	assert_int_equal(s->n_location_id, 2);
	assert_int_equal(s->location_id[0], b.loc_malloc);
	assert_int_equal(s->location_id[1], b.loc_main);
	assert_int_equal(s->value[0], 5);
	assert_int_equal(s->value[3], 160);
	assert_int_equal(s->n_label, 2);
	assert_string_equal(str_at(prof, s->label[0]->str), "main");
	assert_string_equal(str_at(prof, s->label[1]->key), "age");
	assert_int_equal(s->label[1]->num, 250);
	assert_int_equal(s->label[1]->num_unit, 0);

	s = prof->sample[2];
	assert_int_equal(s->n_label, 0);
	assert_int_equal(s->n_value, 4);
	assert_int_equal(s->value[1], 16);
	assert_int_equal(s->value[2], 0);
	free_profile(prof);
}

/* Each string, function, mapping and location is stored once. */
static void
test_pprof_dedup(void **state)
{
	struct fixture *f = *state;
	struct built b;
	pb_profile_t *prof = write_and_read(f, &b);
	size_t leak_c = 0;

	/* The same (mapping, address) gave the same location. */
	assert_int_equal(b.loc_malloc_again, b.loc_malloc);
	assert_int_equal(prof->n_location, 3);
	/* malloc, make_node, leak_some, main: each once. */
	assert_int_equal(prof->n_function, 4);

	/* No string twice; "leak.c" is used by three functions yet stored once. */
	for (size_t i = 0; i < prof->n_string_table; i++) {
		if (strcmp(prof->string_table[i], "leak.c") == 0)
			leak_c++;
		for (size_t j = i + 1; j < prof->n_string_table; j++)
			assert_string_not_equal(prof->string_table[i],
						prof->string_table[j]);
	}
	assert_int_equal(leak_c, 1);
	free_profile(prof);
}

/* Adding the same mapping or function again returns the first id. */
static void
test_pprof_dedup_mapping_and_function(void **state)
{
	struct fixture *f = *state;
	struct tt_pprof *p = tt_pprof_new();
	const struct tt_pprof_line a = { "f", NULL, "a.c", 1 };
	const struct tt_pprof_line a_other_file = { "f", NULL, "b.c", 1 };
	const struct tt_pprof_line a_other_line = { "f", NULL, "a.c", 9 };
	const int64_t one = 1;
	uint64_t m1, m2, m3, locs[3];
	pb_profile_t *prof;

	assert_non_null(p);
	tt_pprof_sample_type(p, "count", "count");
	m1 = tt_pprof_mapping(p, 0x1000, 0x2000, 0, "/bin/x", "ab", false,
			      false, false, false);
	/* The same mapping again, now claiming functions: same id, flag kept. */
	m2 = tt_pprof_mapping(p, 0x1000, 0x2000, 0, "/bin/x", "ab", true,
			      false, false, false);
	m3 = tt_pprof_mapping(p, 0x3000, 0x4000, 0, "/bin/x", "ab", false,
			      false, false, false);
	assert_int_equal(m1, 1);
	assert_int_equal(m2, m1);
	assert_int_equal(m3, 2);

	locs[0] = tt_pprof_location(p, m1, 0x1010, &a, 1);
	locs[1] = tt_pprof_location(p, m1, 0x1020, &a_other_file, 1);
	locs[2] = tt_pprof_location(p, m1, 0x1030, &a_other_line, 1);
	/* The same address in another mapping is another location. */
	assert_int_not_equal(tt_pprof_location(p, m3, 0x1010, &a, 1), locs[0]);
	tt_pprof_sample(p, locs, 3, &one, NULL, 0);
	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);

	prof = read_profile(f->file);
	assert_int_equal(prof->n_mapping, 2);
	assert_true(find_mapping(prof, m1)->has_functions);
	assert_int_equal(prof->n_location, 4);
	/* f in a.c (twice, lines differ) and f in b.c: two functions. */
	assert_int_equal(prof->n_function, 2);
	assert_int_equal(find_location(prof, locs[0])->line[0]->function_id,
			 find_location(prof, locs[2])->line[0]->function_id);
	assert_int_not_equal(find_location(prof, locs[0])->line[0]->function_id,
			     find_location(prof, locs[1])->line[0]->function_id);
	free_profile(prof);
}

/* Enough entries to grow every hash table several times. */
static void
test_pprof_many_locations_grow_tables(void **state)
{
	enum { N = 5000 };
	struct fixture *f = *state;
	struct tt_pprof *p = tt_pprof_new();
	uint64_t *ids = calloc(N, sizeof(*ids));
	pb_profile_t *prof;
	uint64_t map;
	char name[32];

	assert_non_null(p);
	assert_non_null(ids);
	tt_pprof_sample_type(p, "count", "count");
	map = tt_pprof_mapping(p, 0x10000, 0x20000000, 0, "/bin/big", NULL,
			       true, true, true, false);
	for (size_t i = 0; i < N; i++) {
		struct tt_pprof_line ln = { name, NULL, "big.c", (int64_t)i + 1 };

		fmt(name, sizeof(name), "fn_%zu", i);
		ids[i] = tt_pprof_location(p, map, 0x10000 + i * 16, &ln, 1);
		assert_int_equal(ids[i], i + 1);
	}
	/* Second pass: every lookup finds the first id. */
	for (size_t i = 0; i < N; i++) {
		struct tt_pprof_line ln = { "ignored", NULL, NULL, 0 };

		assert_int_equal(tt_pprof_location(p, map, 0x10000 + i * 16,
						   &ln, 1), ids[i]);
	}
	for (size_t i = 0; i < N; i += 100) {
		const int64_t v = (int64_t)i;

		tt_pprof_sample(p, &ids[i], N - i < 50 ? N - i : 50, &v, NULL, 0);
	}
	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);

	prof = read_profile(f->file);
	assert_int_equal(prof->n_location, N);
	assert_int_equal(prof->n_function, N);
	assert_int_equal(prof->n_sample, N / 100);
	/* "", count, /bin/big, big.c, and one name per function. */
	assert_int_equal(prof->n_string_table, 4 + N);
	assert_string_equal(line_function(prof, find_location(prof, ids[N - 1]), 0),
			    "fn_4999");
	assert_int_equal(find_location(prof, ids[1234])->line[0]->line, 1235);
	free_profile(prof);
	free(ids);
}

/* Lines without a function are dropped: pprof rejects function_id 0. */
static void
test_pprof_unknown_function_lines_dropped(void **state)
{
	struct fixture *f = *state;
	struct tt_pprof *p = tt_pprof_new();
	const struct tt_pprof_line lines[] = {
		{ NULL, NULL, "x.c", 5 },
		{ "known", NULL, NULL, 0 },
	};
	const int64_t one = 1;
	uint64_t loc[2];
	pb_profile_t *prof;
	const pb_location_t *l;

	assert_non_null(p);
	tt_pprof_sample_type(p, "count", "count");
	/* No mapping and no lines at all is a valid, address-only location. */
	loc[0] = tt_pprof_location(p, 0, 0xdead, NULL, 0);
	loc[1] = tt_pprof_location(p, 0, 0xbeef, lines, 2);
	tt_pprof_sample(p, loc, 2, &one, NULL, 0);
	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);

	prof = read_profile(f->file);
	assert_int_equal(prof->n_mapping, 0);
	l = find_location(prof, loc[0]);
	assert_int_equal(l->mapping_id, 0);
	assert_int_equal(l->address, 0xdead);
	assert_int_equal(l->n_line, 0);
	l = find_location(prof, loc[1]);
	assert_int_equal(l->n_line, 1);
	assert_string_equal(line_function(prof, l, 0), "known");
	assert_int_equal(find_function(prof, l->line[0]->function_id)->filename, 0);
	free_profile(prof);
}

/* Values must match the sample types; a mismatch writes nothing. */
static void
test_pprof_value_count_mismatch_einval(void **state)
{
	struct fixture *f = *state;
	struct tt_pprof *p = tt_pprof_new();
	const int64_t v[] = { 1, 2 };
	uint64_t loc;

	assert_non_null(p);
	tt_pprof_sample_type(p, "alloc_objects", "count");
	loc = tt_pprof_location(p, 0, 0x10, NULL, 0);
	tt_pprof_sample(p, &loc, 1, v, NULL, 0);
	/* A type added after the sample leaves that sample one value short. */
	tt_pprof_sample_type(p, "alloc_space", "bytes");
	assert_int_equal(tt_pprof_write(p, f->file), -EINVAL);
	assert_int_equal(count_entries(f->dir), 0);
	tt_pprof_free(p);

	/* A location id that was never handed out is refused too. */
	p = tt_pprof_new();
	assert_non_null(p);
	tt_pprof_sample_type(p, "alloc_objects", "count");
	loc = 7;
	tt_pprof_sample(p, &loc, 1, v, NULL, 0);
	assert_int_equal(tt_pprof_write(p, f->file), -EINVAL);
	assert_int_equal(count_entries(f->dir), 0);
	tt_pprof_free(p);
}

/* An unwritable path gives -errno and leaves no file behind. */
static void
test_pprof_unwritable_path_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	struct built b;
	struct tt_pprof *p = build_profile(&b);
	char path[PATH_MAX + 64];
	char ro[PATH_MAX];
	int fd;

	/* The directory does not exist. */
	fmt(path, sizeof(path), "%s/missing/out.pb.gz", f->dir);
	assert_int_equal(tt_pprof_write(p, path), -ENOENT);
	assert_int_equal(count_entries(f->dir), 0);

	/* A path component is a regular file. */
	fmt(path, sizeof(path), "%s/plain", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	fmt(path, sizeof(path), "%s/plain/out.pb.gz", f->dir);
	assert_int_equal(tt_pprof_write(p, path), -ENOTDIR);
	assert_int_equal(count_entries(f->dir), 1);

	/* A read-only directory; root ignores the mode, so only as non-root. */
	if (geteuid() != 0) {
		fmt(ro, sizeof(ro), "%s/ro", f->dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		fmt(path, sizeof(path), "%s/out.pb.gz", ro);
		assert_int_equal(tt_pprof_write(p, path), -EACCES);
		assert_int_equal(count_entries(ro), 0);
	}

	/* The target is a directory: rename fails and the temp file goes. */
	fmt(path, sizeof(path), "%s/adir", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(tt_pprof_write(p, path), -EISDIR);
	assert_int_equal(count_entries(path), 0);
	assert_int_equal(count_entries(f->dir), geteuid() != 0 ? 3 : 2);
	tt_pprof_free(p);
}

/* Writing over an existing file replaces it whole. */
static void
test_pprof_overwrite_replaces_file(void **state)
{
	struct fixture *f = *state;
	struct built b;
	struct tt_pprof *p;
	pb_profile_t *prof;
	FILE *fp = fopen(f->file, "w");

	assert_non_null(fp);
	fputs("old contents, longer than nothing\n", fp);
	fclose(fp);
	p = build_profile(&b);
	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);
	assert_int_equal(count_entries(f->dir), 1);
	prof = read_profile(f->file);
	assert_int_equal(prof->n_sample, 3);
	free_profile(prof);
}

/* "-" writes the same gzip stream to standard output. */
static void
test_pprof_dash_writes_stdout(void **state)
{
	struct fixture *f = *state;
	struct built b;
	struct tt_pprof *p = build_profile(&b);
	pb_profile_t *prof;
	int saved;
	int fd;
	int err;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	fd = open(f->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	err = tt_pprof_write(p, "-");
	/* Restore stdout before any assertion can print. */
	dup2(saved, STDOUT_FILENO);
	close(saved);
	assert_int_equal(err, 0);
	tt_pprof_free(p);

	prof = read_profile(f->file);
	assert_int_equal(prof->n_sample, 3);
	assert_int_equal(prof->n_mapping, 2);
	free_profile(prof);
}

/*
 * `go tool pprof` reads the file.  Go needs a home and a cache; both go
 * into the fixture directory so the test touches nothing else, and
 * -symbolize=none keeps pprof from looking for binaries or the network.
 */
static void
test_pprof_go_tool_pprof_reads_it(void **state)
{
	struct fixture *f = *state;
	const char *go = getenv("GO");
	struct built b;
	struct tt_pprof *p;
	char cmd[4 * PATH_MAX];
	char home[PATH_MAX + 16];
	char line[1024];
	char log[4096] = "";
	bool saw_make_node = false;
	bool saw_sample_type = false;
	FILE *out;
	int status;

	if (go == NULL || *go == '\0' || strcmp(go, "no") == 0)
		skip();
	p = build_profile(&b);
	assert_int_equal(tt_pprof_write(p, f->file), 0);
	tt_pprof_free(p);

	fmt(home, sizeof(home), "%s/home", f->dir);
	assert_int_equal(mkdir(home, 0700), 0);
	/* Paths are quoted with '...', so they must not contain a quote. */
	assert_null(strchr(go, '\''));
	assert_null(strchr(f->dir, '\''));
	fmt(cmd, sizeof(cmd),
		 "env HOME='%s' GOPATH='%s/gopath' GOCACHE='%s/gocache' "
		 "PPROF_TMPDIR='%s' GOFLAGS= GOTOOLCHAIN=local GOPROXY=off "
		 "'%s' tool pprof -symbolize=none -raw '%s' 2>&1",
		 home, home, home, home, go, f->file);
	out = popen(cmd, "r");
	assert_non_null(out);
	while (fgets(line, sizeof(line), out) != NULL) {
		if (strstr(line, "make_node") != NULL)
			saw_make_node = true;
		if (strstr(line, "inuse_space/bytes") != NULL)
			saw_sample_type = true;
		/* Keep the head of the output to show if the checks fail. */
		if (strlen(log) + strlen(line) < sizeof(log))
			strcat(log, line);
	}
	status = pclose(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !saw_make_node || !saw_sample_type)
		print_message("%s: %s\n%s", go, cmd, log);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(saw_make_node);
	assert_true(saw_sample_type);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_field_numbers_match_pprof),
		cmocka_unit_test_setup_teardown(test_pprof_header_fields_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_mappings_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_locations_inline_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_samples_values_labels,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_dedup,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_dedup_mapping_and_function,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_many_locations_grow_tables,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_unknown_function_lines_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_value_count_mismatch_einval,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_unwritable_path_fails_cleanly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_overwrite_replaces_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_dash_writes_stdout,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pprof_go_tool_pprof_reads_it,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
