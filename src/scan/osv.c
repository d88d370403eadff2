/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OSV records (ossf/osv-schema validation/schema.json) parsed strictly:
 * every field ward reads or that the schema types is checked, every array
 * is bounded by WARD_OSV_ARRAY_MAX, and a record that breaks the schema is
 * refused with an error naming the document, the record and the field.
 * Feeds are hostile: a record must not be able to make ward crash, loop,
 * allocate without bound or write control characters to a terminal.
 *
 * JSON null reads as absent everywhere (Go's encoder writes null for empty
 * slices, and the schema allows it for aliases, affected and severity).
 */
#include "scan/osv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ward/scan.h>

/* ---- warnings ----------------------------------------------------------- */

void
osv_warn(struct osv_warnings *w, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (!w)
		return;
	w->n++;
	if (w->n_kept >= WARD_SCAN_WARNINGS_KEPT)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	/* Names, ids and versions in the text come from the feed: no escape
	 * sequences or line breaks reach a terminal or a log through them. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (!w->kept) {
		w->kept = calloc(WARD_SCAN_WARNINGS_KEPT + 1, sizeof(char *));
		if (!w->kept) {
			free(msg);
			return;
		}
	}
	w->kept[w->n_kept++] = msg;
}

void
osv_warnings_clear(struct osv_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_kept; i++)
		free(w->kept[i]);
	free(w->kept);
	*w = (struct osv_warnings){0};
}

/* ---- small helpers ------------------------------------------------------ */

static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool
osv_parse_time(const char *s, int64_t *ret)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;
	const char *p;
	int64_t t, off = 0;

	if (!s || strlen(s) < 20)
		return false;
	for (int i = 0; i < 19; i++) {
		bool digit = i != 4 && i != 7 && i != 10 && i != 13 && i != 16;
		if (digit ? !isdigit((unsigned char)s[i])
			  : s[i] != (i == 10  ? 'T'
				     : i < 10 ? '-'
					      : ':'))
			return false;
	}
#define D2(p) (((p)[0] - '0') * 10 + ((p)[1] - '0'))
	y = D2(s) * 100 + D2(s + 2);
	mo = D2(s + 5);
	d = D2(s + 8);
	h = D2(s + 11);
	mi = D2(s + 14);
	sec = D2(s + 17);
#undef D2
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
		   isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
		   isdigit((unsigned char)p[5]) && p[6] == '\0') {
		int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = (p[4] - '0') * 10 + (p[5] - '0');
		if (oh > 23 || om > 59)
			return false;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else {
		return false;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = (int64_t)timegm(&tm);
	*ret = t - off;
	return true;
}

char *
osv_ecosystem_key(const char *ecosystem)
{
	const char *dc;

	if (strncmp(ecosystem, "Red Hat:", 8) == 0 && (dc = strstr(ecosystem, "::")))
		return strndup(ecosystem, (size_t)(dc - ecosystem));
	return strdup(ecosystem);
}

char *
osv_pypi_normalize(const char *name)
{
	size_t n = strlen(name), o = 0;
	char *r = malloc(n + 1);

	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o == 0 || r[o - 1] != '-')
				r[o++] = '-';
			continue;
		}
		r[o++] = (char)tolower((unsigned char)c);
	}
	r[o] = '\0';
	return r;
}

const char *
osv_version_for(enum ward_version_scheme scheme, const char *v)
{
	if (scheme == WARD_VERSION_SEMVER && v[0] == 'v' && !ward_version_valid(scheme, v) &&
	    ward_version_valid(scheme, v + 1))
		return v + 1;
	return v;
}

enum ward_severity
osv_severity_word(const char *w)
{
	static const struct {
		const char *word;
		enum ward_severity sev;
	} words[] = {
		{"critical", WARD_SEV_CRITICAL}, {"high", WARD_SEV_HIGH},
		{"important", WARD_SEV_HIGH},	 {"moderate", WARD_SEV_MEDIUM},
		{"medium", WARD_SEV_MEDIUM},	 {"low", WARD_SEV_LOW},
		{"negligible", WARD_SEV_LOW},	 {"unimportant", WARD_SEV_LOW},
		{"minor", WARD_SEV_LOW},
	};
	size_t n;

	if (!w)
		return WARD_SEV_UNKNOWN;
	/* Debian's tracker marks uncertain urgencies "low*", "medium**". */
	n = strnlen(w, 32);
	while (n > 0 && w[n - 1] == '*')
		n--;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(words); i++)
		if (strlen(words[i].word) == n && strncasecmp(words[i].word, w, n) == 0)
			return words[i].sev;
	return WARD_SEV_UNKNOWN;
}

