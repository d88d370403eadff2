/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Matching an inventory against the vulnerability database.
 *
 * Each package becomes a few lookups (ecosystem key, name, version): the
 * OS release decides the distribution's ecosystem strings exactly as OSV
 * writes them ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19"), so a
 * Debian:11 record never reaches a Debian 12 package. Debian and Ubuntu
 * records name source packages, so dpkg packages are looked up by their
 * source name and version. Each row found is evaluated by the OSV
 * specification's algorithm (docs/scan.md), and the records that alias
 * each other for one package become one finding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ward/scan.h>

#include "scan/osv.h"

#define MATCH_KEYS_MAX 6      /* ecosystem strings tried for one distribution */
#define MATCH_HITS_MAX 65536  /* rows considered for one package (Debian's linux: ~10,000) */
#define MATCH_IDS_MAX 1000000 /* ids and aliases of one package's rows used for merging */

static const char *const severity_names[] = {
	[WARD_SEV_UNKNOWN] = "UNKNOWN",	  [WARD_SEV_LOW] = "LOW",
	[WARD_SEV_MEDIUM] = "MEDIUM",	  [WARD_SEV_HIGH] = "HIGH",
	[WARD_SEV_CRITICAL] = "CRITICAL",
};

const char *
ward_severity_name(enum ward_severity s)
{
	if ((unsigned)s >= WARD_ARRAY_SIZE(severity_names))
		return "UNKNOWN";
	return severity_names[s];
}

int
ward_severity_from_name(const char *name, enum ward_severity *ret, struct ward_error **err)
{
	for (size_t i = 0; name && i < WARD_ARRAY_SIZE(severity_names); i++) {
		if (strcasecmp(severity_names[i], name) == 0) {
			*ret = (enum ward_severity)i;
			return 0;
		}
	}
	return ward_error_setk(err, WARD_E_INVALID, 0,
			       "unknown severity '%.32s' (known: UNKNOWN LOW MEDIUM HIGH CRITICAL)",
			       name ? name : "");
}

void
scan_finding_clear(struct ward_vuln_finding *f)
{
	free(f->id);
	for (size_t i = 0; i < f->n_aliases; i++)
		free(f->aliases[i]);
	free(f->aliases);
	free(f->summary);
	free(f->cvss_vector);
	free(f->fixed_version);
	free(f->ecosystem);
	free(f->matched_name);
	free(f->suppressed_by);
	memset(f, 0, sizeof(*f));
}

void
ward_scan_report_free(struct ward_scan_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++)
		scan_finding_clear(&r->findings[i]);
	free(r->findings);
	ward_inventory_free(r->inv);
	free(r->image_digest);
	free(r->image_ref);
	free(r);
}

/* ---- evaluation of one affected row ------------------------------------- */

static int
vcmp(enum ward_version_scheme s, const char *a, const char *b)
{
	int r = 0;

	(void)ward_version_compare(s, a, b, &r, NULL);
	return r;
}

struct range_ev {
	char kind;
	const char *v;
};

/* One range (events sorted at import) by the OSV specification's
 * IncludedInRanges/BeforeLimits. *fixed: the lowest fixed event above
 * `v`, when the range affects it. */
static bool
range_affects(enum ward_version_scheme s, const char *v, const struct range_ev *ev, size_t n,
	      const char **fixed)
{
	bool limited = false, below = false, vuln = false;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != OSV_EV_LIMIT)
			continue;
		limited = true;
		if (strcmp(ev[i].v, "*") == 0 || vcmp(s, v, ev[i].v) < 0)
			below = true;
	}
	if (limited && !below)
		return false;
	for (size_t i = 0; i < n; i++) {
		switch (ev[i].kind) {
		case OSV_EV_INTRODUCED:
			if (strcmp(ev[i].v, "0") == 0 || vcmp(s, v, ev[i].v) >= 0)
				vuln = true;
			break;
		case OSV_EV_FIXED:
			if (vcmp(s, v, ev[i].v) >= 0)
				vuln = false;
			break;
		case OSV_EV_LAST_AFFECTED:
			if (vcmp(s, v, ev[i].v) > 0)
				vuln = false;
			break;
		default:
			break;
		}
	}
	if (!vuln)
		return false;
	*fixed = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == OSV_EV_FIXED && vcmp(s, v, ev[i].v) < 0) {
			*fixed = ev[i].v;
			break;
		}
	}
	return true;
}

