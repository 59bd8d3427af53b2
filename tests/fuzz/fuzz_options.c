/*
 * fuzz_options.c - libFuzzer harness for the TETHER_* value parser
 * (lib/options.c).  The first input byte picks the option (its low 5 bits,
 * modulo the number of options) and the size of a second, small error
 * buffer (its top 3 bits); the rest is the value.  The whole input is
 * also given, as a name, to tt_opt_lookup() and tt_opt_suggest().  Checks
 * that accepted values are in range and that errors are written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run: libFuzzer saves the input as a crash. */
static void
broken(const char *what)
{
	fprintf(stderr, "fuzz_options: %s\n", what);
	abort();
}

/* A heap copy of n bytes with a NUL added, so overreads hit ASan. */
static char *
cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* What tt_opt_parse() stored for id must be a value it accepts. */
static void
check_stored(enum tt_opt_id id, const struct tt_opts *o, const char *val)
{
	const struct tt_opt_desc *d = &tt_opt_descs[id];

	switch (id) {
#define TT_FUZZ_CHECK_STRING(f) \
	if (o->f != val || val[0] == '\0') \
		broken("a string option stored something else")
#define TT_FUZZ_CHECK_BOOL(f) \
	if (o->f > 1) \
		broken("a yes/no option stored neither")
#define TT_FUZZ_CHECK_UINT(f) \
	if (o->f < d->min || o->f > d->max) \
		broken("a number option stored a value out of range")
#define TT_FUZZ_CHECK_SIZE(f) TT_FUZZ_CHECK_UINT(f)
#define TT_FUZZ_CHECK_DURATION(f) TT_FUZZ_CHECK_UINT(f)
#define TT_FUZZ_CHECK_SIGNAL(f) \
	if (o->f > 64) \
		broken("a signal option stored a value out of range")
#define OPT(NAME, field, type, def, min, max, doc) \
	case TT_OPT_##NAME: TT_FUZZ_CHECK_##type(field); break;
#include "lib/options.def"
#undef OPT
	default:
		broken("an option id out of range");
	}
}

static void
fuzz_value(enum tt_opt_id id, size_t small, const char *val)
{
	struct tt_opts opts;
	char err[512];
	char *err_small = malloc(small ? small : 1);
	uint64_t size;
	int r, r_small;

	if (err_small == NULL)
		abort();
	tt_opt_defaults(&opts);
	err[0] = '\0';
	r = tt_opt_parse(id, val, &opts, err, sizeof(err));
	if (r == 0) {
		check_stored(id, &opts, val);
	} else if (r != -1 || strncmp(err, "TETHER_", 7) != 0) {
		broken("a rejected value gave no error message");
	}
	/* The same call into a tiny buffer: same answer, truncated message. */
	r_small = tt_opt_parse(id, val, &opts, err_small, small);
	if (r_small != r)
		broken("the size of the error buffer changed the result");
	if (r != 0 && small > 0 &&
	    (strlen(err_small) >= small || strncmp(err, err_small, small - 1) != 0))
		broken("a truncated error message differs from the full one");
	free(err_small);

	if (tt_parse_size(val, &size) == 0 && (val[0] < '0' || val[0] > '9'))
		broken("tt_parse_size accepted a value not starting with a digit");
	if (tt_parse_duration(val, &size) == 0 && (val[0] < '0' || val[0] > '9'))
		broken("tt_parse_duration accepted a value not starting with a digit");
}

static void
fuzz_name(const char *name)
{
	int id = tt_opt_lookup(name);
	const char *near = tt_opt_suggest(name);
	int known = near == NULL;

	if (id < -1 || id >= TT_OPT_COUNT_)
		broken("tt_opt_lookup returned an id out of range");
	if (id >= 0) {
		size_t n = strlen(tt_opt_descs[id].env);

		if (strncmp(name, tt_opt_descs[id].env, n) != 0 ||
		    (name[n] != '\0' && name[n] != '='))
			broken("tt_opt_lookup matched another name");
		if (near != tt_opt_descs[id].env)
			broken("tt_opt_suggest missed an exact match");
	}
	for (int i = 0; i < TT_OPT_COUNT_; i++)
		known |= near == tt_opt_descs[i].env;
	if (!known)
		broken("tt_opt_suggest returned an unknown name");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *val, *name;

	if (size == 0)
		return 0;
	val = cstr(data + 1, size - 1);
	/* The low 5 bits pick the option, the top 3 the small buffer's size. */
	fuzz_value((enum tt_opt_id)((data[0] & 0x1f) % TT_OPT_COUNT_),
		   (size_t)(data[0] >> 5) * 5, val);
	free(val);

	name = cstr(data, size);
	fuzz_name(name);
	free(name);
	return 0;
}