/* ---- the parser --------------------------------------------------------- */

struct pctx {
	const char *name; /* document */
	const char *id;	  /* record id once known */
	struct osv_warnings *w;
	struct ward_error **err;
};

enum { T_STR = 1, T_ARR = 2, T_OBJ = 4 };

static const char *
want_name(int mask)
{
	return mask == T_STR ? "a string" : mask == T_ARR ? "an array" : "an object";
}

static int bad(struct pctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
bad(struct pctx *c, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ward_error_setk(c->err, WARD_E_INVALID, 0, "%s: %.128s%s%s%s%s", c->name,
			       c->id ? c->id : "", c->id ? ": " : "", where, *where ? ": " : "",
			       msg);
}

/* Member `key` of obj with a type in mask; absent or null: *ret NULL, 0. */
static int
member(struct pctx *c, json_t *obj, const char *where, const char *key, int mask, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	char at[256];
	bool ok;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	ok = (mask & T_STR && json_is_string(v)) || (mask & T_ARR && json_is_array(v)) ||
	     (mask & T_OBJ && json_is_object(v));
	if (!ok) {
		(void)snprintf(at, sizeof(at), "%s%s%s", where, *where ? "." : "", key);
		return bad(c, at, "expected %s, got %s", want_name(mask), ward_json_type_name(v));
	}
	if (json_is_array(v) && json_array_size(v) > WARD_OSV_ARRAY_MAX) {
		(void)snprintf(at, sizeof(at), "%s%s%s", where, *where ? "." : "", key);
		return bad(c, at, "%zu entries, more than the %u allowed", json_array_size(v),
			   WARD_OSV_ARRAY_MAX);
	}
	*ret = v;
	return 1;
}

static int
member_str(struct pctx *c, json_t *obj, const char *where, const char *key, const char **ret)
{
	json_t *v;
	int r = member(c, obj, where, key, T_STR, &v);

	if (r > 0)
		*ret = json_string_value(v);
	return r;
}

/* An array of strings: each checked, optionally collected (ids: bounded,
 * no control characters). */
static int
str_array(struct pctx *c, json_t *obj, const char *where, const char *key, bool is_id,
	  const char ***vec, size_t *n)
{
	json_t *arr, *v;
	size_t i;
	int r = member(c, obj, where, key, T_ARR, &arr);

	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v) {
		char at[256];
		(void)snprintf(at, sizeof(at), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		if (!json_is_string(v))
			return bad(c, at, "expected a string, got %s", ward_json_type_name(v));
		if (is_id && (json_string_length(v) == 0 || json_string_length(v) > OSV_ID_MAX ||
			      has_ctl(json_string_value(v))))
			return bad(c, at, "not an id (1-%d printable bytes)", OSV_ID_MAX);
		if (vec) {
			const char **nv = realloc(*vec, (*n + 1) * sizeof(char *));
			if (!nv)
				return ward_error_set(c->err, ENOMEM, "%s", c->name);
			*vec = nv;
			(*vec)[(*n)++] = json_string_value(v);
		}
	}
	return 1;
}

static int
timestamp(struct pctx *c, json_t *obj, const char *key, bool required, int64_t *ret)
{
	const char *s = NULL;
	int r = member_str(c, obj, "", key, &s);

	if (r < 0)
		return r;
	if (!s)
		return required ? bad(c, key, "missing (required)") : 0;
	if (!osv_parse_time(s, ret))
		return bad(c, key, "'%.40s' is not an RFC 3339 timestamp", s);
	return 0;
}

/* severity[]: type-checked; the highest CVSS v3 score and its vector, and
 * Ubuntu's word, out. */
static int
severity_array(struct pctx *c, json_t *obj, const char *where, double *cvss, const char **vector,
	       enum ward_severity *word)
{
	json_t *arr, *e;
	size_t i;
	int r = member(c, obj, where, "severity", T_ARR, &arr);

	if (r <= 0)
		return r;
	json_array_foreach(arr, i, e) {
		const char *type = NULL, *score = NULL;
		char at[256];

		(void)snprintf(at, sizeof(at), "%s%sseverity[%zu]", where, *where ? "." : "", i);
		if (!json_is_object(e))
			return bad(c, at, "expected an object, got %s", ward_json_type_name(e));
		if ((r = member_str(c, e, at, "type", &type)) < 0 ||
		    (r = member_str(c, e, at, "score", &score)) < 0)
			return r;
		if (!type || !score)
			return bad(c, at, "type and score are required");
		if (strcmp(type, "CVSS_V3") == 0) {
			struct ward_error *e3 = NULL;
			double s;
			if (ward_cvss3_base_score(score, &s, &e3) < 0) {
				/* A bad score costs the score, not the record. */
				osv_warn(c->w, "%s: %s: %s: %s: ignored", c->name, c->id, at,
					 e3 ? e3->msg : "invalid");
				ward_error_free(e3);
				continue;
			}
			if (s > *cvss) {
				*cvss = s;
				*vector = score;
			}
		} else if (strcmp(type, "Ubuntu") == 0) {
			enum ward_severity s = osv_severity_word(score);
			if (s > *word)
				*word = s;
		} else if (strcmp(type, "CVSS_V2") != 0 && strcmp(type, "CVSS_V4") != 0) {
			return bad(c, at, "unknown severity type '%.32s'", type);
		}
	}
	return 1;
}

/* Severity words in a free-form object ("severity": "HIGH", Debian's
 * "urgency": "low**"): only string values are read, others ignored (the
 * object's content is the database's, not the schema's). */
static enum ward_severity
words_in(json_t *obj)
{
	enum ward_severity best = WARD_SEV_UNKNOWN;
	static const char *const keys[] = {"severity", "urgency", "cvss_severity"};

	if (!obj)
		return best;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(obj, keys[i]);
		enum ward_severity s = json_is_string(v) ? osv_severity_word(json_string_value(v))
							 : WARD_SEV_UNKNOWN;
		if (s > best)
			best = s;
	}
	return best;
}

