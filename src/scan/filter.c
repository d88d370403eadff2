/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filters of `ward scan` (severity list, unfixed, ignore file, OpenVEX)
 * and the CI fail decision. Ignore files and VEX documents come from the
 * repository being scanned or from vendors: hostile input, bounded by the
 * WARD_IGNORE_* and WARD_VEX_* limits, refused with the line or statement
 * named.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include <ward/scan.h>

#include "scan/osv.h"

#define IGNORE_ID_MAX 128
#define IGNORE_PKG_MAX 256
#define IGNORE_REASON_MAX 1024

int
ward_severity_mask_parse(const char *list, unsigned *ret_mask, struct ward_error **err)
{
	_cleanup_free_ char *copy = NULL;
	unsigned mask = 0;
	char *save = NULL;

	if (!list || strlen(list) > 256)
		return ward_error_setk(err, WARD_E_INVALID, 0, "severity list: empty or too long");
	if (!(copy = strdup(list)))
		return ward_error_set(err, ENOMEM, "severity list");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum ward_severity s;
		char *end;
		while (*t == ' ' || *t == '\t')
			t++;
		end = t + strlen(t);
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*t)
			continue;
		if (ward_severity_from_name(t, &s, err) < 0)
			return ward_error_wrap(err, "severity list '%s'", list);
		mask |= 1u << s;
	}
	if (!mask)
		return ward_error_setk(err, WARD_E_INVALID, 0, "severity list '%s': no severity",
				       list);
	*ret_mask = mask;
	return 0;
}

/* ---- ignore file ----------------------------------------------------------- */

struct ignore_entry {
	char *id;
	char *package; /* NULL: any package */
	int64_t until; /* first second no longer covered; 0: no expiry */
	char until_text[11];
	char *reason;
	unsigned line;
};

struct ward_ignore_file {
	char *name;
	struct ignore_entry *entries;
	size_t n;
};

void
ward_ignore_free(struct ward_ignore_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->entries[i].id);
		free(f->entries[i].package);
		free(f->entries[i].reason);
	}
	free(f->entries);
	free(f->name);
	free(f);
}

size_t
ward_ignore_count(const struct ward_ignore_file *f)
{
	return f ? f->n : 0;
}

static bool
is_id_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD" (a real calendar day, years 1970-9999) into the first second
 * after that day, UTC. */
static int
parse_until(const char *s, int64_t *ret)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	struct tm tm = {0};
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -EINVAL;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0))
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = (int64_t)t + 86400;
	return 0;
}

static int
ignore_line(struct ward_ignore_file *f, char *line, unsigned lineno, struct ward_error **err)
{
	struct ignore_entry e = {.line = lineno};
	char *hash = strchr(line, '#'), *reason, *save = NULL, *tok;
	int n_tok = 0;

	if (!hash)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s:%u: no reason: every entry needs '# reason'", f->name,
				       lineno);
	*hash = '\0';
	reason = hash + 1;
	while (isspace((unsigned char)*reason))
		reason++;
	for (char *end = reason + strlen(reason); end > reason && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	if (!*reason)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s:%u: the reason after '#' is empty", f->name, lineno);
	if (strlen(reason) > IGNORE_REASON_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s:%u: reason longer than %d bytes",
				       f->name, lineno, IGNORE_REASON_MAX);
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		n_tok++;
		if (ward_str_has_prefix(tok, "until=")) {
			if (e.until)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s:%u: until= given twice", f->name,
						       lineno);
			if (parse_until(tok + 6, &e.until) < 0)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s:%u: '%.40s': not a date YYYY-MM-DD",
						       f->name, lineno, tok + 6);
			memcpy(e.until_text, tok + 6, 10);
			continue;
		}
		if (strchr(tok, '='))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "%s:%u: unknown key in '%.40s' (only until=)",
					       f->name, lineno, tok);
		if (n_tok == 1) {
			size_t l = strlen(tok);
			if (l > IGNORE_ID_MAX)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s:%u: id longer than %d bytes", f->name,
						       lineno, IGNORE_ID_MAX);
			for (size_t i = 0; i < l; i++)
				if (!is_id_char((unsigned char)tok[i]))
					return ward_error_setk(
						err, WARD_E_INVALID, 0,
						"%s:%u: '%.40s': not a vulnerability id", f->name,
						lineno, tok);
			e.id = tok;
		} else if (n_tok == 2 && !e.until) {
			if (strlen(tok) > IGNORE_PKG_MAX)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s:%u: package longer than %d bytes",
						       f->name, lineno, IGNORE_PKG_MAX);
			e.package = tok;
		} else {
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "%s:%u: unexpected '%.40s' (ID [PACKAGE] "
					       "[until=YYYY-MM-DD] # reason)",
					       f->name, lineno, tok);
		}
	}
	if (!e.id)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s:%u: no vulnerability id before the reason", f->name,
				       lineno);
	if (f->n >= WARD_IGNORE_ENTRIES_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: more than %u entries", f->name,
				       WARD_IGNORE_ENTRIES_MAX);
	bool want_pkg = e.package != NULL;
	e.id = strdup(e.id);
	e.package = want_pkg ? strdup(e.package) : NULL;
	e.reason = strdup(reason);
	if (!e.id || !e.reason || (want_pkg && !e.package)) {
		free(e.id);
		free(e.package);
		free(e.reason);
		return ward_error_set(err, ENOMEM, "%s", f->name);
	}
	f->entries[f->n++] = e;
	return 0;
}

