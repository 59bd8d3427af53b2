/*
 * report_flame.c - `tether report --format flamegraph`: one self-contained
 * HTML page (no network, no external script) with a flame graph of the
 * dumps: in-use bytes or blocks, bytes or blocks allocated over the run,
 * or, for a dump with a reachability scan, lost bytes under one root frame
 * per kind.  The call tree is built here and embedded as JSON; the page's
 * own script draws it as SVG, zooms on a click and highlights a search.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"
#include "tools/verdict.h"

struct fnode {
	char *name;		/* frame label: function, or module+offset */
	char *where;		/* file:line or module, "" when unknown */
	uint64_t v;
	struct fnode *kids;
	size_t nkids, cap;
};

static struct fnode *
child(struct fnode *n, const char *name, const char *where)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i].name, name) == 0)
			return &n->kids[i];
	if (n->nkids == n->cap) {
		n->cap = n->cap ? 2 * n->cap : 4;
		n->kids = tt_xrealloc(n->kids, n->cap * sizeof(*n->kids));
	}
	memset(&n->kids[n->nkids], 0, sizeof(*n->kids));
	n->kids[n->nkids].name = tt_xstrdup(name);
	n->kids[n->nkids].where = tt_xstrdup(where);
	return &n->kids[n->nkids++];
}

static void
free_node(struct fnode *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		free_node(&n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->where);
}

/* Add v to the path root -> frames of s, outermost first -> the
 * allocation function. */
static void
add_stack(struct fnode *root, struct tt_proc_model *p, const struct tt_dump_stack *s,
	  uint64_t v)
{
	size_t n;
	struct tt_frame *f;
	struct fnode *at = root;

	if (v == 0)
		return;
	f = tt_model_frames(p, s, &n);
	at->v += v;
	for (size_t i = n; i-- > 0;) {
		char name[512], where[1024];

		if (f[i].function != NULL)
			snprintf(name, sizeof(name), "%s", f[i].function);
		else if (f[i].module != NULL)
			snprintf(name, sizeof(name), "%s+0x%llx", tt_basename(f[i].module),
				 (unsigned long long)f[i].offset);
		else
			snprintf(name, sizeof(name), "0x%llx", (unsigned long long)f[i].pc);
		if (f[i].file != NULL && f[i].line > 0)
			snprintf(where, sizeof(where), "%s:%d%s", tt_basename(f[i].file),
				 f[i].line, f[i].inlined ? " [inlined]" : "");
		else
			snprintf(where, sizeof(where), "%s", f[i].module ? f[i].module : "");
		at = child(at, name, where);
		at->v += v;
	}
	at = child(at, tt_dump_alloc_fn_name(s->rec.alloc_fn), "");
	at->v += v;
	free(f);
}

static int
cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct fnode *)a)->name, ((const struct fnode *)b)->name);
}

/* {"n": name, "w": where, "v": value, "c": [children]}, children by name. */
static void
json_node(struct tt_buf *b, struct fnode *n)
{
	tt_buf_add(b, "{\"n\":", 5);
	tt_buf_json_str(b, n->name);
	tt_buf_add(b, ",\"w\":", 5);
	tt_buf_json_str(b, n->where);
	tt_buf_printf(b, ",\"v\":%llu,\"c\":[", (unsigned long long)n->v);
	if (n->nkids > 1)	/* a leaf has no array at all */
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_node);
	for (size_t i = 0; i < n->nkids; i++) {
		if (i)
			tt_buf_add(b, ",", 1);
		json_node(b, &n->kids[i]);
	}
	tt_buf_add(b, "]}", 2);
}

/* The page's script and style: written for tether, no library. */
static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"generator\" content=\"tether report --format flamegraph\">\n"
	"<title>";
