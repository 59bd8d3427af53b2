/*
 * verdict.h - the leak verdict of each process, from a dump taken with a
 * reachability scan: its leak sites by kind (grouped by allocation stack,
 * largest first, indirectly lost bytes counted with the definitely lost
 * block they hang from, as memcheck does), its leaked threads, what the
 * suppressions took out, and whether it fails the gate.  Shared by
 * `tether check` and `tether report --type leaks`.
 *
 * Context: the tether tool only.
 */
#ifndef TT_VERDICT_H
#define TT_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/cmd.h"
#include "tools/suppress.h"

/* Kinds to fail on (--fail-on): bits by enum tt_leak_kind, and threads. */
#define TT_FAIL_KIND(k) (1u << (k))
#define TT_FAIL_THREADS (1u << 8)
#define TT_FAIL_DEFAULT (TT_FAIL_KIND(TT_LEAK_DEFINITE) | TT_FAIL_KIND(TT_LEAK_INDIRECT) | \
			 TT_FAIL_THREADS)

struct tt_verdict_opts {
	unsigned fail_on;		/* TT_FAIL_* */
	uint64_t min_bytes;		/* fail only from this many leaked bytes */
	struct tt_supps *supps;		/* may be NULL */
	const struct tt_report_opts *ro; /* --ignore-thread, --top */
};

struct tt_leak_site {
	const struct tt_dump_stack *stack;
	unsigned kind;			/* enum tt_leak_kind */
	uint64_t blocks, bytes;
	uint64_t ind_blocks, ind_bytes;	/* definite: lost only through these */
	size_t largest;			/* index in dump blocks of its largest */
	struct tt_supp *supp;		/* suppressed by, or NULL */
	bool fails;			/* counts towards the verdict */
};

struct tt_verdict {
	struct tt_proc_model *p;
	bool has_scan;
	struct tt_leak_site *sites;	/* by kind (definite first), bytes */
	size_t nsites;
	uint64_t blocks[5], bytes[5];	/* not suppressed, by kind */
	uint64_t supp_blocks, supp_bytes;
	const struct tt_dump_thread **threads;	/* leaked, not suppressed */
	size_t nthreads;
	size_t supp_threads, ignored_threads;
	uint64_t fail_bytes;		/* leaked bytes of the kinds failed on */
	bool failed;
};

/* tt_verdict_make() - the verdict on p.  Bumps suppression hit counts. */
void tt_verdict_make(struct tt_verdict *v, struct tt_proc_model *p,
		     const struct tt_verdict_opts *o);
void tt_verdict_free(struct tt_verdict *v);

/* tt_leak_kind_name() - "definitely lost", ...; tt_leak_kind_key() -
 * "definite", "indirect", "possible", "reachable". */
const char *tt_leak_kind_name(unsigned kind);
const char *tt_leak_kind_key(unsigned kind);

/* Writers.  text: the gate's report (what tether check prints);
 * retention: with reachable sites, the path that holds each one. */
void tt_verdict_text(struct tt_buf *b, struct tt_verdict *v, bool show_reachable,
		     bool header);
void tt_verdict_json(struct tt_buf *b, struct tt_verdict *v);
/* The innermost frame with a function name, for suppressions and titles:
 * "token_new (lexer.c:52)"; malloc'd. */
char *tt_verdict_site_name(struct tt_proc_model *p, const struct tt_dump_stack *s,
			   bool function_only);

#endif /* TT_VERDICT_H */