/*
 * Does the stored `ranges` text (osv_ranges_encode) of an entry of
 * ecosystem scheme `eco_scheme` affect `installed`? *ret_fixed: the lowest
 * fixed version above it among the affecting ranges (NULL: none), a copy.
 * -ENOMEM only.
 */
static int
evaluate(const char *ranges, enum ward_version_scheme eco_scheme, const char *installed,
	 bool *ret_affected, char **ret_fixed)
{
	_cleanup_free_ char *text = strdup(ranges);
	_cleanup_free_ struct range_ev *ev = NULL;
	const char *best = NULL;
	enum ward_version_scheme rs = eco_scheme;
	bool affected = false, in_range = false;
	size_t n = 0, cap = 0;
	char *line, *save = NULL;

	if (!text)
		return -ENOMEM;
	for (line = strtok_r(text, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		bool end = !line || ((line[0] == 'R' || line[0] == 'v') && line[1] == ':');

		if (end && in_range && n) {
			const char *v = osv_version_for(rs, installed), *fx = NULL;
			if (ward_version_valid(rs, v) && range_affects(rs, v, ev, n, &fx)) {
				affected = true;
				if (fx && (!best || vcmp(rs, fx, best) < 0))
					best = fx;
			}
		}
		if (!line)
			break;
		if (line[0] == 'R' && line[1] == ':') {
			in_range = true;
			n = 0;
			rs = line[2] == 'S' ? WARD_VERSION_SEMVER : eco_scheme;
			continue;
		}
		if (line[0] == 'v' && line[1] == ':') {
			/* The spec's IncludedInVersions: exact string equality; an
			 * order's equality ("1.0" == "1.0.0" in PEP 440) as well. */
			const char *x = line + 2;
			in_range = false;
			if (strcmp(x, installed) == 0 ||
			    (ward_version_valid(eco_scheme, installed) &&
			     ward_version_valid(eco_scheme, x) &&
			     vcmp(eco_scheme, x, installed) == 0))
				affected = true;
			continue;
		}
		if (!in_range || !line[0] || line[1] != ':')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct range_ev *ne = realloc(ev, nc * sizeof(*ev));
			if (!ne)
				return -ENOMEM;
			ev = ne;
			cap = nc;
		}
		ev[n++] = (struct range_ev){line[0], line + 2};
	}
	*ret_affected = affected;
	*ret_fixed = NULL;
	if (affected && best && !(*ret_fixed = strdup(best)))
		return -ENOMEM;
	return 0;
}

/* ---- hits and merging ---------------------------------------------------- */

struct hit {
	char **ids; /* ids[0] the record's id, then its aliases */
	size_t n_ids;
	char *summary, *vector, *fixed, *ecosystem;
	const char *matched_name;
	enum ward_severity severity;
	enum ward_version_scheme scheme;
	double cvss;
	size_t parent, root;
};

static void
hit_clear(struct hit *h)
{
	for (size_t i = 0; i < h->n_ids; i++)
		free(h->ids[i]);
	free(h->ids);
	free(h->summary);
	free(h->vector);
	free(h->fixed);
	free(h->ecosystem);
}

static size_t
uf_find(struct hit *h, size_t i)
{
	while (h[i].parent != i) {
		h[i].parent = h[h[i].parent].parent;
		i = h[i].parent;
	}
	return i;
}

struct idref {
	const char *id;
	size_t hit;
};

static int
idref_cmp(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->hit > y->hit) - (x->hit < y->hit);
}