static const char page_style[] =
	"</title>\n<style>\n"
	"body { font: 13px sans-serif; margin: 12px; color: #222; }\n"
	"h1 { font-size: 16px; margin: 0 0 4px; }\n"
	"#bar { margin: 8px 0; display: flex; gap: 12px; align-items: center; }\n"
	"#search { width: 260px; }\n"
	"#details { min-height: 1.4em; font-family: monospace; }\n"
	"svg { display: block; }\n"
	"svg .frame { cursor: pointer; }\n"
	"svg .frame text { font: 11px monospace; pointer-events: none; fill: #000; }\n"
	"svg .frame rect { stroke: #fff; stroke-width: 0.5; }\n"
	"svg .frame.ancestor rect { opacity: 0.55; }\n"
	"svg .frame.match rect { fill: #c64dff !important; }\n"
	"svg .frame:hover rect { stroke: #000; }\n"
	"</style>\n</head>\n<body>\n<h1 id=\"title\">";
static const char page_body[] =
	"</h1>\n<div id=\"bar\">\n"
	"<button id=\"reset\" type=\"button\">Reset zoom</button>\n"
	"<label>Search <input id=\"search\" type=\"search\" "
	"placeholder=\"function name (substring)\"></label>\n"
	"<span id=\"matched\"></span>\n</div>\n"
	"<div id=\"details\"></div>\n"
	"<svg id=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"100\"></svg>\n"
	"<script type=\"application/json\" id=\"data\">";
