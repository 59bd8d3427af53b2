/*
 * pprof.c - build a pprof profile (tools/profile.proto) in memory and write
 * it gzipped; report_pprof.c is the caller.  Strings, functions, mappings
 * and locations are interned through small open-addressing hash tables, so
 * each is stored once.  Encoding is protobuf-c's, compression is zlib's.
 * Context: the tether tool only; allocates with malloc, not signal-safe.
 *
 * The rules of the format, all kept here:
 *   - the file on disk is gzip (not zlib or raw deflate) data;
 *   - string_table[0] is "", and 0 stands for "no string" in every field;
 *   - mapping, location and function ids are nonzero (1 + array index here);
 *   - a sample lists its locations leaf first; a location lists its lines
 *     innermost inlined function first;
 *   - mapping[0] is the main binary, so callers add it first;
 *   - sample_type order is value order, and counts come before bytes
 *     (alloc_objects before alloc_space), as pprof's heap profiles do;
 *   - every Line names a function: `go tool pprof` rejects a profile whose
 *     line has function_id 0, so lines without a function are dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "tools/pprof.h"
#include "tools/util.h"
#include "tools/profile.pb-c.h"

/*
 * Field numbers of tools/profile.proto, for reading a hex dump of our
 * output.  protobuf-c encodes from the generated descriptors, so these
 * document the wire format rather than drive it; tests/unit/test_pprof.c
 * checks the generated descriptors against the same published numbers.
 */
enum {
	TT_PB_PROFILE_SAMPLE_TYPE = 1,		/* Profile.sample_type = 1 */
	TT_PB_PROFILE_SAMPLE = 2,		/* Profile.sample = 2 */
	TT_PB_PROFILE_MAPPING = 3,		/* Profile.mapping = 3 */
	TT_PB_PROFILE_LOCATION = 4,		/* Profile.location = 4 */
	TT_PB_PROFILE_FUNCTION = 5,		/* Profile.function = 5 */
	TT_PB_PROFILE_STRING_TABLE = 6,		/* Profile.string_table = 6 */
	TT_PB_PROFILE_DROP_FRAMES = 7,		/* Profile.drop_frames = 7, unused */
	TT_PB_PROFILE_KEEP_FRAMES = 8,		/* Profile.keep_frames = 8, unused */
	TT_PB_PROFILE_TIME_NANOS = 9,		/* Profile.time_nanos = 9 */
	TT_PB_PROFILE_DURATION_NANOS = 10,	/* Profile.duration_nanos = 10 */
	TT_PB_PROFILE_PERIOD_TYPE = 11,		/* Profile.period_type = 11 */
	TT_PB_PROFILE_PERIOD = 12,		/* Profile.period = 12 */
	TT_PB_PROFILE_COMMENT = 13,		/* Profile.comment = 13 */
	TT_PB_PROFILE_DEFAULT_SAMPLE_TYPE = 14,	/* Profile.default_sample_type = 14 */
	TT_PB_VALUE_TYPE_TYPE = 1,		/* ValueType.type = 1 */
	TT_PB_VALUE_TYPE_UNIT = 2,		/* ValueType.unit = 2 */
	TT_PB_SAMPLE_LOCATION_ID = 1,		/* Sample.location_id = 1, packed */
	TT_PB_SAMPLE_VALUE = 2,			/* Sample.value = 2, packed */
	TT_PB_SAMPLE_LABEL = 3,			/* Sample.label = 3 */
	TT_PB_LABEL_KEY = 1,			/* Label.key = 1 */
	TT_PB_LABEL_STR = 2,			/* Label.str = 2 */
	TT_PB_LABEL_NUM = 3,			/* Label.num = 3 */
	TT_PB_LABEL_NUM_UNIT = 4,		/* Label.num_unit = 4 */
	TT_PB_MAPPING_ID = 1,			/* Mapping.id = 1 */
	TT_PB_MAPPING_MEMORY_START = 2,		/* Mapping.memory_start = 2 */
	TT_PB_MAPPING_MEMORY_LIMIT = 3,		/* Mapping.memory_limit = 3 */
	TT_PB_MAPPING_FILE_OFFSET = 4,		/* Mapping.file_offset = 4 */
	TT_PB_MAPPING_FILENAME = 5,		/* Mapping.filename = 5 */
	TT_PB_MAPPING_BUILD_ID = 6,		/* Mapping.build_id = 6 */
	TT_PB_MAPPING_HAS_FUNCTIONS = 7,	/* Mapping.has_functions = 7 */
	TT_PB_MAPPING_HAS_FILENAMES = 8,	/* Mapping.has_filenames = 8 */
	TT_PB_MAPPING_HAS_LINE_NUMBERS = 9,	/* Mapping.has_line_numbers = 9 */
	TT_PB_MAPPING_HAS_INLINE_FRAMES = 10,	/* Mapping.has_inline_frames = 10 */
	TT_PB_LOCATION_ID = 1,			/* Location.id = 1 */
	TT_PB_LOCATION_MAPPING_ID = 2,		/* Location.mapping_id = 2 */
	TT_PB_LOCATION_ADDRESS = 3,		/* Location.address = 3 */
	TT_PB_LOCATION_LINE = 4,		/* Location.line = 4 */
	TT_PB_LOCATION_IS_FOLDED = 5,		/* Location.is_folded = 5, unused */
	TT_PB_LINE_FUNCTION_ID = 1,		/* Line.function_id = 1 */
	TT_PB_LINE_LINE = 2,			/* Line.line = 2 */
	TT_PB_LINE_COLUMN = 3,			/* Line.column = 3, unused */
	TT_PB_FUNCTION_ID = 1,			/* Function.id = 1 */
	TT_PB_FUNCTION_NAME = 2,		/* Function.name = 2 */
	TT_PB_FUNCTION_SYSTEM_NAME = 3,		/* Function.system_name = 3 */
	TT_PB_FUNCTION_FILENAME = 4,		/* Function.filename = 4 */
	TT_PB_FUNCTION_START_LINE = 5,		/* Function.start_line = 5, unused */
};

