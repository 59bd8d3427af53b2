/*
 * fuzz_dump.c - libFuzzer harness for the dump reader (format/tdump_read.c).
 * Parses each input as a dump file; when the reader accepts it, touches
 * every string, module, stack frame, block and thread, and checks the
 * promises the reader makes to the tether tool, so that a bad offset shows
 * up as an ASan report or an abort here rather than in a report.  Built and
 * run by run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/tdump_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the reads below from being optimised away. */
static volatile uint64_t sink;

/* Stop the run: libFuzzer saves the input as a crash. */
static void
broken(const char *what)
{
	fprintf(stderr, "fuzz_dump: %s\n", what);
	abort();
}

static void
touch_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += b[i];
	sink += sum;
}

static void
touch_str(const char *s)
{
	if (s == NULL)
		broken("a string of an accepted dump is NULL");
	touch_bytes(s, strlen(s) + 1);
}

/*
 * The stack tt_dump_stack() returns for id must be NULL or an element of
 * d->stacks carrying that id; a block's stack must exist.
 */
static const struct tt_dump_stack *
check_lookup(const struct tt_dump *d, uint32_t id)
{
	const struct tt_dump_stack *s = tt_dump_stack(d, id);

	if (s == NULL)
		return NULL;
	if (s < d->stacks || s >= d->stacks + d->nstacks)
		broken("tt_dump_stack returned a pointer outside the stack array");
	if (s->rec.id != id)
		broken("tt_dump_stack returned a stack with another id");
	return s;
}

static void
walk(const struct tt_dump *d)
{
	touch_str(d->path);
	touch_str(d->exe);
	touch_str(d->version);
	touch_bytes(&d->proc, sizeof(d->proc));
	touch_bytes(&d->stats, sizeof(d->stats));
	sink += strlen(tt_dump_trigger_name(d->proc.trigger));
	for (char **a = d->argv; a != NULL && *a != NULL; a++)
		touch_str(*a);
	for (size_t i = 0; i < d->nmodules; i++) {
		const struct tt_dump_module *m = &d->modules[i];

		touch_bytes(&m->rec, sizeof(m->rec));
		touch_str(m->path);
		if (m->build_id_len > 0 && m->build_id == NULL)
			broken("a module has a build id length but no build id");
		touch_bytes(m->build_id, m->build_id_len);
	}
	for (size_t i = 0; i < d->nstacks; i++) {
		const struct tt_dump_stack *s = &d->stacks[i];

		touch_bytes(&s->rec, sizeof(s->rec));
		touch_bytes(s->frames, (size_t)s->rec.depth * sizeof(*s->frames));
		sink += strlen(tt_dump_alloc_fn_name(s->rec.alloc_fn));
		if (check_lookup(d, s->rec.id) != s)
			broken("a stack is not found by its own id");
		(void)check_lookup(d, s->rec.id + 1);
		(void)check_lookup(d, s->rec.id - 1);
	}
	for (size_t i = 0; i < d->nblocks; i++) {
		const struct tt_rec_block *b = &d->blocks[i];
		const struct tt_dump_stack *s;

		touch_bytes(b, sizeof(*b));
		s = check_lookup(d, b->stack);
		if (s == NULL)
			broken("a block refers to a stack the dump lacks");
		touch_bytes(s->frames, (size_t)s->rec.depth * sizeof(*s->frames));
	}
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct tt_dump_thread *t = &d->threads[i];

		touch_bytes(&t->rec, sizeof(t->rec));
		touch_str(t->name);
		touch_str(t->wait_target);
		sink += strlen(tt_dump_wait_name(t->rec.wait_call));
		if (t->rec.create_stack != 0 &&
		    check_lookup(d, t->rec.create_stack) == NULL)
			broken("a thread refers to a stack the dump lacks");
	}
	/* Ids are nonzero, so 0 never names a stack. */
	if (check_lookup(d, 0) != NULL)
		broken("tt_dump_stack found a stack with id 0");
	(void)check_lookup(d, UINT32_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	void *copy;
	struct tt_dump *d;

	/* The reader takes ownership, so give it a heap buffer of exactly the
	 * input's size: a read one byte past the end is then an ASan report. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	err[0] = '\0';
	d = tt_dump_parse("fuzz", copy, size, err, sizeof(err));
	if (d == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			broken("a rejected dump gave no error message");
		return 0;
	}
	walk(d);
	tt_dump_free(d);
	return 0;
}