static int
col_dup(sqlite3_stmt *st, int i, char **ret)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	*ret = NULL;
	if (!t)
		return 0;
	*ret = strdup((const char *)t);
	return *ret ? 0 : -ENOMEM;
}

struct query {
	const char *key, *name, *version;
};

struct matcher {
	struct ward_vulndb *db;
	sqlite3_stmt *st;
	struct hit *hits;
	size_t n_hits, cap_hits, n_ids; /* n_ids: over all hits of the package */
	struct ward_scan_report *rep;
	size_t cap_findings;
};

static int
add_hit(struct matcher *m, sqlite3_stmt *st, const struct query *q, struct ward_error **err)
{
	struct ward_ecosystem eco;
	const char *ranges = (const char *)sqlite3_column_text(st, 4);
	const char *aliases = (const char *)sqlite3_column_text(st, 1);
	const char *ecosystem = (const char *)sqlite3_column_text(st, 3);
	struct hit h = {0};
	bool affected = false;
	char *fixed = NULL;

	if (!ranges || !ecosystem || ward_ecosystem_lookup(ecosystem, &eco, NULL, NULL) < 0)
		return 0; /* not written by this ward's importer */
	if (evaluate(ranges, eco.scheme, q->version, &affected, &fixed) < 0)
		return ward_error_set(err, ENOMEM, "match");
	if (!affected)
		return 0;
	if (m->n_hits >= MATCH_HITS_MAX) {
		free(fixed);
		return 0;
	}
	h.fixed = fixed;
	h.scheme = eco.scheme;
	h.matched_name = q->name;
	h.severity = (enum ward_severity)sqlite3_column_int(st, 5);
	if ((unsigned)h.severity > WARD_SEV_CRITICAL)
		h.severity = WARD_SEV_UNKNOWN;
	h.cvss = sqlite3_column_double(st, 6);
	h.n_ids = 1;
	for (const char *p = aliases; p && *p; p++)
		h.n_ids += *p == '\n';
	h.n_ids += aliases && *aliases;
	/* Past the bound a row keeps only its own id: a hostile feed cannot
	 * make merging quadratic or its memory unbounded. */
	if (m->n_ids + h.n_ids > MATCH_IDS_MAX)
		h.n_ids = 1;
	m->n_ids += h.n_ids;
	h.ids = calloc(h.n_ids, sizeof(char *));
	if (!h.ids || col_dup(st, 0, &h.ids[0]) < 0 || !h.ids[0])
		goto oom;
	if (aliases && *aliases) {
		const char *p = aliases;
		for (size_t i = 1; i < h.n_ids; i++) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (!(h.ids[i] = strndup(p, len)))
				goto oom;
			p = nl ? nl + 1 : p + len;
		}
	}
	if (col_dup(st, 2, &h.summary) < 0 || col_dup(st, 7, &h.vector) < 0 ||
	    !(h.ecosystem = strdup(ecosystem)))
		goto oom;
	if (m->n_hits == m->cap_hits) {
		size_t nc = m->cap_hits ? m->cap_hits * 2 : 16;
		struct hit *nh = realloc(m->hits, nc * sizeof(*nh));
		if (!nh)
			goto oom;
		m->hits = nh;
		m->cap_hits = nc;
	}
	h.parent = m->n_hits;
	m->hits[m->n_hits++] = h;
	return 0;
oom:
	hit_clear(&h);
	return ward_error_set(err, ENOMEM, "match");
}

static bool
is_cve(const char *id)
{
	return strncmp(id, "CVE-", 4) == 0;
}

/* The finding's id: a CVE id when the group has one (what people search
 * for), else the smallest record id; both smallest by strcmp, so the
 * result does not depend on row order. */