static int
event_cmp(enum ward_version_scheme scheme, const struct osv_event *a, const struct osv_event *b)
{
	static const char order[] = "ilfm";
	bool a0 = a->kind == OSV_EV_INTRODUCED && strcmp(a->version, "0") == 0;
	bool b0 = b->kind == OSV_EV_INTRODUCED && strcmp(b->version, "0") == 0;
	bool ainf = a->kind == OSV_EV_LIMIT && strcmp(a->version, "*") == 0;
	bool binf = b->kind == OSV_EV_LIMIT && strcmp(b->version, "*") == 0;
	int r = 0;

	if (a0 || b0)
		r = a0 && b0 ? 0 : a0 ? -1 : 1;
	else if (ainf || binf)
		r = ainf && binf ? 0 : ainf ? 1 : -1;
	else if (ward_version_compare(scheme, osv_version_for(scheme, a->version),
				      osv_version_for(scheme, b->version), &r, NULL) < 0)
		r = 0; /* not reached: every version was checked */
	if (r)
		return r;
	return (int)(strchr(order, a->kind) - order) - (int)(strchr(order, b->kind) - order);
}

static int
event_qcmp(const void *a, const void *b, void *scheme)
{
	return event_cmp(*(enum ward_version_scheme *)scheme, a, b);
}

/* One range; *ret->type 0 when it is dropped (GIT, or a version its order
 * refuses). */
static int
parse_range(struct pctx *c, json_t *rj, const char *at, const struct ward_ecosystem *eco,
	    struct osv_range *ret)
{
	static const char *const kinds[] = {"introduced", "fixed", "last_affected", "limit"};
	static const char kind_codes[] = {OSV_EV_INTRODUCED, OSV_EV_FIXED, OSV_EV_LAST_AFFECTED,
					  OSV_EV_LIMIT};
	const char *type = NULL, *repo = NULL;
	json_t *events, *e, *dbs;
	bool has_intro = false, has_fixed = false, has_last = false, git;
	enum ward_version_scheme scheme;
	size_t i;
	int r;

