/*
 * cmd.h - the tether commands (one file each) and the report writers they
 * share.
 */
#ifndef TT_CMD_H
#define TT_CMD_H

#include <stdbool.h>

#include "tools/model.h"
#include "tools/util.h"

int tt_cmd_run(int argc, char **argv);
int tt_cmd_report(int argc, char **argv);
int tt_cmd_check(int argc, char **argv);
int tt_cmd_dump(int argc, char **argv);
int tt_cmd_diff(int argc, char **argv);

/* What run and check share (cmd_run.c): check the TETHER_* environment,
 * make TETHER_OUTPUT point at a writable place, find libtether.so, find
 * the program like execvp, and tell a static program.  The first two
 * return 0 or an exit status after saying what is wrong. */
extern const char *tt_run_who;	/* "tether run" or "tether check" */
int tt_run_check_environment(void);
int tt_run_prepare_output(const char *out);
char *tt_run_find_library(void);
/* TETHER_TOOL: this tether, for the library's tether_check() reports. */
void tt_run_set_tool(void);
char *tt_run_resolve_program(const char *prog);
int tt_run_is_static_elf(const char *file);
int tt_run_is_secure_exec(const char *file);

/* tt_text_duration() - "4.2 ms", "1.5 s", "3.0 min"; UINT64_MAX = forever. */
struct tt_buf;
void tt_text_duration(struct tt_buf *b, uint64_t ns);

struct tt_report_opts {
	long top;		/* sites shown; 0 = all */
	bool mutex_only;	/* --type mutex: only mutex and rwlock waits */
	const char *sample;	/* --sample of the flame graph; NULL = inuse_space */
	bool site_labels;	/* --site-labels: pprof samples carry lifetimes,
				   ownership and verdicts as labels */
	const char *ignore[64];	/* --ignore-thread globs */
	size_t nignore;
};

/*
 * tt_glob_check() - whether pattern is a glob tether accepts: not empty,
 * brackets closed.  Return: NULL, or what is wrong with it.
 */
const char *tt_glob_check(const char *pattern);

/* Writers: append the report of m to out.  Return: 0 or -errno. */
int tt_report_text(struct tt_model *m, const struct tt_report_opts *o,
		   struct tt_buf *out);
int tt_report_json(struct tt_model *m, const struct tt_report_opts *o,
		   struct tt_buf *out);
int tt_report_pprof(struct tt_model *m, const struct tt_report_opts *o,
		    const char *path);

/*
 * For writers of other heap profiles (report_pprof.c): add p's modules as
 * mappings of pp, returning the table tt_pprof_stack_locations() needs
 * (free it); and the location ids of stack s, leaf first (s->rec.depth of
 * them, malloc'd).
 */
struct tt_pprof;
uint64_t *tt_pprof_proc_mappings(struct tt_pprof *pp, struct tt_proc_model *p);
/* tt_pprof_heap_types() - the sample types of a heap profile, as Go's:
 * alloc_objects, alloc_space, inuse_objects, inuse_space (the default). */
void tt_pprof_heap_types(struct tt_pprof *pp);
uint64_t *tt_pprof_stack_locations(struct tt_pprof *pp, struct tt_proc_model *p,
				   const uint64_t *map_of_sym,
				   const struct tt_dump_stack *s);

/* --format flamegraph (report_flame.c): a self-contained HTML page. */
int tt_report_flamegraph(struct tt_model *m, const struct tt_report_opts *o,
			 struct tt_buf *out);

/*
 * --timeline (report_timeline.c): in-use memory over a series of dumps of
 * one program as a self-contained SVG, the total and the top sites.
 * Return: 0, TT_EXIT_DATA after a message.
 */
int tt_report_timeline(char *const *paths, int npaths, const struct tt_model_opts *mo,
		       long top, const char *output);

/* --type threads (report_threads.c). */
int tt_report_threads_text(struct tt_model *m, const struct tt_report_opts *o,
			   struct tt_buf *out);
int tt_report_threads_json(struct tt_model *m, const struct tt_report_opts *o,
			   struct tt_buf *out);
int tt_report_threads_pprof(struct tt_model *m, const struct tt_report_opts *o,
			    const char *path);

/* Shared with tether check (report_threads.c): whether t is a leaked thread
 * (the final dump, neither main, detached nor adopted); whether an
 * --ignore-thread glob matches it; its one-line description, no newline:
 * thread N "name" [wait or state, duration] created by F (file:line) ... */
bool tt_thread_leaked(const struct tt_dump *d, const struct tt_rec_thread *t);
bool tt_thread_ignored(struct tt_proc_model *p, const struct tt_report_opts *o,
		       const struct tt_dump_thread *t);
void tt_text_thread_head(struct tt_buf *b, struct tt_proc_model *p,
			 const struct tt_dump_thread *t);

/* --type leaks (verdict.c): the verdicts of a dump taken with a scan. */
int tt_report_leaks_text(struct tt_model *m, const struct tt_report_opts *o,
			 struct tt_buf *out);
int tt_report_leaks_json(struct tt_model *m, const struct tt_report_opts *o,
			 struct tt_buf *out);

/* --type block and --type mutex (report_block.c). */
int tt_report_block_text(struct tt_model *m, const struct tt_report_opts *o,
			 struct tt_buf *out);
int tt_report_block_json(struct tt_model *m, const struct tt_report_opts *o,
			 struct tt_buf *out);
int tt_report_block_pprof(struct tt_model *m, const struct tt_report_opts *o,
			  const char *path);

/*
 * tt_text_stack() - the frames of s, one line each, numbered from first:
 * "<indent>#N function (file:line)", or (module+offset) when unknown,
 * "[inlined]" marked.  (report_text.c)
 */
void tt_text_stack(struct tt_buf *b, struct tt_proc_model *p,
		   const struct tt_dump_stack *s, const char *indent, unsigned first);

/*
 * tt_json_stack() - the frames of s as a JSON array of {address, function,
 * file, line, inlined, module, offset}, innermost first.  (report_json.c)
 */
void tt_json_stack(struct tt_buf *b, struct tt_proc_model *p,
		   const struct tt_dump_stack *s);

/* Helpers the writers share (report_text.c). */
const char *tt_basename(const char *path);
void tt_format_time(char *buf, size_t n, uint64_t realtime_ns);

#endif /* TT_CMD_H */