int
ward_ignore_parse(const char *buf, size_t len, const char *name, struct ward_ignore_file **ret,
		  struct ward_error **err)
{
	_cleanup_(ward_ignore_freep) struct ward_ignore_file *f = NULL;
	char line[WARD_IGNORE_LINE_MAX + 1];
	size_t pos = 0, cap = 0;
	unsigned lineno = 0;
	int r;

	if (!name)
		name = "ignore file";
	if (len > WARD_IGNORE_FILE_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: larger than %u bytes", name,
				       WARD_IGNORE_FILE_MAX);
	if (memchr(buf, '\0', len))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: contains a NUL byte", name);
	if (!(f = calloc(1, sizeof(*f))) || !(f->name = strdup(name)))
		return ward_error_set(err, ENOMEM, "%s", name);
	/* One entry per line at most: count lines to size the array once. */
	for (size_t i = 0; i < len; i++)
		cap += buf[i] == '\n';
	cap = (cap + 1 < WARD_IGNORE_ENTRIES_MAX + 1 ? cap + 1 : WARD_IGNORE_ENTRIES_MAX + 1);
	if (!(f->entries = calloc(cap, sizeof(*f->entries))))
		return ward_error_set(err, ENOMEM, "%s", name);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *p;

		lineno++;
		if (l > WARD_IGNORE_LINE_MAX)
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "%s:%u: line longer than %u bytes", name, lineno,
					       WARD_IGNORE_LINE_MAX);
		memcpy(line, buf + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		if (l && line[l - 1] == '\r')
			line[l - 1] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		for (char *q = p; *q; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s:%u: control character 0x%02x", name,
						       lineno, (unsigned char)*q);
		if (f->n >= cap)
			return ward_error_setk(err, WARD_E_INVALID, 0, "%s: more than %u entries",
					       name, WARD_IGNORE_ENTRIES_MAX);
		if ((r = ignore_line(f, p, lineno, err)) < 0)
			return r;
	}
	*ret = TAKE_PTR(f);
	return 0;
}

/* ---- package URLs ---------------------------------------------------------- *
 * pkg:type/namespace/name@version?qualifiers#subpath (purl-spec). Only what
 * matching needs: components percent-decoded, the type lowercased. */

#define PURL_MAX 4096
#define PURL_QUALIFIERS_MAX 32

struct purl {
	char *type, *path, *version; /* path: namespace/name; version NULL when none */
	char *qk[PURL_QUALIFIERS_MAX], *qv[PURL_QUALIFIERS_MAX];
	size_t n_q;
	char buf[PURL_MAX + 1]; /* last: purl_parse clears the members above it */
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* In place; a malformed or NUL escape is refused. */
static int
pct_decode(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int h = hexval(r[1]), l = h < 0 ? -1 : hexval(r[2]);
		if (h < 0 || l < 0 || (h == 0 && l == 0))
			return -EINVAL;
		*w++ = (char)(h * 16 + l);
		r += 2;
	}
	*w = '\0';
	return 0;
}