static const char *
pick_id(const struct hit *h, const size_t *g, size_t n)
{
	const char *cve = NULL, *prim = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct hit *x = &h[g[i]];
		for (size_t k = 0; k < x->n_ids; k++) {
			const char *id = x->ids[k];
			if (is_cve(id) && (!cve || strcmp(id, cve) < 0))
				cve = id;
			if (k == 0 && (!prim || strcmp(id, prim) < 0))
				prim = id;
		}
	}
	return cve ? cve : prim;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One finding from the hits g[0..n) that alias each other. */
static int
emit_group(struct matcher *m, size_t pkg, const size_t *g, size_t n, struct ward_error **err)
{
	struct ward_vuln_finding f = {.pkg = pkg, .cvss_score = -1};
	const char *id = pick_id(m->hits, g, n);
	const struct hit *chosen = NULL, *fixed_from = NULL, *cv = NULL, *sum = NULL;
	_cleanup_free_ const char **all = NULL;
	size_t n_all = 0;

	for (size_t i = 0; i < n; i++) {
		const struct hit *h = &m->hits[g[i]];
		n_all += h->n_ids;
		/* The record named by the id gives summary and ecosystem;
		 * else (a CVE known only as an alias) the first of the group. */
		if (!chosen || (strcmp(h->ids[0], id) == 0 && strcmp(chosen->ids[0], id) != 0))
			chosen = h;
		if (!sum && h->summary)
			sum = h;
		if (h->severity > f.severity)
			f.severity = h->severity;
		if (h->cvss >= 0 && (!cv || h->cvss > cv->cvss))
			cv = h;
		/* The lowest fix above the installed version: the upgrade that
		 * removes every record of the group. */
		if (h->fixed && (!fixed_from || vcmp(h->scheme, h->fixed, fixed_from->fixed) < 0))
			fixed_from = h;
	}
	if (chosen->summary)
		sum = chosen;
	all = calloc(n_all ? n_all : 1, sizeof(char *));
	if (!all || !(f.id = strdup(id)))
		goto oom;
	n_all = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < m->hits[g[i]].n_ids; k++)
			all[n_all++] = m->hits[g[i]].ids[k];
	qsort(all, n_all, sizeof(char *), str_cmp);
	f.aliases = calloc(n_all ? n_all : 1, sizeof(char *));
	if (!f.aliases)
		goto oom;
	for (size_t i = 0; i < n_all; i++) {
		if (strcmp(all[i], id) == 0 || (i > 0 && strcmp(all[i], all[i - 1]) == 0))
			continue;
		if (!(f.aliases[f.n_aliases] = strdup(all[i])))
			goto oom;
		f.n_aliases++;
	}
	if ((sum && !(f.summary = strdup(sum->summary))) ||
	    !(f.ecosystem = strdup(chosen->ecosystem)) ||
	    !(f.matched_name = strdup(chosen->matched_name)) ||
	    (fixed_from && !(f.fixed_version = strdup(fixed_from->fixed))) ||
	    (cv && cv->vector && !(f.cvss_vector = strdup(cv->vector))))
		goto oom;
	if (cv)
		f.cvss_score = cv->cvss;
	if (m->rep->n_findings == m->cap_findings) {
		size_t nc = m->cap_findings ? m->cap_findings * 2 : 32;
		struct ward_vuln_finding *nf = realloc(m->rep->findings, nc * sizeof(*nf));
		if (!nf)
			goto oom;
		m->rep->findings = nf;
		m->cap_findings = nc;
	}
	m->rep->findings[m->rep->n_findings++] = f;
	return 0;
oom:
	scan_finding_clear(&f);
	return ward_error_set(err, ENOMEM, "match");
}

static int
hit_order_cmp(const void *a, const void *b, void *arg)
{
	const struct hit *h = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (h[x].root != h[y].root)
		return h[x].root < h[y].root ? -1 : 1;
	return (x > y) - (x < y);
}

/*
 * Group the package's hits that share an id (union-find over the ids,
 * sorted so equal ids are adjacent: n log n, not quadratic) and emit one
 * finding per group, groups in the order of their first hit.
 */
