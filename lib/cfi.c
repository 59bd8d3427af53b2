/*
 * cfi.c - unwind rules per return address from .eh_frame_hdr/.eh_frame
 * (see cfi.h).  The decoder follows the DWARF call-frame information
 * format (DWARF 4, section 6.4) and the LSB's .eh_frame_hdr layout; it
 * handles what compilers emit for ordinary x86-64 functions and answers
 * TT_CFI_SLOW for anything else.  Every read of CFI data is bounded to the
 * loaded segments of the module that holds it.
 */
#include "cfi.h"

#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>


/* In .bss: pages are touched as rules land in them. */
struct tt_cfi_entry tt_cfi_table[TT_CFI_SIZE];
_Atomic uint32_t tt_cfi_gen = 1;
struct tt_cfi_stats tt_cfi_stats;

#define TT_CFI_BUSY (1ull << 63)

void
tt_cfi_invalidate(void)
{
	uint32_t g = atomic_load_explicit(&tt_cfi_gen, memory_order_relaxed);

	/* Stops at TT_CFI_GEN_MAX: from then on rules are computed each
	 * time and never cached, rather than wrap around to old ones. */
	while (g < TT_CFI_GEN_MAX &&
	       !atomic_compare_exchange_weak(&tt_cfi_gen, &g, g + 1))
		;
}

/* --- finding the module and its .eh_frame_hdr ------------------------ */

struct find {
	uintptr_t pc;			/* address looked up (return address - 1) */
	uintptr_t hdr;			/* .eh_frame_hdr, 0 if none */
	size_t hdr_len;
	const struct dl_phdr_info *info; /* only during the callback */
	uintptr_t seg_lo[16], seg_hi[16]; /* readable PT_LOAD ranges */
	unsigned nseg;
	bool found;
};

static int
find_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find *f = data;
	bool in = false;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    f->pc >= lo && f->pc < lo + ph->p_memsz)
			in = true;
	}
	if (!in)
		return 0;
	f->found = true;
	f->nseg = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_GNU_EH_FRAME) {
			f->hdr = lo;
			f->hdr_len = ph->p_memsz;
		} else if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) && f->nseg < 16) {
			f->seg_lo[f->nseg] = lo;
			f->seg_hi[f->nseg] = lo + ph->p_filesz;	/* file-backed part */
			f->nseg++;
		}
	}
	return 1;
}

/* Whether [p, p + n) lies inside one readable segment of the module. */
static bool
readable(const struct find *f, uintptr_t p, size_t n)
{
	for (unsigned i = 0; i < f->nseg; i++)
		if (p >= f->seg_lo[i] && p <= f->seg_hi[i] && n <= f->seg_hi[i] - p)
			return true;
	return false;
}

/* --- a bounded byte reader ------------------------------------------- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t
rd_u(struct rd *r, unsigned n)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t
rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		uint8_t b = *r->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t
rd_sleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~0ull << shift;
	return (int64_t)v;
}

/* DW_EH_PE_* pointer encodings */
#define PE_OMIT 0xff
#define PE_ABS 0x00
#define PE_ULEB 0x01
#define PE_U2 0x02
#define PE_U4 0x03
#define PE_U8 0x04
#define PE_SLEB 0x09
#define PE_S2 0x0a
#define PE_S4 0x0b
#define PE_S8 0x0c
#define PE_PCREL 0x10
#define PE_DATAREL 0x30
#define PE_INDIRECT 0x80