static const char page_script[] =
	"</script>\n<script>\n"
	"\"use strict\";\n"
	"(function () {\n"
	"const W = 1200, H = 17;\n"
	"const data = JSON.parse(document.getElementById(\"data\").textContent);\n"
	"const svg = document.getElementById(\"flame\");\n"
	"const NS = \"http://www.w3.org/2000/svg\";\n"
	"let depth = 0, zoomed = data.root, term = \"\";\n"
	"/* Parents and paths (child indexes from the root, joined by '.'). */\n"
	"(function walk(n, parent, path, d) {\n"
	"  n.parent = parent; n.path = path; n.depth = d;\n"
	"  if (d > depth) depth = d;\n"
	"  n.c.forEach(function (k, i) { walk(k, n, path === \"\" ? String(i) : path + \".\" + i, d + 1); });\n"
	"})(data.root, null, \"\", 0);\n"
	"function fmt(v) { return v.toLocaleString(\"en-US\"); }\n"
	"function share(v) { return data.root.v ? (100 * v / data.root.v).toFixed(2) + \"%\" : \"0%\"; }\n"
	"function colour(name) {\n"
	"  let h = 0;\n"
	"  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;\n"
	"  return \"hsl(\" + (10 + h % 45) + \",\" + (70 + (h >> 8) % 25) + \"%,\" + (55 + (h >> 16) % 15) + \"%)\";\n"
	"}\n"
	"function matches(n) { return term !== \"\" && n.n.toLowerCase().indexOf(term) >= 0; }\n"
	"function frame(n, x, w, cls) {\n"
	"  const g = document.createElementNS(NS, \"g\");\n"
	"  g.setAttribute(\"class\", \"frame\" + (cls ? \" \" + cls : \"\") + (matches(n) ? \" match\" : \"\"));\n"
	"  g.setAttribute(\"data-name\", n.n);\n"
	"  g.setAttribute(\"data-value\", n.v);\n"
	"  g.setAttribute(\"data-path\", n.path);\n"
	"  const y = (depth - n.depth) * H;\n"
	"  const t = document.createElementNS(NS, \"title\");\n"
	"  t.textContent = n.n + (n.w ? \" (\" + n.w + \")\" : \"\") + \": \" + fmt(n.v) + \" \" + data.unit + \", \" + share(n.v);\n"
	"  const r = document.createElementNS(NS, \"rect\");\n"
	"  r.setAttribute(\"x\", x); r.setAttribute(\"y\", y);\n"
	"  r.setAttribute(\"width\", w); r.setAttribute(\"height\", H - 1);\n"
	"  r.setAttribute(\"fill\", n === data.root ? \"#b0b0b0\" : colour(n.n));\n"
	"  g.appendChild(t); g.appendChild(r);\n"
	"  const chars = Math.floor((w - 6) / 7);\n"
	"  if (chars >= 3) {\n"
	"    const s = document.createElementNS(NS, \"text\");\n"
	"    s.setAttribute(\"x\", x + 3); s.setAttribute(\"y\", y + H - 5);\n"
	"    s.textContent = n.n.length <= chars ? n.n : n.n.slice(0, chars - 2) + \"..\";\n"
	"    g.appendChild(s);\n"
	"  }\n"
	"  g.addEventListener(\"click\", function () { zoom(n); });\n"
	"  g.addEventListener(\"mouseover\", function () { document.getElementById(\"details\").textContent = t.textContent; });\n"
	"  svg.appendChild(g);\n"
	"}\n"
	"function subtree(n, x, scale) {\n"
	"  const w = n.v * scale;\n"
	"  if (w < 0.1) return;\n"
	"  frame(n, x, w, n === zoomed ? \"zoomed\" : \"\");\n"
	"  let cx = x;\n"
	"  n.c.forEach(function (k) { subtree(k, cx, scale); cx += k.v * scale; });\n"
	"}\n"
	"function render() {\n"
	"  while (svg.firstChild) svg.removeChild(svg.firstChild);\n"
	"  svg.setAttribute(\"height\", (depth + 1) * H);\n"
	"  for (let a = zoomed.parent; a; a = a.parent) frame(a, 0, W, \"ancestor\");\n"
	"  if (zoomed.v > 0) subtree(zoomed, 0, W / zoomed.v);\n"
	"}\n"
	"/* The share of the whole graph in frames that match, each counted once:\n"
	"   a match inside a matching frame is already counted. */\n"
	"function matched(n) {\n"
	"  if (matches(n)) return n.v;\n"
	"  let s = 0;\n"
	"  n.c.forEach(function (k) { s += matched(k); });\n"
	"  return s;\n"
	"}\n"
	"function fragment() {\n"
	"  const p = [];\n"
	"  if (zoomed !== data.root) p.push(\"zoom=\" + zoomed.path);\n"
	"  if (term !== \"\") p.push(\"search=\" + encodeURIComponent(term));\n"
	"  history.replaceState(null, \"\", p.length ? \"#\" + p.join(\"&\") : location.pathname);\n"
	"}\n"
	"function zoom(n) { zoomed = n; render(); fragment(); }\n"
	"function search(s) {\n"
	"  term = s.toLowerCase();\n"
	"  const m = document.getElementById(\"matched\");\n"
	"  if (term === \"\") { m.textContent = \"\"; }\n"
	"  else { const v = matched(data.root);\n"
	"    m.textContent = \"matched: \" + share(v) + \" (\" + fmt(v) + \" of \" + fmt(data.root.v) + \" \" + data.unit + \")\"; }\n"
	"  render(); fragment();\n"
	"}\n"
	"document.getElementById(\"reset\").addEventListener(\"click\", function () { zoom(data.root); });\n"
	"document.getElementById(\"search\").addEventListener(\"input\", function (e) { search(e.target.value); });\n"
	"/* #zoom=PATH&search=TEXT: a view to share. */\n"
	"location.hash.replace(/^#/, \"\").split(\"&\").forEach(function (kv) {\n"
	"  const i = kv.indexOf(\"=\"), k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));\n"
	"  if (k === \"zoom\") {\n"
	"    let n = data.root;\n"
	"    v.split(\".\").forEach(function (j) { if (n && n.c[+j]) n = n.c[+j]; });\n"
	"    zoomed = n;\n"
	"  } else if (k === \"search\") {\n"
	"    document.getElementById(\"search\").value = v;\n"
	"    term = v.toLowerCase();\n"
	"  }\n"
	"});\n"
	"search(document.getElementById(\"search\").value);\n"
	"document.body.setAttribute(\"data-ready\", \"1\");\n"
	"})();\n"
	"</script>\n</body>\n</html>\n";