	*ret = (struct osv_range){0};
	if (!json_is_object(rj))
		return bad(c, at, "expected an object, got %s", ward_json_type_name(rj));
	if ((r = member_str(c, rj, at, "type", &type)) < 0 ||
	    (r = member_str(c, rj, at, "repo", &repo)) < 0 ||
	    (r = member(c, rj, at, "database_specific", T_OBJ, &dbs)) < 0 ||
	    (r = member(c, rj, at, "events", T_ARR, &events)) < 0)
		return r;
	if (!type)
		return bad(c, at, "type missing (required)");
	git = strcmp(type, "GIT") == 0;
	if (!git && strcmp(type, "SEMVER") != 0 && strcmp(type, "ECOSYSTEM") != 0)
		return bad(c, at, "type '%.32s' is not GIT, SEMVER or ECOSYSTEM", type);
	if (!events || json_array_size(events) == 0)
		return bad(c, at, "events missing or empty (required)");
	ret->type = strcmp(type, "SEMVER") == 0 ? OSV_RANGE_SEMVER : OSV_RANGE_ECOSYSTEM;
	scheme = ret->type == OSV_RANGE_SEMVER ? WARD_VERSION_SEMVER
		 : eco			       ? eco->scheme
					       : WARD_VERSION_SEMVER;
	ret->events = calloc(json_array_size(events), sizeof(*ret->events));
	if (!ret->events)
		return ward_error_set(c->err, ENOMEM, "%s", c->name);
	json_array_foreach(events, i, e) {
		char eat[288];
		int found = -1;

		(void)snprintf(eat, sizeof(eat), "%s.events[%zu]", at, i);
		if (!json_is_object(e))
			return bad(c, eat, "expected an object, got %s", ward_json_type_name(e));
		for (int k = 0; k < 4; k++) {
			json_t *v = json_object_get(e, kinds[k]);
			if (!v)
				continue;
			if (!json_is_string(v))
				return bad(c, eat, "%s: expected a string, got %s", kinds[k],
					   ward_json_type_name(v));
			/* {"introduced": "1", "fixed": "2"} in one event is
			 * ambiguous; the schema's oneOf refuses it. */
			if (found >= 0)
				return bad(c, eat, "both %s and %s in one event", kinds[found],
					   kinds[k]);
			found = k;
		}
		if (found < 0)
			return bad(c, eat, "none of introduced, fixed, last_affected, limit");
		has_intro |= found == 0;
		has_fixed |= found == 1;
		has_last |= found == 2;
		ret->events[ret->n_events++] = (struct osv_event){
			.kind = kind_codes[found],
			.version = json_string_value(json_object_get(e, kinds[found])),
		};
	}
	if (!has_intro)
		return bad(c, at, "no introduced event");
	if (has_fixed && has_last)
		return bad(c, at, "both fixed and last_affected events (the schema forbids it)");
	if (git) {
		if (!repo)
			return bad(c, at, "GIT range without repo");
		goto drop; /* commits need the repository's graph: not matched */
	}
	if (!eco)
		goto drop; /* checked, but ward has no order for its versions */
	for (i = 0; i < ret->n_events; i++) {
		const struct osv_event *ev = &ret->events[i];
		const char *v = ev->version;

		if ((ev->kind == OSV_EV_INTRODUCED && strcmp(v, "0") == 0) ||
		    (ev->kind == OSV_EV_LIMIT && strcmp(v, "*") == 0))
			continue;
		if (has_ctl(v) || !ward_version_valid(scheme, osv_version_for(scheme, v))) {
			osv_warn(c->w, "%s: %s: %s: '%.64s' is not a %s version: range dropped",
				 c->name, c->id, at, v, ward_version_scheme_name(scheme));
			goto drop;
		}
	}
	/* Sorted once here, so matching walks events in order (n log n even
	 * for a hostile range of WARD_OSV_ARRAY_MAX events). */
	qsort_r(ret->events, ret->n_events, sizeof(*ret->events), event_qcmp, &scheme);
	return 0;
drop:
	free(ret->events);
	*ret = (struct osv_range){0};
	return 0;
}