/* Sizes the first allocation of each growing array. */
#define TT_PPROF_MIN_CAP 16

/* The gzip header and trailer, asked of deflateInit2() by windowBits. */
#define TT_PPROF_GZIP_WBITS (15 + 16)

/*
 * One slot of an open-addressing table.  The full hash is kept so that
 * growing never calls back into the key functions, and so that most
 * mismatches are rejected without comparing keys.
 */
struct htab_slot {
	uint64_t hash;		/* full 64-bit hash of the key */
	uint32_t idx1;		/* entry index + 1; 0 = empty slot */
};

/* Linear probing, power-of-two capacity, at most half full, no deletes. */
struct htab {
	struct htab_slot *slots;	/* NULL until the first insert */
	size_t mask;			/* capacity - 1 */
	size_t count;			/* used slots */
};

/* A growable array of fixed-size elements. */
struct vec {
	void *data;		/* elements, NULL when cap == 0 */
	size_t n;		/* elements in use */
	size_t cap;		/* elements allocated */
};

struct tt_pprof {
	int err;			/* first failure (-errno), 0 if none */
	struct vec strs;		/* char *: owned copies; [0] = "" */
	struct htab str_index;		/* string -> strs index */
	struct vec types;		/* ValueType: sample types in order */
	struct vec samples;		/* Sample: owns its arrays */
	struct vec maps;		/* Mapping: id = index + 1 */
	struct htab map_index;		/* mapping key -> maps index */
	struct vec locs;		/* Location: id = index + 1, owns lines */
	struct htab loc_index;		/* (mapping id, address) -> locs index */
	struct vec funcs;		/* Function: id = index + 1 */
	struct htab func_index;		/* (name, system name, file) -> funcs index */
	struct vec comments;		/* int64_t: string indices */
	Perftools__Profiles__ValueType period_type; /* period's kind and unit */
	int64_t period;			/* events per sample, period_type units */
	int64_t time_nanos;		/* profile start, ns since the epoch */
	int64_t duration_nanos;		/* profile length, ns */
	int64_t default_type;		/* string index of the default type */
};