static int
emit_groups(struct matcher *m, size_t pkg, struct ward_error **err)
{
	_cleanup_free_ struct idref *refs = calloc(m->n_ids ? m->n_ids : 1, sizeof(*refs));
	_cleanup_free_ size_t *order = calloc(m->n_hits ? m->n_hits : 1, sizeof(size_t));
	size_t n = 0;
	int r = 0;

	if (!refs || !order)
		return ward_error_set(err, ENOMEM, "match");
	for (size_t i = 0; i < m->n_hits; i++)
		for (size_t k = 0; k < m->hits[i].n_ids; k++)
			refs[n++] = (struct idref){m->hits[i].ids[k], i};
	qsort(refs, n, sizeof(*refs), idref_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(refs[i].id, refs[i - 1].id) != 0)
			continue;
		size_t a = uf_find(m->hits, refs[i - 1].hit), b = uf_find(m->hits, refs[i].hit);
		if (a != b)
			m->hits[a > b ? a : b].parent =
				a < b ? a : b; /* the lower hit is the root */
	}
	/* Hits ordered by (root, index): each group is one run. */
	for (size_t i = 0; i < m->n_hits; i++)
		order[i] = i;
	for (size_t i = 0; i < m->n_hits; i++)
		m->hits[i].root = uf_find(m->hits, i);
	qsort_r(order, m->n_hits, sizeof(size_t), hit_order_cmp, m->hits);
	for (size_t s = 0; s < m->n_hits && r >= 0;) {
		size_t e = s + 1;
		while (e < m->n_hits && m->hits[order[e]].root == m->hits[order[s]].root)
			e++;
		r = emit_group(m, pkg, order + s, e - s, err);
		s = e;
	}
	return r;
}

/* ---- what to look a package up by ---------------------------------------- */

struct distro {
	enum ward_pkg_type type; /* the distribution's package type */
	char *keys[MATCH_KEYS_MAX];
	size_t n_keys;
};

static void
distro_clear(struct distro *d)
{
	for (size_t i = 0; i < d->n_keys; i++)
		free(d->keys[i]);
}

static int
distro_add(struct distro *d, char *key)
{
	if (!key)
		return -ENOMEM;
	if (d->n_keys == MATCH_KEYS_MAX) {
		free(key);
		return 0;
	}
	d->keys[d->n_keys++] = key;
	return 0;
}

/* "3.19.1" -> "3.19"; "9.3" -> "9" (parts = 1). Digits and dots only:
 * os-release is part of the image, hostile. */
static char *
version_prefix(const char *v, int parts)
{
	size_t i = 0;
	int dots = 0;

	if (!v || !*v || strlen(v) > 32)
		return NULL;
	for (; v[i]; i++) {
		if (v[i] == '.' && ++dots == parts)
			break;
		if (v[i] != '.' && (v[i] < '0' || v[i] > '9'))
			break;
	}
	return i ? strndup(v, i) : NULL;
}

static bool
plain(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ':')
			return false;
	return true;
}