static void
affected_clear(struct osv_affected *a)
{
	for (size_t i = 0; i < a->n_ranges; i++)
		free(a->ranges[i].events);
	free(a->ranges);
	free(a->versions);
	free(a->key);
	free(a->name);
	*a = (struct osv_affected){0};
}

/* One affected[] entry. *keep false when ward cannot match it. */
static int
parse_affected(struct pctx *c, json_t *aj, size_t idx, double rec_cvss, const char *rec_vector,
	       enum ward_severity rec_word, struct osv_affected *a, bool *keep)
{
	const char *eco = NULL, *name = NULL, *purl = NULL, *vector = NULL;
	json_t *pkg, *ranges, *eso, *dso, *rj;
	enum ward_severity word = WARD_SEV_UNKNOWN;
	double cvss = -1;
	char at[64], pat[96];
	bool supported;
	size_t i;
	int r;

	*a = (struct osv_affected){.cvss = -1};
	*keep = false;
	(void)snprintf(at, sizeof(at), "affected[%zu]", idx);
	if (!json_is_object(aj))
		return bad(c, at, "expected an object, got %s", ward_json_type_name(aj));
	if ((r = member(c, aj, at, "package", T_OBJ, &pkg)) < 0 ||
	    (r = member(c, aj, at, "ranges", T_ARR, &ranges)) < 0 ||
	    (r = member(c, aj, at, "ecosystem_specific", T_OBJ, &eso)) < 0 ||
	    (r = member(c, aj, at, "database_specific", T_OBJ, &dso)) < 0 ||
	    (r = str_array(c, aj, at, "versions", false, &a->versions, &a->n_versions)) < 0 ||
	    (r = severity_array(c, aj, at, &cvss, &vector, &word)) < 0)
		return r;
	if (!pkg)
		return 0; /* the schema lets it be absent: nothing to match by */
	(void)snprintf(pat, sizeof(pat), "%s.package", at);
	if ((r = member_str(c, pkg, pat, "ecosystem", &eco)) < 0 ||
	    (r = member_str(c, pkg, pat, "name", &name)) < 0 ||
	    (r = member_str(c, pkg, pat, "purl", &purl)) < 0)
		return r;
	if (!eco || !name)
		return bad(c, pat, "ecosystem and name are required");
	if (!*name || strlen(name) > OSV_NAME_MAX || has_ctl(name))
		return bad(c, pat, "name: not a package name (1-%d printable bytes)", OSV_NAME_MAX);
	a->ecosystem = eco;
	supported = !has_ctl(eco) && ward_ecosystem_lookup(eco, &a->eco, NULL, NULL) == 0;
	a->ranges = ranges ? calloc(json_array_size(ranges) + 1, sizeof(*a->ranges)) : NULL;
	if (ranges && !a->ranges)
		return ward_error_set(c->err, ENOMEM, "%s", c->name);
	/* Ranges are checked even for an ecosystem ward does not order, so a
	 * malformed record is refused the same way whatever it names. */
	json_array_foreach(ranges, i, rj) {
		char rat[96];

		(void)snprintf(rat, sizeof(rat), "%s.ranges[%zu]", at, i);
		if ((r = parse_range(c, rj, rat, supported ? &a->eco : NULL,
				     &a->ranges[a->n_ranges])) < 0) {
			a->n_ranges++; /* so affected_clear frees its events */
			return r;
		}
		if (a->ranges[a->n_ranges].type)
			a->n_ranges++;
	}
	if (!supported)
		return 0;
	for (i = 0; i < a->n_versions;) {
		if (strlen(a->versions[i]) > WARD_VERSION_MAX || has_ctl(a->versions[i])) {
			osv_warn(c->w, "%s: %s: %s.versions: '%.64s' is not a version: dropped",
				 c->name, c->id, at, a->versions[i]);
			memmove(&a->versions[i], &a->versions[i + 1],
				(a->n_versions - i - 1) * sizeof(char *));
			a->n_versions--;
			continue;
		}
		i++;
	}
	if (a->n_ranges == 0 && a->n_versions == 0)
		return 0;
	a->key = osv_ecosystem_key(eco);
	a->name = strcmp(a->eco.name, "PyPI") == 0 ? osv_pypi_normalize(name) : strdup(name);
	if (!a->key || !a->name)
		return ward_error_set(c->err, ENOMEM, "%s", c->name);
	/* Severity: a CVSS v3 score (the entry's, else the record's), else
	 * the words of the entry, else those of the record. */
	if (cvss < 0 && !vector) {
		cvss = rec_cvss;
		vector = rec_vector;
	}
	a->cvss = cvss;
	a->vector = vector;
	if (cvss >= 0) {
		a->severity = ward_cvss_severity(cvss);
	} else {
		enum ward_severity s1 = words_in(eso), s2 = words_in(dso);
		a->severity = word;
		if (s1 > a->severity)
			a->severity = s1;
		if (s2 > a->severity)
			a->severity = s2;
		if (a->severity == WARD_SEV_UNKNOWN)
			a->severity = rec_word;
	}
	*keep = true;
	return 0;
}