/* The interned fields a mapping is known by. */
struct map_key {
	uint64_t start;		/* first address */
	uint64_t limit;		/* first address past the end */
	uint64_t offset;	/* file offset of start */
	int64_t file;		/* string index of the path */
	int64_t build_id;	/* string index of the build id */
};

/* The interned fields a function is known by. */
struct func_key {
	int64_t name;		/* string index, demangled */
	int64_t system_name;	/* string index, mangled */
	int64_t file;		/* string index of the source file */
};

/* What a location is known by. */
struct loc_key {
	uint64_t mapping_id;	/* 0 = no mapping */
	uint64_t address;	/* instruction address */
};

typedef bool (*htab_eq_fn)(const struct tt_pprof *p, size_t idx,
			   const void *key);

/* Remember only the first error: later ones are usually its consequences. */
static void
pprof_fail(struct tt_pprof *p, int err)
{
	if (p->err == 0)
		p->err = err;
}

/* Make room for at least one more element.  Return: 0 or -ENOMEM. */
static int
vec_reserve(struct vec *v, size_t elem)
{
	size_t cap;
	void *data;

	if (v->n < v->cap)
		return 0;
	cap = v->cap ? v->cap * 2 : TT_PPROF_MIN_CAP;
	if (cap > SIZE_MAX / elem)
		return -ENOMEM;
	data = realloc(v->data, cap * elem);
	if (data == NULL)
		return -ENOMEM;
	v->data = data;
	v->cap = cap;
	return 0;
}

/* Copy n elements into a new array; n == 0 gives NULL, not malloc(0). */
static void *
dup_array(const void *src, size_t n, size_t elem, int *err)
{
	void *dst;

	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / elem) {
		*err = -ENOMEM;
		return NULL;
	}
	dst = malloc(n * elem);
	if (dst == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(dst, src, n * elem);
	return dst;
}

/* The splitmix64 finalizer: spreads every input bit over the output. */
static uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

/* Hash a run of 64-bit words (the key structs are all 8-byte fields). */
static uint64_t
hash_words(const uint64_t *w, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) * (n + 1);

	for (size_t i = 0; i < n; i++)
		h = hash_mix(h ^ w[i]);
	return h;
}

/* FNV-1a over the bytes of a string, then mixed for the low bits. */
static uint64_t
hash_str(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return hash_mix(h);
}

/*
 * Find the slot of key, or the empty slot where it belongs.  *found says
 * which.  The table must have at least one slot.
 */
static size_t
htab_find(const struct htab *h, uint64_t hash, htab_eq_fn eq,
	  const struct tt_pprof *p, const void *key, bool *found)
{
	size_t i = (size_t)hash & h->mask;

	for (;;) {
		const struct htab_slot *s = &h->slots[i];

		if (s->idx1 == 0) {
			*found = false;
			return i;
		}
		if (s->hash == hash && eq(p, s->idx1 - 1, key)) {
			*found = true;
			return i;
		}
		i = (i + 1) & h->mask;
	}
}

/*
 * Keep the table at most half full after one more insert, so probe runs
 * stay short.  Return: 0 or -ENOMEM.
 */
