/*
 * options.h - parsing TETHER_* values.  Shared by libtether (which reads its
 * environment) and the tether tool (which checks values before it starts a
 * program), so both accept exactly the same forms and say the same errors.
 *
 * Context: pure functions; never allocate.
 */
#ifndef TT_OPTIONS_H
#define TT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum tt_opt_type { TT_OPT_STRING, TT_OPT_BOOL, TT_OPT_UINT, TT_OPT_SIZE, TT_OPT_DURATION,
		   TT_OPT_SIGNAL };

enum tt_opt_id {
#define OPT(NAME, field, type, def, min, max, doc) TT_OPT_##NAME,
#include "options.def"
#undef OPT
	TT_OPT_COUNT_
};

struct tt_opt_desc {
	const char *env;	/* "TETHER_OUTPUT" */
	enum tt_opt_type type;
	const char *def;	/* default, as text */
	uint64_t min, max;	/* for UINT and SIZE */
	const char *doc;	/* one line */
};

extern const struct tt_opt_desc tt_opt_descs[TT_OPT_COUNT_];

/* The parsed values, one field per option. */
struct tt_opts {
#define TT_OPT_CTYPE_STRING const char *
#define TT_OPT_CTYPE_BOOL uint64_t
#define TT_OPT_CTYPE_UINT uint64_t
#define TT_OPT_CTYPE_SIZE uint64_t
#define TT_OPT_CTYPE_DURATION uint64_t
#define TT_OPT_CTYPE_SIGNAL uint64_t
#define OPT(NAME, field, type, def, min, max, doc) TT_OPT_CTYPE_##type field;
#include "options.def"
#undef OPT
};

/*
 * tt_opt_parse() - parse one value of option id.  On success stores it in
 * *opts.  On failure writes "TETHER_X=value: expected ..." to err.
 * Return: 0, or -1 on a bad value.
 */
int tt_opt_parse(enum tt_opt_id id, const char *val, struct tt_opts *opts,
		 char *err, size_t errlen);

/* tt_opt_defaults() - fill *opts with every default. */
void tt_opt_defaults(struct tt_opts *opts);

/* tt_opt_lookup() - the id of "TETHER_NAME" (up to '=' or NUL), or -1. */
int tt_opt_lookup(const char *name);

/*
 * tt_opt_suggest() - the known variable closest to a misspelt "TETHER_..."
 * name (up to '=' or NUL), or NULL when nothing is close.
 */
const char *tt_opt_suggest(const char *name);

/* Parse a size: "4096", "64M", "1GiB". */
int tt_parse_size(const char *s, uint64_t *out);

/* Parse a duration into nanoseconds: "250ms", "1s", "2m", "1h", "500us". */
int tt_parse_duration(const char *s, uint64_t *out);

/* Parse a dump signal: "USR2", "SIGUSR2", "12", "RTMIN+3", or "none"/"0"
 * (stored as 0).  Return: 0, or -1 for anything else. */
int tt_parse_signal(const char *s, uint64_t *out);

/* "SIGUSR2", "SIGRTMIN+3" or "none" into buf.  Return: its length. */
size_t tt_signal_name(uint64_t sig, char *buf, size_t n);

#endif /* TT_OPTIONS_H */
