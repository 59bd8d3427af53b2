/*
 * report_timeline.c - `tether report --timeline`: in-use memory over time
 * from a series of dumps of one program, as one self-contained SVG image:
 * the total and the top sites (by their largest in-use bytes over the
 * series), with axes, labels and a legend.  Each line carries its exact
 * values (data-values) and the dump times (data-times, seconds since the
 * first process started), so scripts read the numbers back.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"
#include "tools/series.h"
#include "tools/verdict.h"

#define SVG_W 1100
#define SVG_H 480
#define PLOT_L 90
#define PLOT_R 640
#define PLOT_T 50
#define PLOT_B 420

static const char *const palette[] = {
	"#222222", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
	"#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
};

/* A round axis maximum at or above v: 1, 2 or 5 times a power of ten. */
static double
nice_max(double v)
{
	double p = 1;

	if (v <= 0)
		return 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v)
		p /= 10;
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

/* "4,096 B" below 10,000, else decimal units: "13.8 kB", "2 GB", so the
 * ticks at 1, 2 or 5 times a power of ten read as round numbers. */
static void
human_bytes(char *buf, size_t n, double v)
{
	const char *u[] = { "kB", "MB", "GB", "TB", "PB" };
	char t[32];
	int i = -1;

	if (v < 10000) {
		snprintf(buf, n, "%s B", tt_thousands(t, sizeof(t), (uint64_t)v));
		return;
	}
	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, n, "%.3g %s", v, u[i]);
}

/* "nest_leaf (growth.c:52) from nest_a": the innermost named frame and
 * the function that called it, so two paths to one line stay apart. */
static char *
site_label(struct tt_proc_model *p, const struct tt_dump_stack *st)
{
	size_t n, i;
	struct tt_frame *f = tt_model_frames(p, st, &n);
	char *inner = tt_verdict_site_name(p, st, false), *s;

	for (i = 0; i < n && f[i].function == NULL; i++)
		;
	s = i + 1 < n && f[i + 1].function ?
	    tt_xasprintf("%s from %s", inner, f[i + 1].function) : tt_xstrdup(inner);
	free(inner);
	free(f);
	return s;
}

static int
cmp_max(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void
line(struct tt_buf *b, const char *id, const char *name, const char *colour,
     const uint64_t *v, const double *t, size_t n, double tmax, double ymax)
{
	tt_buf_printf(b, "<g class=\"series\" id=\"%s\" data-name=\"", id);
	tt_buf_markup_str(b, name);
	tt_buf_add(b, "\" data-values=\"", 15);
	for (size_t i = 0; i < n; i++)
		tt_buf_printf(b, "%s%llu", i ? " " : "", (unsigned long long)v[i]);
	tt_buf_add(b, "\" data-times=\"", 14);
	for (size_t i = 0; i < n; i++)
		tt_buf_printf(b, "%s%.6f", i ? " " : "", t[i]);
	tt_buf_printf(b, "\">\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
		      colour);
	for (size_t i = 0; i < n; i++)
		tt_buf_printf(b, "%s%.2f,%.2f", i ? " " : "",
			      PLOT_L + (PLOT_R - PLOT_L) * (tmax > 0 ? t[i] / tmax : 0.5),
			      PLOT_B - (PLOT_B - PLOT_T) * (double)v[i] / ymax);
	tt_buf_add(b, "\"/>\n", 4);
	for (size_t i = 0; i < n; i++) {
		tt_buf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\" "
			      "data-value=\"%llu\"><title>",
			      PLOT_L + (PLOT_R - PLOT_L) * (tmax > 0 ? t[i] / tmax : 0.5),
			      PLOT_B - (PLOT_B - PLOT_T) * (double)v[i] / ymax, colour,
			      (unsigned long long)v[i]);
		tt_buf_markup_str(b, name);
		tt_buf_printf(b, ": %llu bytes at %.3f s</title></circle>\n",
			      (unsigned long long)v[i], t[i]);
	}
	tt_buf_add(b, "</g>\n", 5);
}