static int
htab_reserve(struct htab *h)
{
	size_t cap = h->slots ? h->mask + 1 : 0;
	size_t ncap;
	struct htab_slot *slots;

	if ((h->count + 1) * 2 <= cap)
		return 0;
	ncap = cap ? cap * 2 : TT_PPROF_MIN_CAP * 2;
	if (ncap > UINT32_MAX || ncap > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(ncap, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++) {
		size_t j;

		if (h->slots[i].idx1 == 0)
			continue;
		j = (size_t)h->slots[i].hash & (ncap - 1);
		while (slots[j].idx1 != 0)
			j = (j + 1) & (ncap - 1);
		slots[j] = h->slots[i];
	}
	free(h->slots);
	h->slots = slots;
	h->mask = ncap - 1;
	return 0;
}

static bool
str_eq(const struct tt_pprof *p, size_t idx, const void *key)
{
	const char *const *strs = p->strs.data;

	return strcmp(strs[idx], key) == 0;
}

/*
 * Intern s and return its string table index.  NULL and "" are index 0.
 * On failure the error is kept in p and 0 is returned, which still gives
 * a valid (if emptier) profile until tt_pprof_write() reports the error.
 */
static int64_t
pprof_str(struct tt_pprof *p, const char *s)
{
	uint64_t hash;
	size_t slot;
	bool found;
	char *copy;
	char **strs;
	int err;

	if (s == NULL || *s == '\0')
		return 0;
	err = htab_reserve(&p->str_index);
	if (err == 0)
		err = vec_reserve(&p->strs, sizeof(char *));
	if (err != 0)
		goto out_fail;
	hash = hash_str(s);
	slot = htab_find(&p->str_index, hash, str_eq, p, s, &found);
	if (found)
		return p->str_index.slots[slot].idx1 - 1;
	copy = strdup(s);
	if (copy == NULL) {
		err = -ENOMEM;
		goto out_fail;
	}
	strs = p->strs.data;
	strs[p->strs.n] = copy;
	p->str_index.slots[slot].hash = hash;
	p->str_index.slots[slot].idx1 = (uint32_t)(p->strs.n + 1);
	p->str_index.count++;
	return (int64_t)p->strs.n++;

out_fail:
	pprof_fail(p, err);
	return 0;
}

struct tt_pprof *
tt_pprof_new(void)
{
	struct tt_pprof *p = calloc(1, sizeof(*p));
	Perftools__Profiles__ValueType vt = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	char **strs;

	if (p == NULL)
		return NULL;
	p->period_type = vt;
	/* string_table[0] must be "": every unset string field is index 0. */
	if (vec_reserve(&p->strs, sizeof(char *)) != 0)
		goto out_free;
	strs = p->strs.data;
	strs[0] = strdup("");
	if (strs[0] == NULL)
		goto out_free;
	p->strs.n = 1;
	return p;

out_free:
	free(p->strs.data);
	free(p);
	return NULL;
}

void
tt_pprof_free(struct tt_pprof *p)
{
	char **strs;
	Perftools__Profiles__Sample *samples;
	Perftools__Profiles__Location *locs;

	if (p == NULL)
		return;
	strs = p->strs.data;
	for (size_t i = 0; i < p->strs.n; i++)
		free(strs[i]);
	samples = p->samples.data;
	for (size_t i = 0; i < p->samples.n; i++) {
		free(samples[i].location_id);
		free(samples[i].value);
		/* label[0] is the start of the one block holding all labels. */
		if (samples[i].n_label > 0)
			free(samples[i].label[0]);
		free(samples[i].label);
	}
	locs = p->locs.data;
	for (size_t i = 0; i < p->locs.n; i++) {
		if (locs[i].n_line > 0)
			free(locs[i].line[0]);
		free(locs[i].line);
	}
	free(p->strs.data);
	free(p->str_index.slots);
	free(p->types.data);
	free(p->samples.data);
	free(p->maps.data);
	free(p->map_index.slots);
	free(p->locs.data);
	free(p->loc_index.slots);
	free(p->funcs.data);
	free(p->func_index.slots);
	free(p->comments.data);
	free(p);
}

void
tt_pprof_sample_type(struct tt_pprof *p, const char *type, const char *unit)
{
	Perftools__Profiles__ValueType vt = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	int err;

	vt.type = pprof_str(p, type);
	vt.unit = pprof_str(p, unit);
	err = vec_reserve(&p->types, sizeof(vt));
	if (err != 0) {
		pprof_fail(p, err);
		return;
	}
	((Perftools__Profiles__ValueType *)p->types.data)[p->types.n++] = vt;
}

void
tt_pprof_default_sample_type(struct tt_pprof *p, const char *type)
{
	p->default_type = pprof_str(p, type);
}

void
tt_pprof_period(struct tt_pprof *p, const char *type, const char *unit,
		int64_t period)
{
	p->period_type.type = pprof_str(p, type);
	p->period_type.unit = pprof_str(p, unit);
	p->period = period;
}

void
tt_pprof_time(struct tt_pprof *p, int64_t time_nanos, int64_t duration_nanos)
{
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

void
tt_pprof_comment(struct tt_pprof *p, const char *comment)
{
	int64_t idx = pprof_str(p, comment);
	int err;

	err = vec_reserve(&p->comments, sizeof(int64_t));
	if (err != 0) {
		pprof_fail(p, err);
		return;
	}
	((int64_t *)p->comments.data)[p->comments.n++] = idx;
}

static bool
map_eq(const struct tt_pprof *p, size_t idx, const void *key)
{
	const Perftools__Profiles__Mapping *m =
		&((const Perftools__Profiles__Mapping *)p->maps.data)[idx];
	const struct map_key *k = key;

	return m->memory_start == k->start && m->memory_limit == k->limit &&
	       m->file_offset == k->offset && m->filename == k->file &&
	       m->build_id == k->build_id;
}

uint64_t
tt_pprof_mapping(struct tt_pprof *p, uint64_t start, uint64_t limit,
		 uint64_t offset, const char *file, const char *build_id,
		 bool has_functions, bool has_filenames,
		 bool has_line_numbers, bool has_inline_frames)
{
	Perftools__Profiles__Mapping m = PERFTOOLS__PROFILES__MAPPING__INIT;
	Perftools__Profiles__Mapping *maps;
	struct map_key k;
	uint64_t hash;
	size_t slot;
	bool found;
	int err;

	k.start = start;
	k.limit = limit;
	k.offset = offset;
	k.file = pprof_str(p, file);
	k.build_id = pprof_str(p, build_id);
	err = htab_reserve(&p->map_index);
	if (err == 0)
		err = vec_reserve(&p->maps, sizeof(m));
	if (err != 0) {
		pprof_fail(p, err);
		return 0;
	}
	hash = hash_words((const uint64_t *)&k, sizeof(k) / sizeof(uint64_t));
	slot = htab_find(&p->map_index, hash, map_eq, p, &k, &found);
	maps = p->maps.data;
	if (found) {
		/*
		 * The same mapping seen again: a later caller may know more
		 * about its symbols, so the has_* claims only grow.
		 */
		size_t idx = p->map_index.slots[slot].idx1 - 1;

		maps[idx].has_functions |= has_functions;
		maps[idx].has_filenames |= has_filenames;
		maps[idx].has_line_numbers |= has_line_numbers;
		maps[idx].has_inline_frames |= has_inline_frames;
		return maps[idx].id;
	}
	m.id = p->maps.n + 1;
	m.memory_start = start;
	m.memory_limit = limit;
	m.file_offset = offset;
	m.filename = k.file;
	m.build_id = k.build_id;
	m.has_functions = has_functions;
	m.has_filenames = has_filenames;
	m.has_line_numbers = has_line_numbers;
	m.has_inline_frames = has_inline_frames;
	maps[p->maps.n++] = m;
	p->map_index.slots[slot].hash = hash;
	p->map_index.slots[slot].idx1 = (uint32_t)m.id;
	p->map_index.count++;
	return m.id;
}

static bool
func_eq(const struct tt_pprof *p, size_t idx, const void *key)
{
	const Perftools__Profiles__Function *f =
		&((const Perftools__Profiles__Function *)p->funcs.data)[idx];
	const struct func_key *k = key;

	return f->name == k->name && f->system_name == k->system_name &&
	       f->filename == k->file;
}

/* Intern a function and return its id, or 0 after a failure. */
static uint64_t
pprof_function(struct tt_pprof *p, const char *name, const char *system_name,
	       const char *file)
{
	Perftools__Profiles__Function f = PERFTOOLS__PROFILES__FUNCTION__INIT;
	struct func_key k;
	uint64_t hash;
	size_t slot;
	bool found;
	int err;

	k.name = pprof_str(p, name);
	k.system_name = pprof_str(p, system_name ? system_name : name);
	k.file = pprof_str(p, file);
	err = htab_reserve(&p->func_index);
	if (err == 0)
		err = vec_reserve(&p->funcs, sizeof(f));
	if (err != 0) {
		pprof_fail(p, err);
		return 0;
	}
	hash = hash_words((const uint64_t *)&k, sizeof(k) / sizeof(uint64_t));
	slot = htab_find(&p->func_index, hash, func_eq, p, &k, &found);
	if (found)
		return p->func_index.slots[slot].idx1;
	f.id = p->funcs.n + 1;
	f.name = k.name;
	f.system_name = k.system_name;
	f.filename = k.file;
	((Perftools__Profiles__Function *)p->funcs.data)[p->funcs.n++] = f;
	p->func_index.slots[slot].hash = hash;
	p->func_index.slots[slot].idx1 = (uint32_t)f.id;
	p->func_index.count++;
	return f.id;
}

static bool
loc_eq(const struct tt_pprof *p, size_t idx, const void *key)
{
	const Perftools__Profiles__Location *l =
		&((const Perftools__Profiles__Location *)p->locs.data)[idx];
	const struct loc_key *k = key;

	return l->mapping_id == k->mapping_id && l->address == k->address;
}

/*
 * Build the line array of a new location.  Lines are kept in the caller's
 * order (innermost first).  Lines without a function are dropped, because
 * pprof refuses a Line whose function_id is 0.  The Line structs live in
 * one block whose address is line[0], so freeing is two calls.
 */
static int
pprof_lines(struct tt_pprof *p, Perftools__Profiles__Location *l,
	    const struct tt_pprof_line *lines, size_t nlines)
{
	Perftools__Profiles__Line init = PERFTOOLS__PROFILES__LINE__INIT;
	Perftools__Profiles__Line *block;
	size_t n = 0;

	for (size_t i = 0; i < nlines; i++)
		n += lines[i].function != NULL;
	if (n == 0)
		return 0;
	block = calloc(n, sizeof(*block));
	l->line = calloc(n, sizeof(*l->line));
	if (block == NULL || l->line == NULL) {
		free(block);
		free(l->line);
		l->line = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < nlines; i++) {
		Perftools__Profiles__Line *ln;

		if (lines[i].function == NULL)
			continue;
		ln = &block[l->n_line];
		*ln = init;
		ln->function_id = pprof_function(p, lines[i].function,
						 lines[i].system_name,
						 lines[i].file);
		ln->line = lines[i].line;
		l->line[l->n_line++] = ln;
	}
	return 0;
}

uint64_t
tt_pprof_location(struct tt_pprof *p, uint64_t mapping_id,
		  uint64_t address, const struct tt_pprof_line *lines,
		  size_t nlines)
{
	Perftools__Profiles__Location l = PERFTOOLS__PROFILES__LOCATION__INIT;
	struct loc_key k;
	uint64_t hash;
	size_t slot;
	bool found;
	int err;

	k.mapping_id = mapping_id;
	k.address = address;
	err = htab_reserve(&p->loc_index);
	if (err == 0)
		err = vec_reserve(&p->locs, sizeof(l));
	if (err != 0)
		goto out_fail;
	hash = hash_words((const uint64_t *)&k, sizeof(k) / sizeof(uint64_t));
	slot = htab_find(&p->loc_index, hash, loc_eq, p, &k, &found);
	/* A known address keeps the lines it was first given. */
	if (found)
		return p->loc_index.slots[slot].idx1;
	l.id = p->locs.n + 1;
	l.mapping_id = mapping_id;
	l.address = address;
	err = pprof_lines(p, &l, lines, nlines);
	if (err != 0)
		goto out_fail;
	((Perftools__Profiles__Location *)p->locs.data)[p->locs.n++] = l;
	/* pprof_lines() did not touch loc_index, so slot is still empty. */
	p->loc_index.slots[slot].hash = hash;
	p->loc_index.slots[slot].idx1 = (uint32_t)l.id;
	p->loc_index.count++;
	return l.id;

out_fail:
	pprof_fail(p, err);
	return 0;
}

/* Build the labels of a new sample, all in one block (label[0]). */
static int
pprof_labels(struct tt_pprof *p, Perftools__Profiles__Sample *s,
	     const struct tt_pprof_label *labels, size_t nlabels)
{
	Perftools__Profiles__Label init = PERFTOOLS__PROFILES__LABEL__INIT;
	Perftools__Profiles__Label *block;

	if (nlabels == 0)
		return 0;
	block = calloc(nlabels, sizeof(*block));
	s->label = calloc(nlabels, sizeof(*s->label));
	if (block == NULL || s->label == NULL) {
		free(block);
		free(s->label);
		s->label = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < nlabels; i++) {
		block[i] = init;
		block[i].key = pprof_str(p, labels[i].key);
		if (labels[i].str != NULL) {
			block[i].str = pprof_str(p, labels[i].str);
		} else {
			block[i].num = labels[i].num;
			block[i].num_unit = pprof_str(p, labels[i].num_unit);
		}
		s->label[i] = &block[i];
	}
	s->n_label = nlabels;
	return 0;
}

void
tt_pprof_sample(struct tt_pprof *p, const uint64_t *locs, size_t nlocs,
		const int64_t *values, const struct tt_pprof_label *labels,
		size_t nlabels)
{
	Perftools__Profiles__Sample s = PERFTOOLS__PROFILES__SAMPLE__INIT;
	int err = 0;

	/*
	 * The number of values is the number of sample types right now;
	 * tt_pprof_write() refuses samples added before the last type.
	 */
	s.location_id = dup_array(locs, nlocs, sizeof(*locs), &err);
	s.n_location_id = s.location_id ? nlocs : 0;
	s.value = dup_array(values, p->types.n, sizeof(*values), &err);
	s.n_value = s.value ? p->types.n : 0;
	if (err == 0)
		err = pprof_labels(p, &s, labels, nlabels);
	if (err == 0)
		err = vec_reserve(&p->samples, sizeof(s));
	if (err != 0) {
		if (s.n_label > 0)
			free(s.label[0]);
		free(s.label);
		free(s.location_id);
		free(s.value);
		pprof_fail(p, err);
		return;
	}
	((Perftools__Profiles__Sample *)p->samples.data)[p->samples.n++] = s;
}

/*
 * Check what the API cannot check when things are added: every sample has
 * one value per sample type and names only existing locations.
 * Return: 0 or -EINVAL.
 */
static int
pprof_validate(const struct tt_pprof *p)
{
	const Perftools__Profiles__Sample *samples = p->samples.data;

	for (size_t i = 0; i < p->samples.n; i++) {
		if (samples[i].n_value != p->types.n)
			return -EINVAL;
		for (size_t j = 0; j < samples[i].n_location_id; j++) {
			uint64_t id = samples[i].location_id[j];

			if (id == 0 || id > p->locs.n)
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * Point msg.field at a new array of pointers to each element of vec, as
 * protobuf-c wants repeated messages.  Sets err on failure.
 */
#define PPROF_PTRS(msg, field, vec, type, err)				\
	do {								\
		type *elems_ = (vec).data;				\
									\
		(msg).n_##field = (vec).n;				\
		if ((vec).n == 0 || (err) != 0)				\
			break;						\
		(msg).field = calloc((vec).n, sizeof(type *));		\
		if ((msg).field == NULL) {				\
			(err) = -ENOMEM;				\
			break;						\
		}							\
		for (size_t i_ = 0; i_ < (vec).n; i_++)			\
			(msg).field[i_] = &elems_[i_];			\
	} while (0)

/*
 * Serialize the profile into a new buffer.  The pointer arrays live only
 * for the duration of the pack.  Return: 0 or -errno.
 */
static int
pprof_pack(struct tt_pprof *p, uint8_t **out, size_t *outlen)
{
	Perftools__Profiles__Profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
	uint8_t *buf;
	size_t len;
	int err = 0;

	PPROF_PTRS(msg, sample_type, p->types, Perftools__Profiles__ValueType, err);
	PPROF_PTRS(msg, sample, p->samples, Perftools__Profiles__Sample, err);
	PPROF_PTRS(msg, mapping, p->maps, Perftools__Profiles__Mapping, err);
	PPROF_PTRS(msg, location, p->locs, Perftools__Profiles__Location, err);
	PPROF_PTRS(msg, function, p->funcs, Perftools__Profiles__Function, err);
	if (err != 0)
		goto out_free;
	msg.n_string_table = p->strs.n;
	msg.string_table = p->strs.data;
	msg.time_nanos = p->time_nanos;
	msg.duration_nanos = p->duration_nanos;
	/* Leave period_type out unless tt_pprof_period() named it. */
	if (p->period_type.type != 0 || p->period_type.unit != 0)
		msg.period_type = &p->period_type;
	msg.period = p->period;
	msg.n_comment = p->comments.n;
	msg.comment = p->comments.data;
	msg.default_sample_type = p->default_type;

	len = perftools__profiles__profile__get_packed_size(&msg);
	/* The string table is never empty, so len > 0 and malloc is sized. */
	buf = malloc(len);
	if (buf == NULL) {
		err = -ENOMEM;
		goto out_free;
	}
	perftools__profiles__profile__pack(&msg, buf);
	*out = buf;
	*outlen = len;

out_free:
	free(msg.sample_type);
	free(msg.sample);
	free(msg.mapping);
	free(msg.location);
	free(msg.function);
	return err;
}

/*
 * Compress in one deflate() call into a buffer sized by deflateBound(), so
 * no output loop is needed.  Return: 0 or -errno.
 */
static int
pprof_gzip(const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	z_stream zs;
	uint8_t *buf;
	uLong bound;
	int zerr;

	if (inlen > UINT32_MAX)
		return -EFBIG;	/* zlib's avail_in is a uInt */
	memset(&zs, 0, sizeof(zs));
	zerr = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
			    TT_PPROF_GZIP_WBITS, 8, Z_DEFAULT_STRATEGY);
	if (zerr != Z_OK)
		return zerr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	bound = deflateBound(&zs, (uLong)inlen);
	if (bound > UINT32_MAX) {
		deflateEnd(&zs);
		return -EFBIG;
	}
	buf = malloc(bound);
	if (buf == NULL) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = buf;
	zs.avail_out = (uInt)bound;
	zerr = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	if (zerr != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*outlen = zs.total_out;
	return 0;
}

int
tt_pprof_write(struct tt_pprof *p, const char *path)
{
	uint8_t *raw = NULL;
	uint8_t *gz = NULL;
	size_t rawlen = 0;
	size_t gzlen = 0;
	int err;

	if (p->err != 0)
		return p->err;
	err = pprof_validate(p);
	if (err != 0)
		return err;
	err = pprof_pack(p, &raw, &rawlen);
	if (err != 0)
		return err;
	err = pprof_gzip(raw, rawlen, &gz, &gzlen);
	if (err != 0)
		goto out_free_raw;
	err = tt_write_file(path, gz, gzlen);
	free(gz);
out_free_raw:
	free(raw);
	return err;
}
