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
	if (v == 0 && *s == '\0') {
		*out = 0;	/* "0" needs no unit */
		return 0;
	}
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

/* The signals a dump can be asked with: those a program can catch and
 * that the kernel does not send on a fault or for a child, by their Linux
 * numbers (the same on x86-64 and arm64).  SIGRTMIN is glibc's (34). */
static const struct { const char *name; int num; } sig_names[] = {
	{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "USR1", 10 }, { "USR2", 12 },
	{ "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 }, { "URG", 23 },
	{ "XCPU", 24 }, { "XFSZ", 25 }, { "VTALRM", 26 }, { "PROF", 27 },
	{ "WINCH", 28 }, { "IO", 29 }, { "POLL", 29 }, { "PWR", 30 },
};
#define TT_SIGRTMIN 34
#define TT_SIGRTMAX 64

static int
sig_ok(uint64_t n)
{
	if (n >= TT_SIGRTMIN && n <= TT_SIGRTMAX)
		return 1;
	for (unsigned i = 0; i < sizeof(sig_names) / sizeof(*sig_names); i++)
		if ((uint64_t)sig_names[i].num == n)
			return 1;
	return 0;
}

static int
prefix_nocase(const char **s, const char *pre)
{
	const char *p = *s;

	for (; *pre; pre++, p++)
		if (lower(*p) != lower(*pre))
			return 0;
	*s = p;
	return 1;
}

int
tt_parse_signal(const char *s, uint64_t *out)
{
	uint64_t v;

	if (streq_nocase(s, "none") || streq_nocase(s, "no") || streq_nocase(s, "off") ||
	    streq_nocase(s, "0")) {
		*out = 0;
		return 0;
	}
	if (*s >= '0' && *s <= '9') {
		if (parse_digits(&s, &v) != 0 || *s != '\0' || !sig_ok(v))
			return -1;
		*out = v;
		return 0;
	}
	(void)prefix_nocase(&s, "SIG");
	if (prefix_nocase(&s, "RTMIN")) {
		v = 0;
		if (*s == '+' && (s++, parse_digits(&s, &v) != 0))
			return -1;
		if (*s != '\0' || v > TT_SIGRTMAX - TT_SIGRTMIN)
			return -1;
		*out = TT_SIGRTMIN + v;
		return 0;
	}
	if (prefix_nocase(&s, "RTMAX")) {
		v = 0;
		if (*s == '-' && (s++, parse_digits(&s, &v) != 0))
			return -1;
		if (*s != '\0' || v > TT_SIGRTMAX - TT_SIGRTMIN)
			return -1;
		*out = TT_SIGRTMAX - v;
		return 0;
	}
	for (unsigned i = 0; i < sizeof(sig_names) / sizeof(*sig_names); i++)
		if (streq_nocase(s, sig_names[i].name)) {
			*out = (uint64_t)sig_names[i].num;
			return 0;
		}
	return -1;
}

size_t
tt_signal_name(uint64_t sig, char *buf, size_t n)
{
	if (sig == 0)
		return tt_fmt(buf, n, "none");
	for (unsigned i = 0; i < sizeof(sig_names) / sizeof(*sig_names); i++)
		if ((uint64_t)sig_names[i].num == sig)
			return tt_fmt(buf, n, "SIG%s", sig_names[i].name);
	if (sig >= TT_SIGRTMIN && sig <= TT_SIGRTMAX)
		return tt_fmt(buf, n, "SIGRTMIN+%u", (unsigned)(sig - TT_SIGRTMIN));
	return tt_fmt(buf, n, "signal %u", (unsigned)sig);
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
#define TT_STORE_SIGNAL(field) opts->field = num
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
			       "(ns, us, ms, s, m or h, e.g. 500ms or 2s), or 0", d->env, val);
		break;
	case TT_OPT_SIGNAL:
		bad = tt_parse_signal(val, &num);
		if (bad)
			tt_fmt(err, errlen, "%s=%s: expected a signal a program can catch "
			       "and the kernel does not send on its own: USR1, USR2, HUP, "
			       "INT, QUIT, PIPE, ALRM, TERM, URG, XCPU, XFSZ, VTALRM, PROF, "
			       "WINCH, IO, PWR, RTMIN+n, RTMAX-n (with or without SIG), "
			       "its number, or none", d->env, val);
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