static int
purl_parse(const char *s, struct purl *p)
{
	char *q, *at, *slash;
	size_t l = strlen(s);

	memset(p, 0, offsetof(struct purl, buf));
	if (l > PURL_MAX || strncasecmp(s, "pkg:", 4) != 0)
		return -EINVAL;
	memcpy(p->buf, s + 4, l - 4 + 1);
	if ((q = strchr(p->buf, '#')))
		*q = '\0';
	if ((q = strchr(p->buf, '?'))) {
		char *save = NULL;
		*q++ = '\0';
		for (char *kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (!eq || eq == kv || p->n_q >= PURL_QUALIFIERS_MAX)
				return -EINVAL;
			*eq = '\0';
			for (char *k = kv; *k; k++)
				*k = (char)tolower((unsigned char)*k);
			if (pct_decode(eq + 1) < 0)
				return -EINVAL;
			p->qk[p->n_q] = kv;
			p->qv[p->n_q++] = eq + 1;
		}
	}
	while (*p->buf == '/') /* "pkg://type/..." is tolerated by the spec */
		memmove(p->buf, p->buf + 1, strlen(p->buf));
	slash = strchr(p->buf, '/');
	if (!slash || slash == p->buf)
		return -EINVAL;
	*slash = '\0';
	p->type = p->buf;
	for (char *t = p->type; *t; t++)
		*t = (char)tolower((unsigned char)*t);
	p->path = slash + 1;
	at = strrchr(p->path, '@');
	if (at) {
		*at = '\0';
		p->version = at + 1;
		if (pct_decode(p->version) < 0)
			return -EINVAL;
	}
	for (size_t n = strlen(p->path); n && p->path[n - 1] == '/'; n--)
		p->path[n - 1] = '\0';
	if (!*p->path || pct_decode(p->path) < 0)
		return -EINVAL;
	return 0;
}

/* Does the VEX purl `want` cover the package purl `have`? type, namespace
 * and name equal; a version in want must equal have's; every qualifier in
 * want must be in have with the same value (a VEX purl without qualifiers
 * covers every variant: OpenVEX 0.2.0, openvex/spec#27). */