/* The distribution's OSV ecosystem strings, as OSV names them. */
static int
distro_keys(const struct ward_os_release *os, struct distro *d)
{
	const char *id = os->id, *vid = os->version_id;
	_cleanup_free_ char *mm = NULL, *major = NULL;
	int r = 0;

	d->n_keys = 0;
	d->type = WARD_PKG_TYPE_COUNT; /* none */
	if (!id)
		return 0;
	if (strcmp(id, "debian") == 0) {
		d->type = WARD_PKG_DPKG;
		if (plain(vid))
			r |= distro_add(d, ward_strdup_printf("Debian:%s", vid));
		/* "Debian" without a release applies to every release. */
		r |= distro_add(d, strdup("Debian"));
	} else if (strcmp(id, "ubuntu") == 0 && plain(vid)) {
		d->type = WARD_PKG_DPKG;
		r |= distro_add(d, ward_strdup_printf("Ubuntu:%s", vid));
		r |= distro_add(d, ward_strdup_printf("Ubuntu:%s:LTS", vid));
		r |= distro_add(d, ward_strdup_printf("Ubuntu:Pro:%s", vid));
		r |= distro_add(d, ward_strdup_printf("Ubuntu:Pro:%s:LTS", vid));
	} else if (strcmp(id, "alpine") == 0 && (mm = version_prefix(vid, 2))) {
		d->type = WARD_PKG_APK;
		r |= distro_add(d, ward_strdup_printf("Alpine:v%s", mm));
	} else if (strcmp(id, "wolfi") == 0 || strcmp(id, "chainguard") == 0) {
		d->type = WARD_PKG_APK;
		r |= distro_add(d, strdup(strcmp(id, "wolfi") == 0 ? "Wolfi" : "Chainguard"));
	} else if (strcmp(id, "rhel") == 0 && (major = version_prefix(vid, 1))) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("Red Hat:enterprise_linux:%s", major));
	} else if (strcmp(id, "rocky") == 0 && (major = version_prefix(vid, 1))) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("Rocky Linux:%s", major));
	} else if (strcmp(id, "almalinux") == 0 && (major = version_prefix(vid, 1))) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("AlmaLinux:%s", major));
	} else if (strncmp(id, "opensuse", 8) == 0 && plain(os->pretty_name)) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("openSUSE:%s", os->pretty_name));
	} else if ((strcmp(id, "sles") == 0 || strcmp(id, "sled") == 0) && plain(os->pretty_name)) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("SUSE:%s", os->pretty_name));
	} else if (strcmp(id, "mageia") == 0 && plain(vid)) {
		d->type = WARD_PKG_RPM;
		r |= distro_add(d, ward_strdup_printf("Mageia:%s", vid));
	}
	return r ? -ENOMEM : 0;
}

/* "1.2-3+b1" -> "1.2-3": a binNMU rebuilds the binary without changing the
 * source, and the advisories name the source version. */
static char *
strip_binnmu(const char *v)
{
	const char *p = strrchr(v, '+');
	size_t i;

	if (!p || p[1] != 'b' || !p[2])
		return strdup(v);
	for (i = 2; p[i]; i++)
		if (p[i] < '0' || p[i] > '9')
			return strdup(v);
	return strndup(v, (size_t)(p - v));
}

static int
match_query(struct matcher *m, const struct query *q, struct ward_error **err)
{
	int rc, r = 0;

	(void)sqlite3_bind_text(m->st, 1, q->key, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(m->st, 2, q->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(m->st)) == SQLITE_ROW)
		if ((r = add_hit(m, m->st, q, err)) < 0)
			break;
	(void)sqlite3_reset(m->st);
	if (r < 0)
		return r;
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : vulndb_fail(m->db, err, rc, "look up package");
}