int
tt_report_flamegraph(struct tt_model *m, const struct tt_report_opts *o, struct tt_buf *out)
{
	struct fnode root = { .name = tt_xstrdup("all"), .where = tt_xstrdup("") };
	const char *sample = o->sample ? o->sample : "inuse_space";
	bool leaks = strcmp(sample, "leaks") == 0;
	const char *unit = strstr(sample, "objects") ? "blocks" : "bytes";
	struct tt_buf json = { 0 }, title = { 0 };

	for (size_t i = 0; i < m->nprocs; i++) {
		struct tt_proc_model *p = &m->procs[i];
		struct fnode *top = &root;

		if (m->nprocs > 1) {
			char name[512];

			snprintf(name, sizeof(name), "%s (pid %u)", tt_basename(p->dump->exe),
				 p->dump->proc.pid);
			top = child(&root, name, p->dump->exe);
		}
		if (leaks) {
			struct tt_verdict v;
			struct tt_report_opts ro = { .top = 0 };
			struct tt_verdict_opts vo = { .fail_on = TT_FAIL_DEFAULT, .ro = &ro };
			uint64_t before = top->v;

			if (!p->dump->has_scan)
				continue;	/* tether report refuses it first */
			tt_verdict_make(&v, p, &vo);
			for (size_t k = 0; k < v.nsites; k++) {
				const struct tt_leak_site *s = &v.sites[k];

				if (s->kind == TT_LEAK_REACHABLE || s->supp != NULL || s->bytes == 0)
					continue;
				top->v += s->bytes;
				add_stack(child(top, tt_leak_kind_name(s->kind), ""), p, s->stack,
					  s->bytes);
			}
			if (top != &root)
				root.v += top->v - before;
			tt_verdict_free(&v);
			continue;
		}
		for (size_t k = 0; k < p->nsites; k++) {
			const struct tt_site *s = &p->sites[k];
			uint64_t v = !strcmp(sample, "inuse_space") ? s->live_bytes :
				     !strcmp(sample, "inuse_objects") ? s->live_blocks :
				     !strcmp(sample, "alloc_space") ? s->stack->rec.alloc_bytes :
				     s->stack->rec.alloc_blocks;
			uint64_t before = top->v;

			add_stack(top, p, s->stack, v);
			if (top != &root)
				root.v += top->v - before;
		}
	}
	const char *what = leaks ? "bytes lost" :
			   !strcmp(sample, "inuse_space") ? "bytes in use" :
			   !strcmp(sample, "inuse_objects") ? "blocks in use" :
			   !strcmp(sample, "alloc_space") ? "bytes allocated" : "blocks allocated";

	if (m->nprocs == 1) {
		const struct tt_dump *d = m->procs[0].dump;

		tt_buf_printf(&title, "tether: %s, %s (pid %u), dump #%u at %s",
			      what, d->argv && d->argv[0] ? d->argv[0] : d->exe,
			      d->proc.pid, d->proc.seq, tt_dump_trigger_name(d->proc.trigger));
	} else {
		tt_buf_printf(&title, "tether: %s, %zu processes", what, m->nprocs);
	}
	tt_buf_add(&title, "", 1);
	tt_buf_add(&json, "{\"title\":", 9);
	tt_buf_json_str(&json, title.s);
	tt_buf_printf(&json, ",\"sample\":\"%s\",\"unit\":\"%s\",\"root\":", sample, unit);
	json_node(&json, &root);
	tt_buf_add(&json, "}", 1);
	tt_buf_add(out, page_head, sizeof(page_head) - 1);
	tt_buf_markup_str(out, title.s);
	tt_buf_add(out, page_style, sizeof(page_style) - 1);
	tt_buf_markup_str(out, title.s);
	tt_buf_add(out, page_body, sizeof(page_body) - 1);
	/* In a script element only "</" could end it early: '<' occurs in
	 * JSON strings only (C++ names), where \u003c means the same. */
	for (size_t i = 0; i < json.len; i++) {
		if (json.s[i] == '<')
			TT_BUF_LIT(out, "\\u003c");
		else
			tt_buf_add(out, &json.s[i], 1);
	}
	tt_buf_add(out, page_script, sizeof(page_script) - 1);
	tt_buf_free(&json);
	tt_buf_free(&title);
	free_node(&root);
	return 0;
}
