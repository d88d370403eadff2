/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table `ward scan` prints for people: one group per vulnerable
 * package (most severe first), one row per finding, and under each group
 * the upgrade that removes its findings. Strings from the image or the
 * feed are printed with control bytes replaced, so a hostile package name
 * cannot move the cursor or recolour the terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <ward/scan.h>

#define COL_MAX 48 /* a longer cell is cut with "..." */

static const char *const sev_color[] = {
	[WARD_SEV_UNKNOWN] = "",
	[WARD_SEV_LOW] = "\033[36m",
	[WARD_SEV_MEDIUM] = "\033[33m",
	[WARD_SEV_HIGH] = "\033[31m",
	[WARD_SEV_CRITICAL] = "\033[1;31m",
};

/* s with control bytes as '?' into buf, cut with "..." to size - 1 bytes. */
static const char *
cell(const char *s, char *buf, size_t size)
{
	size_t n = 0, l, max = size - 1;

	if (!s)
		s = "-";
	l = strlen(s);
	for (size_t i = 0; i < l && n < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (l > max && n == max - 3) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[n] = '\0';
	return buf;
}

#define MAXZ(a, b) ((a) > (b) ? (a) : (b))

static enum ward_version_scheme
scheme_of(enum ward_pkg_type t)
{
	switch (t) {
	case WARD_PKG_APK:
		return WARD_VERSION_APK;
	case WARD_PKG_RPM:
		return WARD_VERSION_RPM;
	case WARD_PKG_NPM:
		return WARD_VERSION_SEMVER;
	case WARD_PKG_PYPI:
		return WARD_VERSION_PEP440;
	case WARD_PKG_GO:
		return WARD_VERSION_GO;
	default:
		return WARD_VERSION_DPKG;
	}
}

struct group {
	size_t pkg;
	enum ward_severity worst;
	size_t *idx; /* findings of the package, shown ones only */
	size_t n;
};

static int
cmp_group(const void *a, const void *b, void *ctx)
{
	const struct group *x = a, *y = b;
	const struct ward_inventory *inv = ctx;
	int c;

	if (x->worst != y->worst)
		return x->worst > y->worst ? -1 : 1;
	c = strcmp(inv->pkgs[x->pkg].name, inv->pkgs[y->pkg].name);
	return c ? c : (x->pkg < y->pkg ? -1 : x->pkg > y->pkg);
}

static int
cmp_finding(const void *a, const void *b, void *ctx)
{
	const struct ward_scan_report *r = ctx;
	const struct ward_vuln_finding *x = &r->findings[*(const size_t *)a];
	const struct ward_vuln_finding *y = &r->findings[*(const size_t *)b];

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The patch guidance of one group: the highest fixed version among its
 * findings (in the package's own version order) removes every finding
 * that has a fix. */
static void
guidance(FILE *out, const struct ward_scan_report *r, const struct group *g)
{
	const struct ward_package *p = &r->inv->pkgs[g->pkg];
	enum ward_version_scheme sch = scheme_of(p->type);
	const char *best = NULL;
	size_t fixed = 0;
	char b1[COL_MAX + 1], b2[COL_MAX + 1];

	for (size_t i = 0; i < g->n; i++) {
		const char *fv = r->findings[g->idx[i]].fixed_version;
		int c;
		if (!fv)
			continue;
		fixed++;
		if (!best || (ward_version_compare(sch, fv, best, &c, NULL) == 0 && c > 0))
			best = fv;
	}
	if (fixed)
		fprintf(out, "  -> upgrade %s to %s removes %zu finding%s%s\n",
			cell(p->name, b1, sizeof(b1)), cell(best, b2, sizeof(b2)), fixed,
			fixed == 1 ? "" : "s", fixed < g->n ? "" : " (all)");
	if (fixed < g->n)
		fprintf(out, "  -> %zu finding%s in %s %s no fixed version yet\n", g->n - fixed,
			g->n - fixed == 1 ? "" : "s", cell(p->name, b1, sizeof(b1)),
			g->n - fixed == 1 ? "has" : "have");
}

static void
header(FILE *out, const struct ward_scan_report *r, const size_t *counts, size_t shown,
       size_t suppressed)
{
	const struct ward_inventory *inv = r->inv;
	char b1[256], b2[COL_MAX + 1], b3[128];

	if (r->image_ref && r->image_digest)
		fprintf(out, "%s (%s)", cell(r->image_ref, b1, sizeof(b1)),
			cell(r->image_digest, b3, sizeof(b3)));
	else
		fprintf(out, "%s", cell(inv && inv->source ? inv->source : "scan", b1, sizeof(b1)));
	if (inv && (inv->os.pretty_name || inv->os.id))
		fprintf(out, " (%s)",
			cell(inv->os.pretty_name ? inv->os.pretty_name : inv->os.id, b2,
			     sizeof(b2)));
	fprintf(out, ": %zu package%s, %zu finding%s", inv ? inv->n_pkgs : 0,
		inv && inv->n_pkgs == 1 ? "" : "s", shown, shown == 1 ? "" : "s");
	if (shown) {
		const char *sep = " (";
		for (int s = WARD_SEV_CRITICAL; s >= WARD_SEV_UNKNOWN; s--) {
			if (!counts[s])
				continue;
			fprintf(out, "%s%s: %zu", sep, ward_severity_name((enum ward_severity)s),
				counts[s]);
			sep = ", ";
		}
		fputc(')', out);
	}
	if (suppressed)
		fprintf(out, ", %zu suppressed", suppressed);
	fputc('\n', out);
}

int
ward_scan_report_table(const struct ward_scan_report *r, FILE *out, bool color,
		       struct ward_error **err)
{
	size_t n_pkgs = r->inv ? r->inv->n_pkgs : 0, n_groups = 0, shown = 0, suppressed = 0;
	size_t counts[WARD_SEV_CRITICAL + 1] = {0};
	size_t w_pkg = 7, w_ver = 9, w_id = 13, w_sev = 8;
	_cleanup_free_ struct group *groups = NULL;
	_cleanup_free_ size_t *gof = NULL, *idx = NULL;
	char b1[COL_MAX + 1], b2[COL_MAX + 1], b3[COL_MAX + 1], b4[COL_MAX + 1];

	groups = calloc(n_pkgs + 1, sizeof(*groups));
	gof = malloc((n_pkgs + 1) * sizeof(*gof));
	idx = malloc((r->n_findings + 1) * sizeof(*idx));
	if (!groups || !gof || !idx)
		return ward_error_set(err, ENOMEM, "table");
	for (size_t p = 0; p < n_pkgs; p++)
		gof[p] = SIZE_MAX;
	/* Count per package, then hand out slices of idx (a counting sort). */
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct ward_vuln_finding *f = &r->findings[i];
		if (f->pkg >= n_pkgs || !f->id)
			continue;
		if (f->suppressed) {
			suppressed++;
			continue;
		}
		if (gof[f->pkg] == SIZE_MAX) {
			gof[f->pkg] = n_groups;
			groups[n_groups++] = (struct group){.pkg = f->pkg, .worst = f->severity};
		}
		struct group *g = &groups[gof[f->pkg]];
		g->n++;
		if (f->severity > g->worst)
			g->worst = f->severity;
		counts[f->severity <= WARD_SEV_CRITICAL ? f->severity : 0]++;
		shown++;
	}
	for (size_t k = 0, off = 0; k < n_groups; k++) {
		groups[k].idx = idx + off;
		off += groups[k].n;
		groups[k].n = 0;
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct ward_vuln_finding *f = &r->findings[i];
		if (f->pkg >= n_pkgs || !f->id || f->suppressed)
			continue;
		struct group *g = &groups[gof[f->pkg]];
		g->idx[g->n++] = i;
	}
	for (size_t k = 0; k < n_groups; k++) {
		const struct ward_package *p = &r->inv->pkgs[groups[k].pkg];
		qsort_r(groups[k].idx, groups[k].n, sizeof(size_t), cmp_finding, (void *)r);
		w_pkg = MAXZ(w_pkg, strlen(cell(p->name, b1, sizeof(b1))));
		w_ver = MAXZ(w_ver, strlen(cell(p->version, b1, sizeof(b1))));
		for (size_t i = 0; i < groups[k].n; i++)
			w_id = MAXZ(w_id,
				    strlen(cell(r->findings[groups[k].idx[i]].id, b1, sizeof(b1))));
	}
	qsort_r(groups, n_groups, sizeof(*groups), cmp_group, r->inv);

	header(out, r, counts, shown, suppressed);
	if (n_groups) {
		fprintf(out, "\n%-*s  %-*s  %-*s  %-*s  %s\n", (int)w_pkg, "PACKAGE", (int)w_ver,
			"INSTALLED", (int)w_id, "VULNERABILITY", (int)w_sev, "SEVERITY",
			"FIXED IN");
	}
	for (size_t k = 0; k < n_groups; k++) {
		const struct group *g = &groups[k];
		const struct ward_package *p = &r->inv->pkgs[g->pkg];
		for (size_t i = 0; i < g->n; i++) {
			const struct ward_vuln_finding *f = &r->findings[g->idx[i]];
			const char *sev = ward_severity_name(f->severity);
			bool c = color && f->severity <= WARD_SEV_CRITICAL &&
				 *sev_color[f->severity];
			fprintf(out, "%-*s  %-*s  %-*s  %s%-*s%s  %s\n", (int)w_pkg,
				i ? "" : cell(p->name, b1, sizeof(b1)), (int)w_ver,
				i ? "" : cell(p->version, b2, sizeof(b2)), (int)w_id,
				cell(f->id, b3, sizeof(b3)), c ? sev_color[f->severity] : "",
				(int)w_sev, sev, c ? "\033[0m" : "",
				f->fixed_version ? cell(f->fixed_version, b4, sizeof(b4)) : "-");
		}
		guidance(out, r, g);
	}
	if (suppressed) {
		fprintf(out, "\nsuppressed:\n");
		for (size_t i = 0; i < r->n_findings; i++) {
			const struct ward_vuln_finding *f = &r->findings[i];
			char b5[512];
			if (!f->suppressed || f->pkg >= n_pkgs || !f->id)
				continue;
			fprintf(out, "  %s in %s: %s\n", cell(f->id, b1, sizeof(b1)),
				cell(r->inv->pkgs[f->pkg].name, b2, sizeof(b2)),
				cell(f->suppressed_by ? f->suppressed_by : "suppressed", b5,
				     sizeof(b5)));
		}
	}
	if (fflush(out) == EOF || ferror(out))
		return ward_error_set(err, errno ? errno : EIO, "write the table");
	return 0;
}
