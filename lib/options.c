/*
 * options.c - the parser behind every TETHER_* variable.  Compiled into
 * libtether.so and into the tether tool.  Pure functions: no allocation, no
 * libc state, so the library can parse before libc is initialised.
 */
#include "options.h"

#include "io.h"

const struct tt_opt_desc tt_opt_descs[TT_OPT_COUNT_] = {
#define OPT(NAME, field, type, def, min, max, doc) \
	{ "TETHER_" #NAME, TT_OPT_##type, def, min, max, doc },
#include "options.def"
#undef OPT
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
streq_nocase(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* The decimal digits at *s (at least one), advancing *s past them.
 * Return: 0, or -1 when there are none or they overflow. */
static int
parse_digits(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

int
tt_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;

	if (parse_digits(&s, &v) != 0)
		return -1;
	switch (lower(*s)) {
	case 'k': mult = 1ull << 10; s++; break;
	case 'm': mult = 1ull << 20; s++; break;
	case 'g': mult = 1ull << 30; s++; break;
	case 't': mult = 1ull << 40; s++; break;
	}
	if (mult != 1 && lower(*s) == 'i')
		s++;
	if (lower(*s) == 'b')
		s++;
	if (*s != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

int
tt_parse_duration(const char *s, uint64_t *out)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ull },
		{ "m", 60000000000ull }, { "h", 3600000000000ull },
	};
	uint64_t v;

	if (parse_digits(&s, &v) != 0)
		return -1;
	for (unsigned i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (streq_nocase(s, units[i].unit)) {
			if (v != 0 && units[i].ns > UINT64_MAX / v)
				return -1;
			*out = v * units[i].ns;
			return 0;
		}
	}
	return -1;
}

static int
parse_uint(const char *s, uint64_t *out)
{
	return parse_digits(&s, out) == 0 && *s == '\0' ? 0 : -1;
}

static int
parse_bool(const char *s, uint64_t *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };

	for (unsigned i = 0; i < 4; i++) {
		if (streq_nocase(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (streq_nocase(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static void
store(enum tt_opt_id id, struct tt_opts *opts, const char *str, uint64_t num)
{
	switch (id) {
#define TT_STORE_STRING(field) opts->field = str
#define TT_STORE_BOOL(field) opts->field = num
#define TT_STORE_UINT(field) opts->field = num
#define TT_STORE_SIZE(field) opts->field = num
#define TT_STORE_DURATION(field) opts->field = num
#define OPT(NAME, field, type, def, min, max, doc) \
	case TT_OPT_##NAME: TT_STORE_##type(field); break;
#include "options.def"
#undef OPT
	default:
		break;
	}
}

int
tt_opt_parse(enum tt_opt_id id, const char *val, struct tt_opts *opts,
	     char *err, size_t errlen)
{
	const struct tt_opt_desc *d = &tt_opt_descs[id];
	uint64_t num = 0;
	int bad = 0;

	switch (d->type) {
	case TT_OPT_STRING:
		bad = val[0] == '\0';
		if (bad)
			tt_fmt(err, errlen, "%s is empty: expected a value", d->env);
		break;
	case TT_OPT_BOOL:
		bad = parse_bool(val, &num);
		if (bad)
			tt_fmt(err, errlen, "%s=%s: expected yes or no "
			       "(1/0, on/off, true/false)", d->env, val);
		break;
	case TT_OPT_UINT:
		bad = parse_uint(val, &num) || num < d->min || num > d->max;
		if (bad)
			tt_fmt(err, errlen, "%s=%s: expected a whole number "
			       "from %llu to %llu", d->env, val,
			       (unsigned long long)d->min, (unsigned long long)d->max);
		break;
	case TT_OPT_SIZE:
		bad = tt_parse_size(val, &num) || num < d->min || num > d->max;
		if (bad)
			tt_fmt(err, errlen, "%s=%s: expected a count from %llu "
			       "to %llu, optionally with K, M or G (e.g. 64M)",
			       d->env, val, (unsigned long long)d->min,
			       (unsigned long long)d->max);
		break;
	case TT_OPT_DURATION:
		bad = tt_parse_duration(val, &num) || num < d->min || num > d->max;
		if (bad)
			tt_fmt(err, errlen, "%s=%s: expected a duration with its unit "
			       "(ns, us, ms, s, m or h, e.g. 500ms or 2s)", d->env, val);
		break;
	}
	if (bad)
		return -1;
	store(id, opts, val, num);
	return 0;
}

void
tt_opt_defaults(struct tt_opts *opts)
{
	char err[8];

	for (int i = 0; i < TT_OPT_COUNT_; i++)
		(void)tt_opt_parse((enum tt_opt_id)i, tt_opt_descs[i].def, opts,
				   err, sizeof(err));
}

/* Compare "TETHER_X" with a name that ends at '=' or NUL. */
static int
name_is(const char *known, const char *name)
{
	while (*known && *known == *name) {
		known++;
		name++;
	}
	return *known == '\0' && (*name == '\0' || *name == '=');
}

int
tt_opt_lookup(const char *name)
{
	for (int i = 0; i < TT_OPT_COUNT_; i++)
		if (name_is(tt_opt_descs[i].env, name))
			return i;
	return -1;
}

/* Levenshtein distance, bounded to short names. */
static unsigned
distance(const char *a, const char *b)
{
	unsigned row[64], la = 0, lb = 0;

	while (b[lb] && b[lb] != '=' && lb < 63)
		lb++;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (; a[la] && la < 63; la++) {
		unsigned diag = row[0], tmp;

		row[0] = la + 1;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned cost = lower(a[la]) != lower(b[j - 1]);
			unsigned best = diag + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

const char *
tt_opt_suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_d = 4;

	for (int i = 0; i < TT_OPT_COUNT_; i++) {
		unsigned d = distance(tt_opt_descs[i].env, name);

		if (d < best_d) {
			best_d = d;
			best = tt_opt_descs[i].env;
		}
	}
	return best;
}
