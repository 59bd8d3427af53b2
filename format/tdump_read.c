/*
 * tdump_read.c - the dump reader.  Reads the whole file, then walks the
 * records checking each length against what remains, each string against
 * its record, and each block's stack id against the stacks already seen.
 * Record types it does not know are skipped (they carry their length).
 */
#include "format/tdump_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int drop_stale(struct tt_dump *d);

struct cursor {
	const char *name;
	const uint8_t *base;
	size_t off, end;	/* current position, end of the current record */
	char *err;
	size_t errlen;
};

static void __attribute__((format(printf, 3, 4)))
fail(struct cursor *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s: at byte %zu: ", c->name, at);

	if (n < 0 || (size_t)n >= c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
take(struct cursor *c, void *out, size_t n, const char *what)
{
	if (c->end - c->off < n) {
		fail(c, c->off, "%s does not fit in its record", what);
		return -1;
	}
	memcpy(out, c->base + c->off, n);
	c->off += n;
	return 0;
}

/* A length-prefixed string, padded to 8, copied with a NUL added. */
static int
take_str(struct cursor *c, char **out, size_t *outlen, const char *what)
{
	uint32_t len;
	size_t padded;

	if (take(c, &len, 4, what) != 0)
		return -1;
	padded = (4 + (size_t)len + 7) / 8 * 8 - 4;
	if (c->end - c->off < padded) {
		fail(c, c->off - 4, "%s of %u bytes runs past its record", what, len);
		return -1;
	}
	*out = malloc((size_t)len + 1);
	if (*out == NULL) {
		fail(c, c->off, "out of memory");
		return -1;
	}
	memcpy(*out, c->base + c->off, len);
	(*out)[len] = '\0';
	if (outlen)
		*outlen = len;
	c->off += padded;
	return 0;
}

static char **
split_argv(const char *s, size_t n)
{
	size_t count = n ? 1 : 0, k = 0, start = 0;
	char **argv;

	for (size_t i = 0; i < n; i++)
		count += s[i] == '\0';
	argv = calloc(count + 1, sizeof(*argv));
	if (argv == NULL)
		return NULL;
	for (size_t i = 0; n > 0 && i <= n; i++) {
		if (i == n || s[i] == '\0') {
			argv[k++] = strndup(s + start, i - start);
			start = i + 1;
		}
	}
	return argv;
}

static int
read_process(struct cursor *c, struct tt_dump *d)
{
	char *cmd;
	size_t cmdlen;

	if (take(c, &d->proc, sizeof(d->proc), "the process record") != 0 ||
	    take_str(c, &d->exe, NULL, "the executable path") != 0 ||
	    take_str(c, &cmd, &cmdlen, "the command line") != 0)
		return -1;
	d->argv = split_argv(cmd, cmdlen);
	free(cmd);
	if (take_str(c, &d->version, NULL, "the tether version") != 0)
		return -1;
	return 0;
}

static int
read_module(struct cursor *c, struct tt_dump *d)
{
	struct tt_dump_module *m;

	d->modules = realloc(d->modules, (d->nmodules + 1) * sizeof(*d->modules));
	if (d->modules == NULL)
		return fail(c, c->off, "out of memory"), -1;
	m = &d->modules[d->nmodules];
	memset(m, 0, sizeof(*m));
	if (take(c, &m->rec, sizeof(m->rec), "a module record") != 0 ||
	    take_str(c, &m->path, NULL, "a module path") != 0 ||
	    take_str(c, (char **)&m->build_id, &m->build_id_len, "a build id") != 0) {
		free(m->path);
		return -1;
	}
	if (m->rec.lo > m->rec.hi) {
		fail(c, c->off, "module %s has an empty range", m->path);
		free(m->path);
		free(m->build_id);
		return -1;
	}
	d->nmodules++;
	return 0;
}

static void
id_index_put(struct tt_dump *d, uint32_t id, uint32_t index)
{
	size_t i = (id * 2654435761u) & (d->id_cap - 1);

	while (d->id_keys[i] != 0)
		i = (i + 1) & (d->id_cap - 1);
	d->id_keys[i] = id;
	d->id_vals[i] = index;
}

static int
id_index_grow(struct tt_dump *d)
{
	size_t old_cap = d->id_cap;
	uint32_t *old_keys = d->id_keys, *old_vals = d->id_vals;

	d->id_cap = old_cap ? old_cap * 2 : 1024;
	d->id_keys = calloc(d->id_cap, sizeof(*d->id_keys));
	d->id_vals = calloc(d->id_cap, sizeof(*d->id_vals));
	if (d->id_keys == NULL || d->id_vals == NULL) {
		free(d->id_keys);
		free(d->id_vals);
		d->id_keys = old_keys;
		d->id_vals = old_vals;
		d->id_cap = old_cap;
		return -1;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old_keys[i] != 0)
			id_index_put(d, old_keys[i], old_vals[i]);
	free(old_keys);
	free(old_vals);
	return 0;
}

static int
read_stack(struct cursor *c, struct tt_dump *d, size_t at)
{
	struct tt_dump_stack s;

	if (take(c, &s.rec, sizeof(s.rec), "a stack record") != 0)
		return -1;
	if (s.rec.id == 0 || s.rec.depth > 4096) {
		fail(c, at, "stack record with id %u and depth %u", s.rec.id, s.rec.depth);
		return -1;
	}
	if (c->end - c->off != (size_t)s.rec.depth * 8) {
		fail(c, at, "stack %u: %u frames do not match the record length",
		     s.rec.id, s.rec.depth);
		return -1;
	}
	if (tt_dump_stack(d, s.rec.id) != NULL) {
		fail(c, at, "stack id %u defined twice", s.rec.id);
		return -1;
	}
	s.frames = (const uint64_t *)(c->base + c->off);
	c->off = c->end;
	/* The index grows with the number of stacks, never with the size of
	 * an id a file claims (a tiny file must not cost much memory). */
	if ((d->nstacks + 1) * 2 > d->id_cap && id_index_grow(d) != 0)
		return fail(c, at, "out of memory"), -1;
	if (d->nstacks == d->stacks_cap) {
		size_t cap = d->stacks_cap ? d->stacks_cap * 2 : 256;
		struct tt_dump_stack *grown = realloc(d->stacks, cap * sizeof(*grown));

		if (grown == NULL)
			return fail(c, at, "out of memory"), -1;
		d->stacks = grown;
		d->stacks_cap = cap;
	}
	d->stacks[d->nstacks] = s;
	id_index_put(d, s.rec.id, (uint32_t)d->nstacks);
	d->nstacks++;
	return 0;
}

static int
read_thread(struct cursor *c, struct tt_dump *d, size_t at)
{
	struct tt_dump_thread t = { 0 };

	if (take(c, &t.rec, sizeof(t.rec), "a thread record") != 0)
		return -1;
	if ((t.rec.create_stack != 0 && tt_dump_stack(d, t.rec.create_stack) == NULL) ||
	    (t.rec.wait_stack != 0 && tt_dump_stack(d, t.rec.wait_stack) == NULL)) {
		fail(c, at, "thread %u refers to a stack that is not defined before it",
		     t.rec.num);
		return -1;
	}
	if (take_str(c, &t.name, NULL, "a thread name") != 0)
		return -1;
	if (take_str(c, &t.wait_target, NULL, "a wait target") != 0) {
		free(t.name);
		return -1;
	}
	d->threads = realloc(d->threads, (d->nthreads + 1) * sizeof(*d->threads));
	if (d->threads == NULL) {
		free(t.name);
		free(t.wait_target);
		return fail(c, at, "out of memory"), -1;
	}
	d->threads[d->nthreads++] = t;
	return 0;
}

static int
read_long_waits(struct cursor *c, struct tt_dump *d, size_t at)
{
	uint64_t n, dropped;
	struct tt_rec_long_wait *grown;

	if (take(c, &n, 8, "a long-wait count") != 0 ||
	    take(c, &dropped, 8, "a dropped count") != 0)
		return -1;
	if (n > (c->end - c->off) / sizeof(struct tt_rec_long_wait) ||
	    n * sizeof(struct tt_rec_long_wait) != c->end - c->off) {
		fail(c, at, "long-wait record claims %llu waits but holds %zu bytes",
		     (unsigned long long)n, c->end - c->off);
		return -1;
	}
	if (d->long_waits == NULL)
		d->long_waits_dropped = dropped;	/* from the first record */
	grown = realloc(d->long_waits, (d->nlong_waits + n + 1) * sizeof(*grown));
	if (grown == NULL)
		return fail(c, at, "out of memory"), -1;
	d->long_waits = grown;
	memcpy(d->long_waits + d->nlong_waits, c->base + c->off, n * sizeof(*grown));
	for (uint64_t i = 0; i < n; i++) {
		uint32_t id = d->long_waits[d->nlong_waits + i].stack;

		if (id != 0 && tt_dump_stack(d, id) == NULL) {
			fail(c, c->off + i * sizeof(struct tt_rec_long_wait),
			     "long wait refers to stack %u, which is not defined before it", id);
			return -1;
		}
	}
	d->nlong_waits += n;
	c->off = c->end;
	return 0;
}

static int
read_site_life(struct cursor *c, struct tt_dump *d, size_t at)
{
	struct tt_rec_site_life l;
	struct tt_rec_site_life *grown;

	if (c->end - c->off < sizeof(l))
		return fail(c, at, "site lifetime record of %zu bytes", c->end - c->off), -1;
	memcpy(&l, c->base + c->off, sizeof(l));
	if (tt_dump_stack(d, l.stack) == NULL)
		return fail(c, at, "site lifetimes of stack %u, which is not defined before it",
			    l.stack), -1;
	grown = realloc(d->lives, (d->nlives + 1) * sizeof(*grown));
	if (grown == NULL)
		return fail(c, at, "out of memory"), -1;
	d->lives = grown;
	d->lives[d->nlives++] = l;
	c->off = c->end;
	return 0;
}

static int
read_ended(struct cursor *c, struct tt_dump *d, size_t at)
{
	uint64_t n, dropped;
	struct tt_rec_ended_thread *grown;

	if (take(c, &n, 8, "an ended-thread count") != 0 ||
	    take(c, &dropped, 8, "a dropped count") != 0)
		return -1;
	if (n > (c->end - c->off) / sizeof(*grown) || n * sizeof(*grown) != c->end - c->off)
		return fail(c, at, "ended-thread record claims %llu threads but holds %zu bytes",
			    (unsigned long long)n, c->end - c->off), -1;
	grown = realloc(d->ended, (d->nended + n + 1) * sizeof(*grown));
	if (grown == NULL)
		return fail(c, at, "out of memory"), -1;
	d->ended = grown;
	memcpy(d->ended + d->nended, c->base + c->off, n * sizeof(*grown));
	d->nended += n;
	d->ended_dropped += dropped;
	c->off = c->end;
	return 0;
}

static int
read_blocks(struct cursor *c, struct tt_dump *d, size_t at)
{
	uint64_t n;

	if (take(c, &n, 8, "a block count") != 0)
		return -1;
	if (n > (c->end - c->off) / sizeof(struct tt_rec_block) ||
	    n * sizeof(struct tt_rec_block) != c->end - c->off) {
		fail(c, at, "block record claims %llu blocks but holds %zu bytes",
		     (unsigned long long)n, c->end - c->off);
		return -1;
	}
	d->blocks = realloc(d->blocks, (d->nblocks + n) * sizeof(*d->blocks));
	if (d->blocks == NULL)
		return fail(c, at, "out of memory"), -1;
	memcpy(d->blocks + d->nblocks, c->base + c->off, n * sizeof(*d->blocks));
	for (uint64_t i = 0; i < n; i++) {
		uint32_t id = d->blocks[d->nblocks + i].stack;

		if (tt_dump_stack(d, id) == NULL) {
			fail(c, c->off + i * sizeof(struct tt_rec_block),
			     "block refers to stack %u, which is not defined before it", id);
			return -1;
		}
	}
	d->nblocks += n;
	c->off = c->end;
	return 0;
}

static int
read_leaks(struct cursor *c, struct tt_dump *d, size_t at)
{
	uint64_t n;

	if (!d->has_scan)
		return fail(c, at, "leak verdicts without a scan record before them"), -1;
	if (take(c, &n, 8, "a verdict count") != 0)
		return -1;
	if (n > (c->end - c->off) / sizeof(struct tt_rec_leak) ||
	    n * sizeof(struct tt_rec_leak) != c->end - c->off)
		return fail(c, at, "verdict record claims %llu verdicts but holds %zu bytes",
			    (unsigned long long)n, c->end - c->off), -1;
	d->leaks = realloc(d->leaks, (d->nleaks + n) * sizeof(*d->leaks));
	if (d->leaks == NULL)
		return fail(c, at, "out of memory"), -1;
	memcpy(d->leaks + d->nleaks, c->base + c->off, n * sizeof(*d->leaks));
	for (uint64_t i = 0; i < n; i++) {
		const struct tt_rec_leak *l = &d->leaks[d->nleaks + i];
		size_t k = d->nleaks + i;

		if (l->kind < TT_LEAK_REACHABLE || l->kind > TT_LEAK_DEFINITE)
			return fail(c, c->off + i * sizeof(*l), "unknown verdict %u", l->kind), -1;
		if (k >= d->nblocks || d->blocks[k].addr != l->addr)
			return fail(c, c->off + i * sizeof(*l),
				    "verdict %zu is on block 0x%llx, which is not block %zu",
				    k, (unsigned long long)l->addr, k), -1;
	}
	d->nleaks += n;
	c->off = c->end;
	return 0;
}

struct tt_dump *
tt_dump_parse(const char *name, void *data, size_t size, char *err, size_t errlen)
{
	struct cursor c = { name, data, 0, size, err, errlen };
	struct tt_dump *d = calloc(1, sizeof(*d));
	struct tt_file_hdr fh;
	struct tt_rec_end end;
	uint64_t records = 0, stacks = 0, modules = 0;
	int saw_end = 0;

	if (d == NULL) {
		free(data);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	d->path = strdup(name);
	d->data = data;
	d->size = size;
	if (size < sizeof(fh) || memcmp(data, TT_DUMP_MAGIC, 8) != 0) {
		fail(&c, 0, size < 8 ? "file too short to be a tether dump" :
		     "not a tether dump (bad magic)");
		goto bad;
	}
	memcpy(&fh, data, sizeof(fh));
	if (fh.major != TT_DUMP_MAJOR) {
		fail(&c, 8, "dump format version %u.%u; this tether reads version %u.x",
		     fh.major, fh.minor, TT_DUMP_MAJOR);
		goto bad;
	}
	if (fh.hdr_size < sizeof(fh) || fh.hdr_size > size || fh.hdr_size % 8) {
		fail(&c, 12, "bad header size %u", fh.hdr_size);
		goto bad;
	}
	d->minor = fh.minor;
	c.off = fh.hdr_size;
	while (c.off < size && !saw_end) {
		struct tt_rec_hdr h;
		size_t at = c.off;
		int r = 0;

		c.end = size;
		if (take(&c, &h, sizeof(h), "a record header") != 0)
			goto bad;
		if (h.len % 8 != 0 || h.len > size - c.off) {
			fail(&c, at, "record of type %u claims %llu bytes, %zu remain%s",
			     h.type, (unsigned long long)h.len, size - c.off,
			     h.len > size - c.off ? " (file truncated?)" : "");
			goto bad;
		}
		c.end = c.off + h.len;
		if (records == 0 && h.type != TT_REC_PROCESS) {
			fail(&c, at, "first record is type %u, not the process record", h.type);
			goto bad;
		}
		switch (h.type) {
		case TT_REC_PROCESS:
			if (records != 0) {
				fail(&c, at, "second process record");
				goto bad;
			}
			r = read_process(&c, d);
			break;
		case TT_REC_MODULE:
			r = read_module(&c, d);
			modules++;
			break;
		case TT_REC_STACK:
			r = read_stack(&c, d, at);
			stacks++;
			break;
		case TT_REC_BLOCKS:
			r = read_blocks(&c, d, at);
			break;
		case TT_REC_THREAD:
			r = read_thread(&c, d, at);
			break;
		case TT_REC_LONG_WAITS:
			r = read_long_waits(&c, d, at);
			break;
		case TT_REC_SCAN:
			if (d->has_scan) {
				fail(&c, at, "second scan record");
				goto bad;
			}
			d->has_scan = 1;
			r = take(&c, &d->scan, h.len < sizeof(d->scan) ? h.len :
				 sizeof(d->scan), "the scan record");
			break;
		case TT_REC_LEAKS:
			r = read_leaks(&c, d, at);
			break;
		case TT_REC_SITE_LIFE:
			r = read_site_life(&c, d, at);
			break;
		case TT_REC_ENDED_THREADS:
			r = read_ended(&c, d, at);
			break;
		case TT_REC_STATS:
			r = take(&c, &d->stats, h.len < sizeof(d->stats) ? h.len :
				 sizeof(d->stats), "the stats record");
			break;
		case TT_REC_END:
			r = take(&c, &end, sizeof(end), "the end record");
			if (r == 0 && (end.records != records || end.blocks != d->nblocks ||
				       end.stacks != stacks || end.modules != modules)) {
				fail(&c, at, "end record counts (%llu records, %llu blocks) "
				     "differ from the file (%llu records, %zu blocks)",
				     (unsigned long long)end.records,
				     (unsigned long long)end.blocks,
				     (unsigned long long)records, d->nblocks);
				goto bad;
			}
			if (d->has_scan && d->nleaks != d->nblocks) {
				fail(&c, at, "the scan gives %zu verdicts for %zu blocks",
				     d->nleaks, d->nblocks);
				goto bad;
			}
			saw_end = 1;
			break;
		default:
			break;	/* unknown: skip */
		}
		if (r != 0)
			goto bad;
		c.off = c.end;
		records++;
	}
	if (!saw_end) {
		fail(&c, c.off, "truncated: the file ends after %llu records without "
		     "its end record", (unsigned long long)records);
		goto bad;
	}
	if (c.off != size) {
		fail(&c, c.off, "%zu bytes after the end record", size - c.off);
		goto bad;
	}
	for (size_t i = 0; i < d->nstacks; i++)
		d->stacks[i].life = NULL;
	for (size_t i = 0; i < d->nlives; i++) {
		const struct tt_dump_stack *st = tt_dump_stack(d, d->lives[i].stack);

		d->stacks[st - d->stacks].life = &d->lives[i];
	}
	if (!d->has_scan && drop_stale(d) != 0) {
		fail(&c, c.off, "out of memory");
		goto bad;
	}
	return d;
bad:
	tt_dump_free(d);
	return NULL;
}

/*
 * A dump written while other threads allocate reads the block table slot
 * by slot: a block freed after its slot was read, whose address a later
 * slot then holds again, is in it twice.  The later record is the live
 * block (the earlier one was freed before it was given out, so it cannot
 * have been read after it), so the earlier one goes.  A dump taken with a
 * scan (threads stopped) never needs this.  Return: 0 or -1 (no memory).
 */
static int
drop_stale(struct tt_dump *d)
{
	size_t cap = 16, kept = 0;
	size_t *slot;
	char *stale;

	if (d->nblocks < 2)
		return 0;
	while (cap < 2 * d->nblocks)
		cap *= 2;
	slot = malloc(cap * sizeof(*slot));
	stale = calloc(d->nblocks, 1);
	if (slot == NULL || stale == NULL) {
		free(slot);
		free(stale);
		return -1;
	}
	memset(slot, 0xff, cap * sizeof(*slot));	/* SIZE_MAX: empty */
	for (size_t i = 0; i < d->nblocks; i++) {
		uint64_t a = d->blocks[i].addr;
		size_t h = (size_t)((a >> 4) * 0x9e3779b97f4a7c15ull) & (cap - 1);

		while (slot[h] != SIZE_MAX && d->blocks[slot[h]].addr != a)
			h = (h + 1) & (cap - 1);
		if (slot[h] != SIZE_MAX) {
			stale[slot[h]] = 1;
			d->stale_blocks++;
		}
		slot[h] = i;
	}
	if (d->stale_blocks > 0)
		for (size_t i = 0; i < d->nblocks; i++)
			if (!stale[i])
				d->blocks[kept++] = d->blocks[i];
	if (d->stale_blocks > 0)
		d->nblocks = kept;
	free(slot);
	free(stale);
	return 0;
}

struct tt_dump *
tt_dump_read(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return tt_dump_parse(path, data, got, err, errlen);
}

void
tt_dump_free(struct tt_dump *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nmodules; i++) {
		free(d->modules[i].path);
		free(d->modules[i].build_id);
	}
	for (size_t i = 0; i < d->nthreads; i++) {
		free(d->threads[i].name);
		free(d->threads[i].wait_target);
	}
	free(d->threads);
	free(d->long_waits);
	for (char **a = d->argv; a && *a; a++)
		free(*a);
	free(d->argv);
	free(d->modules);
	free(d->stacks);
	free(d->blocks);
	free(d->leaks);
	free(d->lives);
	free(d->ended);
	free(d->id_keys);
	free(d->id_vals);
	free(d->exe);
	free(d->version);
	free(d->path);
	free(d->data);
	free(d);
}

const struct tt_dump_stack *
tt_dump_stack(const struct tt_dump *d, uint32_t id)
{
	if (id == 0 || d->id_cap == 0)
		return NULL;
	for (size_t i = (id * 2654435761u) & (d->id_cap - 1); d->id_keys[i] != 0;
	     i = (i + 1) & (d->id_cap - 1))
		if (d->id_keys[i] == id)
			return &d->stacks[d->id_vals[i]];
	return NULL;
}

const char *
tt_dump_trigger_name(uint32_t trigger)
{
	switch (trigger) {
	case TT_TRIGGER_EXIT: return "exit";
	case TT_TRIGGER_UNDERSCORE_EXIT: return "_exit";
	case TT_TRIGGER_SIGNAL: return "signal";
	case TT_TRIGGER_INTERVAL: return "interval";
	case TT_TRIGGER_API: return "api";
	case TT_TRIGGER_BYTES: return "bytes";
	case TT_TRIGGER_CRASH: return "crash";
	default: return "unknown";
	}
}

const char *
tt_dump_alloc_fn_name(uint32_t fn)
{
	static const char *const names[] = {
		[TT_FN_MALLOC] = "malloc",
		[TT_FN_CALLOC] = "calloc",
		[TT_FN_REALLOC] = "realloc",
		[TT_FN_REALLOCARRAY] = "reallocarray",
		[TT_FN_POSIX_MEMALIGN] = "posix_memalign",
		[TT_FN_ALIGNED_ALLOC] = "aligned_alloc",
		[TT_FN_MEMALIGN] = "memalign",
		[TT_FN_VALLOC] = "valloc",
		[TT_FN_PVALLOC] = "pvalloc",
		[TT_FN_MALLOCX] = "mallocx",
		[TT_FN_RALLOCX] = "rallocx",
		[TT_FN_XALLOCX] = "xallocx",
		[TT_FN_PTHREAD_CREATE] = "pthread_create",
	};

	return fn < TT_FN_COUNT_ && names[fn] ? names[fn] : "alloc";
}

const char *
tt_dump_wait_name(uint32_t call)
{
	static const char *const names[] = {
		[TT_WAIT_NONE] = "running",
		[TT_WAIT_MUTEX_LOCK] = "pthread_mutex_lock",
		[TT_WAIT_MUTEX_TIMEDLOCK] = "pthread_mutex_timedlock",
		[TT_WAIT_RWLOCK_RDLOCK] = "pthread_rwlock_rdlock",
		[TT_WAIT_RWLOCK_WRLOCK] = "pthread_rwlock_wrlock",
		[TT_WAIT_RWLOCK_TIMEDRDLOCK] = "pthread_rwlock_timedrdlock",
		[TT_WAIT_RWLOCK_TIMEDWRLOCK] = "pthread_rwlock_timedwrlock",
		[TT_WAIT_COND_WAIT] = "pthread_cond_wait",
		[TT_WAIT_COND_TIMEDWAIT] = "pthread_cond_timedwait",
		[TT_WAIT_COND_CLOCKWAIT] = "pthread_cond_clockwait",
		[TT_WAIT_BARRIER_WAIT] = "pthread_barrier_wait",
		[TT_WAIT_SEM_WAIT] = "sem_wait",
		[TT_WAIT_SEM_TIMEDWAIT] = "sem_timedwait",
		[TT_WAIT_JOIN] = "pthread_join",
		[TT_WAIT_READ] = "read",
		[TT_WAIT_READV] = "readv",
		[TT_WAIT_WRITE] = "write",
		[TT_WAIT_WRITEV] = "writev",
		[TT_WAIT_RECV] = "recv",
		[TT_WAIT_RECVFROM] = "recvfrom",
		[TT_WAIT_RECVMSG] = "recvmsg",
		[TT_WAIT_SEND] = "send",
		[TT_WAIT_SENDTO] = "sendto",
		[TT_WAIT_SENDMSG] = "sendmsg",
		[TT_WAIT_ACCEPT] = "accept",
		[TT_WAIT_ACCEPT4] = "accept4",
		[TT_WAIT_CONNECT] = "connect",
		[TT_WAIT_POLL] = "poll",
		[TT_WAIT_PPOLL] = "ppoll",
		[TT_WAIT_SELECT] = "select",
		[TT_WAIT_PSELECT] = "pselect",
		[TT_WAIT_EPOLL_WAIT] = "epoll_wait",
		[TT_WAIT_EPOLL_PWAIT] = "epoll_pwait",
		[TT_WAIT_SLEEP] = "sleep",
		[TT_WAIT_USLEEP] = "usleep",
		[TT_WAIT_NANOSLEEP] = "nanosleep",
		[TT_WAIT_CLOCK_NANOSLEEP] = "clock_nanosleep",
		[TT_WAIT_WAIT] = "wait",
		[TT_WAIT_WAITPID] = "waitpid",
		[TT_WAIT_WAITID] = "waitid",
		[TT_WAIT_FLOCK] = "flock",
		[TT_WAIT_LOCKF] = "lockf",
		[TT_WAIT_FCNTL_LOCK] = "fcntl",
		[TT_WAIT_SIGWAIT] = "sigwait",
		[TT_WAIT_SIGTIMEDWAIT] = "sigtimedwait",
		[TT_WAIT_SIGWAITINFO] = "sigwaitinfo",
		[TT_WAIT_SIGSUSPEND] = "sigsuspend",
		[TT_WAIT_PAUSE] = "pause",
		[TT_WAIT_GETADDRINFO] = "getaddrinfo",
		[TT_WAIT_MUTEX_HELD] = "held while others waited",
	};

	_Static_assert(sizeof(names) / sizeof(*names) == TT_WAIT_COUNT_,
		       "a name for every wait call");
	return call < TT_WAIT_COUNT_ ? names[call] : "unknown";
}