static bool
purl_covers(const struct purl *want, const struct purl *have)
{
	if (strcmp(want->type, have->type) != 0 || strcmp(want->path, have->path) != 0)
		return false;
	if (want->version && (!have->version || strcmp(want->version, have->version) != 0))
		return false;
	for (size_t i = 0; i < want->n_q; i++) {
		bool found = false;
		for (size_t j = 0; j < have->n_q && !found; j++)
			found = strcmp(want->qk[i], have->qk[j]) == 0 &&
				strcmp(want->qv[i], have->qv[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* ---- OpenVEX ---------------------------------------------------------------- */

enum vex_status {
	VEX_NOT_AFFECTED = 0,
	VEX_AFFECTED,
	VEX_FIXED,
	VEX_UNDER_INVESTIGATION,
};
static const char *const vex_status_names[] = {"not_affected", "affected", "fixed",
					       "under_investigation"};

struct vex_component {
	char **ids; /* @id and identifiers.purl */
	size_t n_ids;
};

struct vex_product {
	struct vex_component self;
	struct vex_component *subs;
	size_t n_subs;
};

struct vex_statement {
	char **vuln_ids; /* name, @id, aliases */
	size_t n_vuln_ids;
	struct vex_product *products;
	size_t n_products;
	enum vex_status status;
	char *justification; /* justification label, else impact_statement; may be NULL */
	int64_t timestamp;   /* statement's, else the document's; 0 when none */
	size_t index;
};

struct ward_vex {
	char *name;
	struct vex_statement *st;
	size_t n;
};

static void
component_clear(struct vex_component *c)
{
	for (size_t i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->ids);
}

void
ward_vex_free(struct ward_vex *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		struct vex_statement *s = &v->st[i];
		for (size_t j = 0; j < s->n_vuln_ids; j++)
			free(s->vuln_ids[j]);
		free(s->vuln_ids);
		for (size_t j = 0; j < s->n_products; j++) {
			component_clear(&s->products[j].self);
			for (size_t k = 0; k < s->products[j].n_subs; k++)
				component_clear(&s->products[j].subs[k]);
			free(s->products[j].subs);
		}
		free(s->products);
		free(s->justification);
	}
	free(v->st);
	free(v->name);
	free(v);
}

size_t
ward_vex_count(const struct ward_vex *v)
{
	return v ? v->n : 0;
}

static int
strv_push(char ***v, size_t *n, const char *s)
{
	char **nv, *d;

	if (*n >= WARD_VEX_LIST_MAX)
		return -E2BIG;
	if (!(d = strdup(s)))
		return -ENOMEM;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(**v)))) {
		free(d);
		return -ENOMEM;
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

/* RFC 3339 "2023-01-08T18:02:03-06:00" (fractions ignored) into unix
 * seconds; 0 when absent or unreadable (an undated statement sorts first). */
static int64_t
parse_time(const char *s)
{
	struct tm tm = {0};
	int off = 0, n = 0;
	const char *p;
	time_t t;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return 0;
	p = s + n;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == '+' || *p == '-') {
		int h, m;
		if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
			return 0;
		off = (h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z' && *p != 'z') {
		return 0;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t - off;
}

static int
vex_err(struct ward_error **err, const char *name, size_t i, const char *what)
{
	return ward_error_setk(err, WARD_E_INVALID, 0, "%s: statements[%zu]: %s", name, i, what);
}

/* A component: a string (0.0.x) or an object with @id and identifiers.purl. */
static int
vex_component(json_t *j, struct vex_component *c)
{
	json_t *ids, *v;
	int r;

	if (json_is_string(j))
		return strv_push(&c->ids, &c->n_ids, json_string_value(j));
	if (!json_is_object(j))
		return -EINVAL;
	if ((v = json_object_get(j, "@id"))) {
		if (!json_is_string(v))
			return -EINVAL;
		if ((r = strv_push(&c->ids, &c->n_ids, json_string_value(v))) < 0)
			return r;
	}
	if ((ids = json_object_get(j, "identifiers"))) {
		if (!json_is_object(ids))
			return -EINVAL;
		if ((v = json_object_get(ids, "purl"))) {
			if (!json_is_string(v))
				return -EINVAL;
			if ((r = strv_push(&c->ids, &c->n_ids, json_string_value(v))) < 0)
				return r;
		}
	}
	return 0;
}

static int
vex_statement(struct ward_vex *vx, json_t *js, size_t i, int64_t doc_time, struct ward_error **err)
{
	struct vex_statement *s = &vx->st[vx->n];
	json_t *vuln, *prods, *v, *st, *jst;
	size_t k, m;
	int r;

	memset(s, 0, sizeof(*s));
	s->index = vx->n;
	vx->n++; /* from here on freed with the document */
	if (!json_is_object(js))
		return vex_err(err, vx->name, i, "not an object");
	vuln = json_object_get(js, "vulnerability");
	if (json_is_string(vuln)) {
		if ((r = strv_push(&s->vuln_ids, &s->n_vuln_ids, json_string_value(vuln))) < 0)
			goto oom;
	} else if (json_is_object(vuln)) {
		static const char *const keys[] = {"name", "@id"};
		for (k = 0; k < WARD_ARRAY_SIZE(keys); k++) {
			if (!(v = json_object_get(vuln, keys[k])))
				continue;
			if (!json_is_string(v))
				return vex_err(err, vx->name, i,
					       "vulnerability name/@id: not a string");
			if ((r = strv_push(&s->vuln_ids, &s->n_vuln_ids, json_string_value(v))) < 0)
				goto oom;
		}
		if ((v = json_object_get(vuln, "aliases"))) {
			if (!json_is_array(v) || json_array_size(v) > WARD_VEX_LIST_MAX)
				return vex_err(err, vx->name, i,
					       "vulnerability.aliases: not an array of at most "
					       "10000 strings");
			json_array_foreach(v, k, st) {
				if (!json_is_string(st))
					return vex_err(err, vx->name, i,
						       "vulnerability.aliases: not a string");
				if ((r = strv_push(&s->vuln_ids, &s->n_vuln_ids,
						   json_string_value(st))) < 0)
					goto oom;
			}
		}
	}
	if (!s->n_vuln_ids)
		return vex_err(err, vx->name, i, "no vulnerability name");
	prods = json_object_get(js, "products");
	if (!json_is_array(prods) || json_array_size(prods) == 0)
		return vex_err(err, vx->name, i, "no products (an array is required)");
	if (json_array_size(prods) > WARD_VEX_LIST_MAX)
		return vex_err(err, vx->name, i, "more than 10000 products");
	if (!(s->products = calloc(json_array_size(prods), sizeof(*s->products))))
		goto oom;
	json_array_foreach(prods, k, v) {
		struct vex_product *p = &s->products[s->n_products++];
		json_t *subs = json_is_object(v) ? json_object_get(v, "subcomponents") : NULL;
		if ((r = vex_component(v, &p->self)) < 0)
			return r == -ENOMEM ? ward_error_set(err, ENOMEM, "%s", vx->name)
					    : vex_err(err, vx->name, i, "malformed product");
		if (!subs)
			continue;
		if (!json_is_array(subs) || json_array_size(subs) > WARD_VEX_LIST_MAX)
			return vex_err(err, vx->name, i,
				       "subcomponents: not an array of at most 10000");
		if (json_array_size(subs) &&
		    !(p->subs = calloc(json_array_size(subs), sizeof(*p->subs))))
			goto oom;
		json_array_foreach(subs, m, st) {
			if ((r = vex_component(st, &p->subs[p->n_subs++])) < 0)
				return r == -ENOMEM ? ward_error_set(err, ENOMEM, "%s", vx->name)
						    : vex_err(err, vx->name, i,
							      "malformed subcomponent");
		}
	}
	jst = json_object_get(js, "status");
	if (!json_is_string(jst))
		return vex_err(err, vx->name, i, "no status");
	for (k = 0; k < WARD_ARRAY_SIZE(vex_status_names); k++)
		if (strcmp(json_string_value(jst), vex_status_names[k]) == 0)
			break;
	if (k == WARD_ARRAY_SIZE(vex_status_names)) {
		char what[128];
		snprintf(what, sizeof(what), "unknown status '%.40s'", json_string_value(jst));
		return vex_err(err, vx->name, i, what);
	}
	s->status = (enum vex_status)k;
	v = json_object_get(js, "justification");
	st = json_object_get(js, "impact_statement");
	if ((v && !json_is_string(v)) || (st && !json_is_string(st)))
		return vex_err(err, vx->name, i, "justification/impact_statement: not a string");
	if (s->status == VEX_NOT_AFFECTED && !v && !st)
		return vex_err(err, vx->name, i,
			       "not_affected needs a justification or an impact_statement");
	if (v || st) {
		const char *jv = v ? json_string_value(v) : NULL;
		const char *sv = st ? json_string_value(st) : NULL;
		s->justification = jv && sv ? ward_strdup_printf("%.200s: %.800s", jv, sv)
					    : ward_strdup_printf("%.800s", jv ? jv : sv);
		if (!s->justification)
			goto oom;
	}
	v = json_object_get(js, "timestamp");
	s->timestamp = json_is_string(v) ? parse_time(json_string_value(v)) : doc_time;
	return 0;
oom:
	return ward_error_set(err, ENOMEM, "%s", vx->name);
}

int
ward_vex_parse(const char *buf, size_t len, const char *name, struct ward_vex **ret,
	       struct ward_error **err)
{
	_cleanup_(ward_vex_freep) struct ward_vex *vx = NULL;
	json_t *doc = NULL, *sts, *v, *ctx;
	int64_t doc_time;
	size_t i;
	int r = 0;

	if (!name)
		name = "VEX document";
	if (len > WARD_VEX_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: larger than %u bytes", name,
				       WARD_VEX_MAX);
	if ((r = ward_json_parse(buf, len, name, &doc, err)) < 0)
		return r;
	ctx = json_object_get(doc, "@context");
	if (!json_is_object(doc) || !json_is_string(ctx) ||
	    !ward_str_has_prefix(json_string_value(ctx), "https://openvex.dev/ns")) {
		json_decref(doc);
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s: not an OpenVEX document (@context "
				       "https://openvex.dev/ns...)",
				       name);
	}
	sts = json_object_get(doc, "statements");
	if (!json_is_array(sts) || json_array_size(sts) > WARD_VEX_STATEMENTS_MAX) {
		json_decref(doc);
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s: statements: not an array of at most %u", name,
				       WARD_VEX_STATEMENTS_MAX);
	}
	v = json_object_get(doc, "timestamp");
	doc_time = json_is_string(v) ? parse_time(json_string_value(v)) : 0;
	if (!(vx = calloc(1, sizeof(*vx))) || !(vx->name = strdup(name)) ||
	    (json_array_size(sts) && !(vx->st = calloc(json_array_size(sts), sizeof(*vx->st))))) {
		json_decref(doc);
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	json_array_foreach(sts, i, v) {
		if ((r = vex_statement(vx, v, i, doc_time, err)) < 0)
			break;
	}
	json_decref(doc);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(vx);
	return 0;
}

/* ---- applying the filters ---------------------------------------------------- */

void
ward_scan_filter_stats_clear(struct ward_scan_filter_stats *st)
{
	if (!st)
		return;
	ward_strv_free(st->warnings);
	memset(st, 0, sizeof(*st));
}

static bool
finding_has_id(const struct ward_vuln_finding *f, const char *id)
{
	if (f->id && strcasecmp(f->id, id) == 0)
		return true;
	for (size_t i = 0; i < f->n_aliases; i++)
		if (f->aliases[i] && strcasecmp(f->aliases[i], id) == 0)
			return true;
	return false;
}

static int
add_warning(struct ward_scan_filter_stats *st, char *w)
{
	char **nv;

	if (!w)
		return -ENOMEM;
	if (!(nv = realloc(st->warnings, (st->n_warnings + 2) * sizeof(*nv)))) {
		free(w);
		return -ENOMEM;
	}
	nv[st->n_warnings++] = w;
	nv[st->n_warnings] = NULL;
	st->warnings = nv;
	return 0;
}

static int
suppress(struct ward_vuln_finding *f, char *why)
{
	if (!why)
		return -ENOMEM;
	free(f->suppressed_by);
	f->suppressed = true;
	f->suppressed_by = why;
	return 0;
}

/* Does any id of c cover the package (by purl) or, for an OCI purl, the
 * scanned image (by its manifest digest)? */
static bool
component_matches(const struct vex_component *c, const struct purl *pkg, const char *image_digest,
		  bool *ret_is_image)
{
	struct purl *want = malloc(sizeof(*want));
	bool hit = false;

	*ret_is_image = false;
	if (!want)
		return false;
	for (size_t i = 0; i < c->n_ids && !hit; i++) {
		if (purl_parse(c->ids[i], want) < 0)
			continue;
		if (strcmp(want->type, "oci") == 0) {
			if (image_digest && want->version &&
			    strcmp(want->version, image_digest) == 0)
				hit = *ret_is_image = true;
			continue;
		}
		hit = pkg && purl_covers(want, pkg);
	}
	free(want);
	return hit;
}

/* Does the statement's product list reach this package? A product naming
 * the package itself; or the scanned image as product, with no
 * subcomponents (the whole image) or a subcomponent naming the package. */
static bool
statement_applies(const struct vex_statement *s, const struct purl *pkg, const char *image_digest)
{
	for (size_t i = 0; i < s->n_products; i++) {
		const struct vex_product *p = &s->products[i];
		bool is_image;
		if (!component_matches(&p->self, pkg, image_digest, &is_image))
			continue;
		if (!is_image || p->n_subs == 0)
			return true;
		for (size_t j = 0; j < p->n_subs; j++) {
			bool sub_image;
			if (component_matches(&p->subs[j], pkg, NULL, &sub_image))
				return true;
		}
	}
	return false;
}

static int
apply_vex(struct ward_scan_report *r, struct ward_vuln_finding *f, const struct ward_scan_filter *o,
	  struct purl *pkg, bool have_purl)
{
	const struct vex_statement *best = NULL;
	const struct ward_vex *best_doc = NULL;
	size_t best_doc_i = 0;

	for (size_t d = 0; d < o->n_vex; d++) {
		const struct ward_vex *vx = o->vex[d];
		for (size_t i = 0; vx && i < vx->n; i++) {
			const struct vex_statement *s = &vx->st[i];
			bool id_hit = false;
			for (size_t k = 0; k < s->n_vuln_ids && !id_hit; k++)
				id_hit = finding_has_id(f, s->vuln_ids[k]);
			if (!id_hit ||
			    !statement_applies(s, have_purl ? pkg : NULL, r->image_digest))
				continue;
			/* OpenVEX: statements are a sequence, each overriding the ones
			 * before it in time; equal times fall back to order. */
			if (!best || s->timestamp > best->timestamp ||
			    (s->timestamp == best->timestamp &&
			     (d > best_doc_i || (d == best_doc_i && s->index >= best->index)))) {
				best = s;
				best_doc = vx;
				best_doc_i = d;
			}
		}
	}
	if (!best)
		return 0;
	if (best->status == VEX_NOT_AFFECTED || best->status == VEX_FIXED)
		return suppress(f,
				ward_strdup_printf("VEX %s: %s%s%s", best_doc->name,
						   vex_status_names[best->status],
						   best->justification ? ": " : "",
						   best->justification ? best->justification : ""));
	/* affected / under_investigation: a later statement takes back an
	 * earlier VEX suppression; an ignore-file entry stays. */
	if (f->suppressed && f->suppressed_by && ward_str_has_prefix(f->suppressed_by, "VEX ")) {
		free(f->suppressed_by);
		f->suppressed_by = NULL;
		f->suppressed = false;
	}
	return 0;
}

int
ward_scan_filter_apply(struct ward_scan_report *r, const struct ward_scan_filter *o,
		       struct ward_scan_filter_stats *ret, struct ward_error **err)
{
	struct ward_scan_filter_stats st = {0};
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	_cleanup_free_ struct purl *pkg = malloc(sizeof(*pkg));
	size_t w = 0;
	int rr;

	if (!pkg)
		return ward_error_set(err, ENOMEM, "scan filter");
	for (size_t i = 0; o->ignore && i < o->ignore->n; i++) {
		const struct ignore_entry *e = &o->ignore->entries[i];
		if (e->until && now >= e->until &&
		    add_warning(&st, ward_strdup_printf("%s:%u: the entry for %s%s%s expired on "
							"%s and no longer applies (%s)",
							o->ignore->name, e->line, e->id,
							e->package ? " in " : "",
							e->package ? e->package : "", e->until_text,
							e->reason)) < 0)
			goto oom;
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		struct ward_vuln_finding *f = &r->findings[i];
		const struct ward_package *p =
			r->inv && f->pkg < r->inv->n_pkgs ? &r->inv->pkgs[f->pkg] : NULL;
		bool have_purl;

		if (o->severity_mask && !(o->severity_mask & (1u << f->severity))) {
			st.dropped_severity++;
			scan_finding_clear(f);
			continue;
		}
		if (o->ignore_unfixed && !f->fixed_version) {
			st.dropped_unfixed++;
			scan_finding_clear(f);
			continue;
		}
		for (size_t k = 0; o->ignore && k < o->ignore->n && !f->suppressed; k++) {
			const struct ignore_entry *e = &o->ignore->entries[k];
			if (e->until && now >= e->until)
				continue; /* expired: warned above, suppresses nothing */
			if (!finding_has_id(f, e->id))
				continue;
			if (e->package &&
			    (!p || ((!p->name || strcmp(p->name, e->package) != 0) &&
				    (!p->source_name || strcmp(p->source_name, e->package) != 0))))
				continue;
			if (suppress(f, ward_strdup_printf("ignore file %s:%u: %s", o->ignore->name,
							   e->line, e->reason)) < 0)
				goto oom;
			st.suppressed_ignore++;
		}
		have_purl = p && p->purl && purl_parse(p->purl, pkg) == 0;
		if (o->n_vex) {
			bool was = f->suppressed && f->suppressed_by &&
				   ward_str_has_prefix(f->suppressed_by, "ignore file ");
			if (apply_vex(r, f, o, pkg, have_purl) < 0)
				goto oom;
			if (f->suppressed && !was && ward_str_has_prefix(f->suppressed_by, "VEX "))
				st.suppressed_vex++;
			else if (was && f->suppressed &&
				 ward_str_has_prefix(f->suppressed_by, "VEX "))
				st.suppressed_ignore--, st.suppressed_vex++;
		}
		if (w != i)
			r->findings[w] = r->findings[i];
		w++;
	}
	for (size_t i = w; i < r->n_findings; i++)
		memset(&r->findings[i], 0, sizeof(r->findings[i]));
	r->n_findings = w;
	if (ret)
		*ret = st;
	else
		ward_scan_filter_stats_clear(&st);
	return 0;
oom:
	rr = ward_error_set(err, ENOMEM, "scan filter");
	ward_scan_filter_stats_clear(&st);
	return rr;
}

size_t
ward_scan_failing(const struct ward_scan_report *r, enum ward_severity fail_on)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n_findings; i++)
		n += !r->findings[i].suppressed && r->findings[i].severity >= fail_on;
	return n;
}