/* An encoded pointer; datarel is relative to base (the .eh_frame_hdr). */
static uint64_t
rd_enc(struct rd *r, uint8_t enc, uintptr_t base)
{
	uintptr_t here = (uintptr_t)r->p;
	uint64_t v;

	if (enc == PE_OMIT)
		return 0;
	switch (enc & 0x0f) {
	case PE_ABS: v = rd_u(r, 8); break;
	case PE_ULEB: v = rd_uleb(r); break;
	case PE_U2: v = rd_u(r, 2); break;
	case PE_U4: v = rd_u(r, 4); break;
	case PE_U8: v = rd_u(r, 8); break;
	case PE_SLEB: v = (uint64_t)rd_sleb(r); break;
	case PE_S2: v = (uint64_t)(int64_t)(int16_t)rd_u(r, 2); break;
	case PE_S4: v = (uint64_t)(int64_t)(int32_t)rd_u(r, 4); break;
	case PE_S8: v = rd_u(r, 8); break;
	default: r->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0: break;
	case PE_PCREL: v += here; break;
	case PE_DATAREL: v += base; break;
	default: r->bad = true; return 0;	/* textrel, funcrel, aligned */
	}
	if (enc & PE_INDIRECT)
		r->bad = true;	/* not used for FDE addresses */
	return v;
}

/* --- the CFA program -------------------------------------------------- */

enum { R_SAME = 0, R_UNDEF, R_OFF, R_OTHER };
enum { X_RBP, X_RSP, X_RA, X_N };

struct row {
	uint64_t cfa_reg;
	int64_t cfa_off;
	bool cfa_expr;
	uint8_t how[X_N];
	int64_t off[X_N];
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool signal, has_z;
	struct rd init;		/* initial instructions */
};

static int
reg_index(uint64_t reg, uint64_t ra_reg)
{
	if (reg == 6)
		return X_RBP;
	if (reg == 7)
		return X_RSP;
	if (reg == ra_reg)
		return X_RA;
	return -1;
}

#define STATE_DEPTH 8

/*
 * Run the instructions of r from location loc until the row that covers
 * target; init is the row after the CIE's instructions (DW_CFA_restore).
 * Return: false on anything not understood.
 */