void
osv_record_clear(struct osv_record *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n_affected; i++)
		affected_clear(&rec->affected[i]);
	free(rec->affected);
	free(rec->aliases);
	if (rec->json)
		json_decref(rec->json);
	*rec = (struct osv_record){0};
}

static int
parse_record(struct pctx *c, json_t *j, struct osv_record *rec)
{
	static const char *const typed_arrays[] = {"references", "credits"};
	const char *id = NULL, *schema_version = NULL;
	json_t *affected, *dbs, *aj, *tmp;
	enum ward_severity rec_word = WARD_SEV_UNKNOWN;
	const char *rec_vector = NULL;
	double rec_cvss = -1;
	size_t i;
	int r;

	if (!json_is_object(j))
		return bad(c, "", "not an OSV record: expected an object, got %s",
			   ward_json_type_name(j));
	if ((r = member_str(c, j, "", "id", &id)) < 0)
		return r;
	if (!id)
		return bad(c, "id", "missing (required)");
	if (!*id || strlen(id) > OSV_ID_MAX || has_ctl(id))
		return bad(c, "id", "not an id (1-%d printable bytes)", OSV_ID_MAX);
	rec->id = c->id = id;
	if ((r = timestamp(c, j, "modified", true, &rec->modified)) < 0 ||
	    (r = timestamp(c, j, "published", false, &rec->published)) < 0 ||
	    (r = timestamp(c, j, "withdrawn", false, &rec->withdrawn)) < 0 ||
	    (r = member_str(c, j, "", "schema_version", &schema_version)) < 0 ||
	    (r = member_str(c, j, "", "summary", &rec->summary)) < 0 ||
	    (r = member_str(c, j, "", "details", &rec->details)) < 0 ||
	    (r = str_array(c, j, "", "aliases", true, &rec->aliases, &rec->n_aliases)) < 0 ||
	    (r = str_array(c, j, "", "upstream", true, &rec->aliases, &rec->n_aliases)) < 0 ||
	    (r = str_array(c, j, "", "related", false, NULL, NULL)) < 0 ||
	    (r = member(c, j, "", "database_specific", T_OBJ, &dbs)) < 0 ||
	    (r = member(c, j, "", "affected", T_ARR, &affected)) < 0 ||
	    (r = severity_array(c, j, "", &rec_cvss, &rec_vector, &rec_word)) < 0)
		return r;
	for (i = 0; i < WARD_ARRAY_SIZE(typed_arrays); i++) {
		json_t *e;
		size_t k;
		if ((r = member(c, j, "", typed_arrays[i], T_ARR, &tmp)) < 0)
			return r;
		json_array_foreach(tmp, k, e) {
			if (!json_is_object(e)) {
				char at[64];
				(void)snprintf(at, sizeof(at), "%s[%zu]", typed_arrays[i], k);
				return bad(c, at, "expected an object, got %s",
					   ward_json_type_name(e));
			}
		}
	}
	/* Drop the record's own id from aliases and upstream (some feeds list
	 * it), and duplicates: merging counts on distinct ids. */
	for (i = 0; i < rec->n_aliases;) {
		bool dup = strcmp(rec->aliases[i], id) == 0;
		for (size_t k = 0; !dup && k < i; k++)
			dup = strcmp(rec->aliases[k], rec->aliases[i]) == 0;
		if (dup) {
			memmove(&rec->aliases[i], &rec->aliases[i + 1],
				(rec->n_aliases - i - 1) * sizeof(char *));
			rec->n_aliases--;
			continue;
		}
		i++;
	}
	if (rec_word == WARD_SEV_UNKNOWN)
		rec_word = words_in(dbs);
	if (!affected)
		return 0;
	rec->affected = calloc(json_array_size(affected) + 1, sizeof(*rec->affected));
	if (!rec->affected)
		return ward_error_set(c->err, ENOMEM, "%s", c->name);
	json_array_foreach(affected, i, aj) {
		struct osv_affected *a = &rec->affected[rec->n_affected];
		bool keep;

		r = parse_affected(c, aj, i, rec_cvss, rec_vector, rec_word, a, &keep);
		if (r < 0 || !keep)
			affected_clear(a);
		if (r < 0)
			return r;
		if (keep)
			rec->n_affected++;
	}
	return 0;
}