static int
match_package(struct matcher *m, const struct distro *d, size_t idx, struct ward_error **err)
{
	const struct ward_package *p = &m->rep->inv->pkgs[idx];
	_cleanup_free_ char *ver = NULL, *norm = NULL;
	struct query q[2 * MATCH_KEYS_MAX];
	const char *installed = p->version;
	size_t nq = 0;
	int r = 0;

	if (!p->name || !p->version)
		return 0;
	switch (p->type) {
	case WARD_PKG_DPKG:
	case WARD_PKG_APK:
	case WARD_PKG_RPM:
		if (p->type != d->type)
			break;
		if (p->type == WARD_PKG_DPKG) {
			/* Debian and Ubuntu advisories name the source package. */
			const char *name = p->source_name ? p->source_name : p->name;
			ver = p->source_version ? strdup(p->source_version)
						: strip_binnmu(p->version);
			if (!ver)
				return ward_error_set(err, ENOMEM, "match");
			for (size_t k = 0; k < d->n_keys; k++)
				q[nq++] = (struct query){d->keys[k], name, ver};
			installed = ver;
		} else {
			/* Alpine's secdb and Rocky/Alma name the origin/source
			 * package, Red Hat binary or source rpms: both. */
			for (size_t k = 0; k < d->n_keys; k++) {
				q[nq++] = (struct query){d->keys[k], p->name, p->version};
				if (p->source_name && strcmp(p->source_name, p->name) != 0)
					q[nq++] = (struct query){
						d->keys[k], p->source_name,
						p->source_version ? p->source_version : p->version};
			}
		}
		break;
	case WARD_PKG_NPM:
		q[nq++] = (struct query){"npm", p->name, p->version};
		break;
	case WARD_PKG_PYPI:
		if (!(norm = osv_pypi_normalize(p->name)))
			return ward_error_set(err, ENOMEM, "match");
		q[nq++] = (struct query){"PyPI", norm, p->version};
		break;
	case WARD_PKG_GO:
		/* The toolchain is the module "stdlib" in OSV; build info
		 * records it as "go1.21.5". */
		if (strcmp(p->name, "stdlib") == 0 && strncmp(p->version, "go", 2) == 0)
			installed = p->version + 2;
		q[nq++] = (struct query){"Go", p->name, installed};
		break;
	}
	m->n_hits = 0;
	m->n_ids = 0;
	for (size_t i = 0; i < nq && r >= 0; i++)
		r = match_query(m, &q[i], err);
	if (r >= 0 && m->n_hits)
		r = emit_groups(m, idx, err);
	for (size_t i = 0; i < m->n_hits; i++)
		hit_clear(&m->hits[i]);
	m->n_hits = 0;
	m->n_ids = 0;
	return r;
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct ward_vuln_finding *x = a, *y = b;

	if (x->pkg != y->pkg)
		return x->pkg < y->pkg ? -1 : 1;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
ward_vulndb_match(struct ward_vulndb *db, struct ward_inventory *inv, struct ward_scan_report **ret,
		  struct ward_error **err)
{
	struct ward_scan_report *rep = calloc(1, sizeof(*rep));
	struct matcher m = {.db = db, .rep = rep};
	struct distro d = {0};
	int r;

	if (!rep) {
		ward_inventory_free(inv);
		return ward_error_set(err, ENOMEM, "match");
	}
	rep->inv = inv;
	if (!db || !inv) {
		r = ward_error_setk(err, WARD_E_INVALID, 0, "match: no database or inventory");
		goto out;
	}
	rep->scanned_at = (int64_t)time(NULL);
	/* One read transaction: a concurrent import commits all or nothing,
	 * and the scan sees one version of the database. */
	if ((r = vulndb_exec(db, "BEGIN", "begin", err)) < 0)
		goto out;
	if ((r = vulndb_meta_get(db, "newest_modified", &rep->db_newest_modified, err)) < 0 ||
	    (r = vulndb_meta_get(db, "last_import", &rep->db_last_import, err)) < 0 ||
	    (r = vulndb_prepare(db,
				"SELECT r.id, r.aliases, r.summary, a.ecosystem, a.ranges, "
				"a.severity, a.cvss, a.vector FROM affected a "
				"JOIN records r ON r.rowid = a.record "
				"WHERE a.key = ?1 AND a.name = ?2",
				&m.st, err)) < 0)
		goto end;
	if (distro_keys(&inv->os, &d) < 0) {
		r = ward_error_set(err, ENOMEM, "match");
		goto end;
	}
	for (size_t i = 0; i < inv->n_pkgs; i++)
		if ((r = match_package(&m, &d, i, err)) < 0)
			goto end;
	if (rep->n_findings)
		qsort(rep->findings, rep->n_findings, sizeof(*rep->findings), finding_cmp);
	r = 0;
end:
	vulndb_finalizep(&m.st);
	(void)sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
out:
	distro_clear(&d);
	free(m.hits);
	if (r < 0) {
		ward_scan_report_free(rep);
		return r;
	}
	*ret = rep;
	return 0;
}