static bool
run_cfa(struct rd *r, const struct cie *c, uint64_t loc, uint64_t target, struct row *row,
	const struct row *init, uintptr_t base)
{
	struct row saved[STATE_DEPTH];
	unsigned nsaved = 0;

	while (r->p < r->end && !r->bad) {
		uint8_t op = (uint8_t)rd_u(r, 1);
		uint64_t reg = 0, delta = 0;
		int64_t off = 0;
		int x;

		switch (op & 0xc0) {
		case 0x40:
			delta = (uint64_t)(op & 0x3f) * c->code_align;
			goto advance;
		case 0x80:
			reg = op & 0x3f;
			off = (int64_t)rd_uleb(r) * c->data_align;
			goto set_off;
		case 0xc0:
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:	/* nop */
			break;
		case 0x01:	/* set_loc */
			loc = rd_enc(r, c->fde_enc, base);
			if (loc > target)
				return !r->bad;
			break;
		case 0x02: delta = rd_u(r, 1) * c->code_align; goto advance;
		case 0x03: delta = rd_u(r, 2) * c->code_align; goto advance;
		case 0x04: delta = rd_u(r, 4) * c->code_align; goto advance;
		case 0x05:	/* offset_extended */
			reg = rd_uleb(r);
			off = (int64_t)rd_uleb(r) * c->data_align;
			goto set_off;
		case 0x06:	/* restore_extended */
			reg = rd_uleb(r);
			goto restore;
		case 0x07:	/* undefined */
		case 0x08:	/* same_value */
			reg = rd_uleb(r);
			if ((x = reg_index(reg, c->ra_reg)) >= 0)
				row->how[x] = op == 0x07 ? R_UNDEF : R_SAME;
			break;
		case 0x09:	/* register */
			reg = rd_uleb(r);
			(void)rd_uleb(r);
			if ((x = reg_index(reg, c->ra_reg)) >= 0)
				row->how[x] = R_OTHER;
			break;
		case 0x0a:	/* remember_state */
			if (nsaved == STATE_DEPTH)
				return false;
			saved[nsaved++] = *row;
			break;
		case 0x0b:	/* restore_state */
			if (nsaved == 0)
				return false;
			*row = saved[--nsaved];
			break;
		case 0x0c:	/* def_cfa */
			row->cfa_reg = rd_uleb(r);
			row->cfa_off = (int64_t)rd_uleb(r);
			row->cfa_expr = false;
			break;
		case 0x0d:	/* def_cfa_register */
			row->cfa_reg = rd_uleb(r);
			row->cfa_expr = false;
			break;
		case 0x0e:	/* def_cfa_offset */
			row->cfa_off = (int64_t)rd_uleb(r);
			break;
		case 0x0f: {	/* def_cfa_expression */
			uint64_t n = rd_uleb(r);

			if (n > (uint64_t)(r->end - r->p))
				return false;
			r->p += n;
			row->cfa_expr = true;
			break;
		}
		case 0x10:	/* expression */
		case 0x16: {	/* val_expression */
			uint64_t n;

			reg = rd_uleb(r);
			n = rd_uleb(r);
			if (r->bad || n > (uint64_t)(r->end - r->p))
				return false;
			r->p += n;
			if ((x = reg_index(reg, c->ra_reg)) >= 0)
				row->how[x] = R_OTHER;
			break;
		}
		case 0x11:	/* offset_extended_sf */
			reg = rd_uleb(r);
			off = rd_sleb(r) * c->data_align;
			goto set_off;
		case 0x12:	/* def_cfa_sf */
			row->cfa_reg = rd_uleb(r);
			row->cfa_off = rd_sleb(r) * c->data_align;
			row->cfa_expr = false;
			break;
		case 0x13:	/* def_cfa_offset_sf */
			row->cfa_off = rd_sleb(r) * c->data_align;
			break;
		case 0x14:	/* val_offset */
		case 0x15:	/* val_offset_sf */
			reg = rd_uleb(r);
			if (op == 0x14)
				(void)rd_uleb(r);
			else
				(void)rd_sleb(r);
			if ((x = reg_index(reg, c->ra_reg)) >= 0)
				row->how[x] = R_OTHER;
			break;
		case 0x2e:	/* GNU_args_size */
			(void)rd_uleb(r);
			break;
		case 0x2f:	/* GNU_negative_offset_extended */
			reg = rd_uleb(r);
			off = -(int64_t)rd_uleb(r) * c->data_align;
			goto set_off;
		default:
			return false;
		}
		continue;
advance:
		loc += delta;
		if (loc > target)
			return !r->bad;
		continue;
set_off:
		if ((x = reg_index(reg, c->ra_reg)) >= 0) {
			row->how[x] = R_OFF;
			row->off[x] = off;
		}
		continue;
restore:
		if ((x = reg_index(reg, c->ra_reg)) >= 0) {
			if (init == NULL)
				return false;	/* restore inside the CIE */
			row->how[x] = init->how[x];
			row->off[x] = init->off[x];
		}
		continue;
	}
	return !r->bad;
}

/* Parse the CIE at p (its length field).  Return: false if not handled. */
static bool
parse_cie(const struct find *f, uintptr_t p, struct cie *c, uintptr_t base)
{
	struct rd r = { (const uint8_t *)p, (const uint8_t *)p + 4, false };
	uint64_t len;
	const char *aug;
	size_t auglen;

	if (!readable(f, p, 4))
		return false;
	len = rd_u(&r, 4);
	if (len == 0 || len == 0xffffffffu || !readable(f, p + 4, len))
		return false;
	r.end = r.p + len;
	if (rd_u(&r, 4) != 0)	/* CIE id */
		return false;
	uint8_t version = (uint8_t)rd_u(&r, 1);

	if (version != 1 && version != 3)
		return false;
	aug = (const char *)r.p;
	auglen = strnlen(aug, (size_t)(r.end - r.p));
	if (auglen == (size_t)(r.end - r.p))
		return false;
	r.p += auglen + 1;
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_u(&r, 1) : rd_uleb(&r);
	c->fde_enc = PE_ABS;
	c->signal = false;
	c->has_z = false;
	if (auglen > 0) {
		const uint8_t *data_end;

		if (aug[0] != 'z')
			return false;
		c->has_z = true;
		uint64_t n = rd_uleb(&r);

		if (r.bad || n > (uint64_t)(r.end - r.p))
			return false;
		data_end = r.p + n;
		for (size_t i = 1; i < auglen; i++) {
			switch (aug[i]) {
			case 'L':
				(void)rd_u(&r, 1);
				break;
			case 'R':
				c->fde_enc = (uint8_t)rd_u(&r, 1);
				break;
			case 'P': {
				uint8_t enc = (uint8_t)rd_u(&r, 1);

				(void)rd_enc(&r, enc & 0x7f, base);
				break;
			}
			case 'S':
				c->signal = true;
				break;
			default:
				return false;
			}
		}
		if (r.bad || r.p > data_end)
			return false;
		r.p = data_end;
	}
	c->init = r;
	return !r.bad;
}