int
tt_report_timeline(char *const *paths, int npaths, const struct tt_model_opts *mo,
		   long top, const char *output)
{
	struct tt_series s;
	struct tt_buf b = { 0 };
	uint64_t *total, (*maxes)[2];
	double *t, tmax = 0, ymax;
	size_t nshow = 0;
	const struct tt_dump *first;
	char num[64];
	int rc;

	if (tt_series_load(&s, paths, npaths, mo, false, 0) != 0)
		return TT_EXIT_DATA;
	first = s.model.procs[0].dump;
	total = tt_xcalloc(s.n, sizeof(*total));
	t = tt_xcalloc(s.n, sizeof(*t));
	for (size_t d = 0; d < s.n; d++) {
		const struct tt_dump *x = s.model.procs[d].dump;

		total[d] = s.model.procs[d].live_bytes;
		t[d] = ((double)x->proc.start_realtime_ns - (double)first->proc.start_realtime_ns +
			(double)(x->proc.dump_monotonic_ns - x->proc.start_monotonic_ns)) / 1e9;
		if (t[d] > tmax)
			tmax = t[d];
	}
	/* The top sites: by their largest in-use bytes over the series. */
	maxes = tt_xcalloc(s.nsites + 1, sizeof(*maxes));
	for (size_t i = 0; i < s.nsites; i++) {
		maxes[i][0] = 0;
		maxes[i][1] = i;
		for (size_t d = 0; d < s.n; d++)
			if (s.sites[i].bytes[d] > maxes[i][0])
				maxes[i][0] = s.sites[i].bytes[d];
	}
	qsort(maxes, s.nsites, sizeof(*maxes), cmp_max);
	while (nshow < s.nsites && maxes[nshow][0] > 0 && (top == 0 || (long)nshow < top))
		nshow++;
	ymax = 0;
	for (size_t d = 0; d < s.n; d++)
		if ((double)total[d] > ymax)
			ymax = (double)total[d];
	ymax = nice_max(ymax);
	if (tmax <= 0)
		tmax = 0;
	else
		tmax = nice_max(tmax);

	tt_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		      SVG_W, SVG_H, SVG_W, SVG_H);
	tt_buf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, SVG_H);
	TT_BUF_LIT(&b, "<text id=\"title\" x=\"90\" y=\"28\" font-size=\"15\">"
		   "tether: memory in use over time, ");
	tt_buf_markup_str(&b, first->argv && first->argv[0] ? first->argv[0] : first->exe);
	if (s.several_pids)
		tt_buf_printf(&b, " (several processes), %zu dumps</text>\n", s.n);
	else
		tt_buf_printf(&b, " (pid %u), %zu dumps</text>\n", first->proc.pid, s.n);
	/* Axes, grid and tick labels. */
	tt_buf_printf(&b, "<g id=\"axes\" stroke=\"#000\">\n"
		      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n"
		      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n</g>\n",
		      PLOT_L, PLOT_B, PLOT_R, PLOT_B, PLOT_L, PLOT_T, PLOT_L, PLOT_B);
	TT_BUF_LIT(&b, "<g id=\"y-ticks\">\n");
	for (int i = 0; i <= 5; i++) {
		double v = ymax * i / 5, y = PLOT_B - (PLOT_B - PLOT_T) * i / 5.0;

		human_bytes(num, sizeof(num), v);
		tt_buf_printf(&b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			      "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			      PLOT_L, y, PLOT_R, y, PLOT_L - 6, y + 4, num);
	}
	TT_BUF_LIT(&b, "</g>\n<g id=\"x-ticks\">\n");
	for (int i = 0; i <= 5; i++) {
		double x = PLOT_L + (PLOT_R - PLOT_L) * i / 5.0;

		tt_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>"
			      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g s</text>\n",
			      x, PLOT_B, x, PLOT_B + 5, x, PLOT_B + 20, tmax * i / 5);
	}
	tt_buf_printf(&b, "</g>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since "
		      "the process started</text>\n", (PLOT_L + PLOT_R) / 2, PLOT_B + 42);
	tt_buf_printf(&b, "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" "
		      "transform=\"rotate(-90 20 %d)\">bytes in use</text>\n",
		      (PLOT_T + PLOT_B) / 2, (PLOT_T + PLOT_B) / 2);
	/* The lines: the sites first, the total on top. */
	for (size_t k = nshow; k-- > 0;) {
		const struct tt_series_site *site = &s.sites[maxes[k][1]];
		char *name = site_label(site->proc, site->stack);
		char id[48];	/* "series-site-" and a size_t */

		snprintf(id, sizeof(id), "series-site-%zu", k + 1);
		line(&b, id, name, palette[1 + k % 10], site->bytes, t, s.n, tmax, ymax);
		free(name);
	}
	line(&b, "series-total", "total", palette[0], total, t, s.n, tmax, ymax);
	/* The legend. */
	tt_buf_printf(&b, "<g id=\"legend\">\n<text x=\"%d\" y=\"%d\" font-weight=\"bold\">"
		      "in use at the last dump</text>\n", PLOT_R + 20, PLOT_T);
	for (size_t k = 0; k <= nshow; k++) {
		const struct tt_series_site *site = k ? &s.sites[maxes[k - 1][1]] : NULL;
		char *name = site ? site_label(site->proc, site->stack)
				  : tt_xstrdup("total");
		int y = PLOT_T + 22 + 20 * (int)k;

		tt_buf_printf(&b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
			      "<text x=\"%d\" y=\"%d\">", PLOT_R + 20, y - 5,
			      k ? palette[1 + (k - 1) % 10] : palette[0], PLOT_R + 40, y);
		tt_buf_markup_str(&b, name);
		human_bytes(num, sizeof(num), (double)(site ? site->bytes[s.n - 1] : total[s.n - 1]));
		tt_buf_printf(&b, ": %s</text>\n", num);
		free(name);
	}
	TT_BUF_LIT(&b, "</g>\n</svg>\n");
	rc = tt_write_file(output, b.s, b.len);
	if (rc != 0) {
		tt_err("cannot write %s: %s", output, strerror(-rc));
		rc = TT_EXIT_DATA;
	}
	tt_buf_free(&b);
	free(maxes);
	free(total);
	free(t);
	tt_series_free(&s);
	return rc;
}