/* ward_json_parse's checks (depth, embedded NULs, duplicate keys) without
 * formatting a path for every node: that costs a fifth of an import. Only
 * a document that fails is parsed again by ward_json_parse, for its
 * message naming the member. */
static bool
tree_ok(const json_t *j, int depth)
{
	const char *key;
	json_t *v;
	size_t i;

	if (depth > WARD_JSON_MAX_DEPTH)
		return false;
	if (json_is_string(j))
		return strlen(json_string_value(j)) == json_string_length(j);
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v) {
			if (!tree_ok(v, depth + 1))
				return false;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (!tree_ok(v, depth + 1))
				return false;
		}
	}
	return true;
}

static int
parse_json(const char *buf, size_t len, const char *name, json_t **ret, struct ward_error **err)
{
	json_t *j;

	if (!memchr(buf, '\0', len) &&
	    (j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL))) {
		if (tree_ok(j, 0)) {
			*ret = j;
			return 0;
		}
		json_decref(j);
	}
	if (ward_json_parse(buf, len, name, &j, err) == 0) {
		/* Not reached: both refuse the same documents. */
		json_decref(j);
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: refused", name);
	}
	return -EINVAL;
}

int
osv_parse(const char *buf, size_t len, const char *name, struct osv_record *ret,
	  struct osv_warnings *w, struct ward_error **err)
{
	struct osv_record rec = {0};
	struct pctx c = {.name = name, .w = w, .err = err};
	int r;

	if (len > WARD_OSV_RECORD_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s: %zu bytes, larger than the %u an OSV record may have",
				       name, len, WARD_OSV_RECORD_MAX);
	r = parse_json(buf, len, name, &rec.json, err);
	if (r < 0) {
		if (err && *err)
			(*err)->kind = WARD_E_INVALID;
		return r;
	}
	r = parse_record(&c, rec.json, &rec);
	if (r < 0) {
		osv_record_clear(&rec);
		return r;
	}
	*ret = rec;
	return 0;
}

/* ---- storage form of ranges --------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
sb_add(struct sbuf *b, char tag, const char *v)
{
	size_t n = strlen(v), need = b->len + n + 4;

	if (b->oom)
		return;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		char *np;
		while (cap < need)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	if (b->len)
		b->p[b->len++] = '\n';
	b->p[b->len++] = tag;
	b->p[b->len++] = ':';
	memcpy(b->p + b->len, v, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *
osv_ranges_encode(const struct osv_affected *a)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < a->n_ranges; i++) {
		const struct osv_range *rg = &a->ranges[i];
		enum ward_version_scheme scheme = osv_range_scheme(rg->type, &a->eco);
		sb_add(&b, 'R', rg->type == OSV_RANGE_SEMVER ? "S" : "E");
		for (size_t k = 0; k < rg->n_events; k++)
			sb_add(&b, rg->events[k].kind,
			       osv_version_for(scheme, rg->events[k].version));
	}
	for (size_t i = 0; i < a->n_versions; i++)
		sb_add(&b, 'v', a->versions[i]);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}