/* Binary search of .eh_frame_hdr's table: the FDE whose start is the
 * last one <= pc.  Return: the FDE's address, or 0. */
static uintptr_t
find_fde(const struct find *f, uintptr_t pc)
{
	struct rd r = { (const uint8_t *)f->hdr, (const uint8_t *)f->hdr + f->hdr_len, false };
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t count;
	const int32_t *tab;
	int64_t want = (int64_t)(pc - f->hdr);
	uint64_t lo = 0, hi;

	if (f->hdr_len < 4 || !readable(f, f->hdr, f->hdr_len))
		return 0;
	version = (uint8_t)rd_u(&r, 1);
	ptr_enc = (uint8_t)rd_u(&r, 1);
	count_enc = (uint8_t)rd_u(&r, 1);
	table_enc = (uint8_t)rd_u(&r, 1);
	if (version != 1 || table_enc != (PE_DATAREL | PE_S4))
		return 0;
	(void)rd_enc(&r, ptr_enc, f->hdr);
	count = rd_enc(&r, count_enc, f->hdr);
	if (r.bad || count == 0 || count > (uint64_t)(r.end - r.p) / 8)
		return 0;
	tab = (const int32_t *)(const void *)r.p;
	if (want < tab[0])
		return 0;
	hi = count;
	while (hi - lo > 1) {	/* tab[2*lo] <= want < tab[2*hi] */
		uint64_t mid = lo + (hi - lo) / 2;

		if (tab[2 * mid] <= want)
			lo = mid;
		else
			hi = mid;
	}
	return f->hdr + (uintptr_t)(intptr_t)tab[2 * lo + 1];
}

/* The rule for pc - 1 (pc is a return address).  Counts nothing. */
static uint64_t
rule_for(uintptr_t pc)
{
	struct find f = { .pc = pc - 1 };
	struct cie c;
	struct row row, init;
	uintptr_t fde, cie_at;
	uint64_t len, begin, range, rule;

	dl_iterate_phdr(find_cb, &f);
	if (!f.found || f.hdr == 0)
		return TT_CFI_SLOW;
	fde = find_fde(&f, f.pc);
	if (fde == 0 || !readable(&f, fde, 8))
		return TT_CFI_SLOW;

	struct rd r = { (const uint8_t *)fde, (const uint8_t *)fde + 8, false };

	len = rd_u(&r, 4);
	if (len == 0 || len == 0xffffffffu || !readable(&f, fde + 4, len))
		return TT_CFI_SLOW;
	r.end = (const uint8_t *)fde + 4 + len;
	cie_at = (uintptr_t)r.p;
	uint64_t cie_off = rd_u(&r, 4);

	if (cie_off == 0 || cie_off > cie_at)
		return TT_CFI_SLOW;
	cie_at -= cie_off;
	if (!parse_cie(&f, cie_at, &c, f.hdr) || c.signal || c.ra_reg != 16)
		return TT_CFI_SLOW;
	begin = rd_enc(&r, c.fde_enc, f.hdr);
	range = rd_enc(&r, c.fde_enc & 0x0f, f.hdr);
	if (r.bad || f.pc < begin || f.pc - begin >= range)
		return TT_CFI_SLOW;	/* no FDE covers it */
	if (c.has_z) {
		uint64_t n = rd_uleb(&r);

		if (r.bad || n > (uint64_t)(r.end - r.p))
			return TT_CFI_SLOW;
		r.p += n;
	}
	memset(&row, 0, sizeof(row));
	if (!run_cfa(&c.init, &c, begin, UINT64_MAX, &row, NULL, f.hdr))
		return TT_CFI_SLOW;
	init = row;
	if (!run_cfa(&r, &c, begin, f.pc, &row, &init, f.hdr))
		return TT_CFI_SLOW;

	if (row.cfa_expr || (row.cfa_reg != 6 && row.cfa_reg != 7) ||
	    row.how[X_RSP] != R_SAME)
		return TT_CFI_SLOW;
	if (row.how[X_RA] == R_UNDEF)
		return TT_CFI_END;
	if (row.how[X_RA] != R_OFF || row.off[X_RA] != -8)
		return TT_CFI_SLOW;
	if (row.cfa_off < 8 || row.cfa_off > INT32_MAX)
		return TT_CFI_SLOW;
	rule = TT_CFI_STEP | (uint64_t)(uint32_t)(int32_t)row.cfa_off << 32;
	if (row.cfa_reg == 6)
		rule |= TT_CFI_CFA_RBP;
	if (row.how[X_RBP] == R_OFF) {
		if (row.off[X_RBP] < INT16_MIN || row.off[X_RBP] > INT16_MAX)
			return TT_CFI_SLOW;
		rule |= TT_CFI_RBP_SAVED | (uint64_t)(uint16_t)(int16_t)row.off[X_RBP] << 16;
	} else if (row.how[X_RBP] != R_SAME) {
		return TT_CFI_SLOW;
	}
	return rule;
}

uint64_t
tt_cfi_compute(uintptr_t pc, uint32_t gen)
{
	uint64_t rule, key, i;

	if (pc < 2 || pc >= TT_CFI_PC_MAX)
		return TT_CFI_SLOW;
	rule = rule_for(pc);
	atomic_fetch_add_explicit(&tt_cfi_stats.rules, 1, memory_order_relaxed);
	if (TT_CFI_KIND(rule) == TT_CFI_SLOW)
		atomic_fetch_add_explicit(&tt_cfi_stats.slow_rules, 1, memory_order_relaxed);
	/* A module unloaded while the rule was read bumped the generation:
	 * then the rule is used this once and not kept. */
	if (gen >= TT_CFI_GEN_MAX || gen != atomic_load(&tt_cfi_gen))
		return rule;
	key = (uint64_t)pc | (uint64_t)gen << 47;
	i = tt_cfi_hash(pc);
	for (unsigned n = 0; n < TT_CFI_PROBES; n++, i = (i + 1) & TT_CFI_MASK) {
		uint64_t k = atomic_load_explicit(&tt_cfi_table[i].key, memory_order_acquire);

		if (k == 0) {
			/* Claim, fill, publish: a reader never sees a key
			 * with a rule that is not its own. */
			if (!atomic_compare_exchange_strong(&tt_cfi_table[i].key, &k,
							    key | TT_CFI_BUSY))
				goto taken;
			atomic_store_explicit(&tt_cfi_table[i].rule, rule, memory_order_relaxed);
			atomic_store_explicit(&tt_cfi_table[i].key, key, memory_order_release);
			return rule;
		}
taken:
		if ((k & ~TT_CFI_BUSY) == key)
			return rule;	/* another thread put it there */
	}
	atomic_fetch_add_explicit(&tt_cfi_stats.uncached, 1, memory_order_relaxed);
	return rule;
}
