/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers-registries.d(5): where the GPG signatures of a registry's
 * images are read from (lookaside) and written to (lookaside-staging), and
 * whether cosign attachments are used, per registry and namespace. Parsed
 * with libyaml's event API against the fixed schema, so nothing outside it
 * is ever built: anchors, aliases (the "billion laughs") and tags are
 * refused, nesting cannot exceed the schema's three levels, files and
 * scopes are counted. Semantics as containers/image's docker/registries_d.go:
 * one directory, every *.yaml in it merged, a scope defined twice is an
 * error, and each setting comes from the most specific scope that sets it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

/* containers/image's default when no scope sets a lookaside (for root),
 * where skopeo and podman write signatures by default. */
#define LOOKASIDE_BUILTIN "file:///var/lib/containers/sigstore"

struct rd_ns {
	char *lookaside, *lookaside_staging, *sigstore, *sigstore_staging;
	int use_attachments; /* -1: not set */
};

struct rd_scope {
	char *name;
	char *file;
	struct rd_ns ns;
};

struct ward_registries_d {
	char *dir;
	bool has_default;
	char *default_file;
	struct rd_ns def;
	struct rd_scope *scopes; /* sorted by name once loading is done */
	size_t n_scopes;
	bool sorted;
};

static void
ns_clear(struct rd_ns *ns)
{
	free(ns->lookaside);
	free(ns->lookaside_staging);
	free(ns->sigstore);
	free(ns->sigstore_staging);
	*ns = (struct rd_ns){.use_attachments = -1};
}

void
ward_registries_d_free(struct ward_registries_d *c)
{
	if (!c)
		return;
	ns_clear(&c->def);
	free(c->default_file);
	for (size_t i = 0; i < c->n_scopes; i++) {
		free(c->scopes[i].name);
		free(c->scopes[i].file);
		ns_clear(&c->scopes[i].ns);
	}
	free(c->scopes);
	free(c->dir);
	free(c);
}

const char *
ward_registries_d_dir(const struct ward_registries_d *c)
{
	return c->dir;
}

void
ward_registries_d_entry_clear(struct ward_registries_d_entry *e)
{
	if (!e)
		return;
	free(e->lookaside);
	free(e->lookaside_staging);
	*e = (struct ward_registries_d_entry){0};
}

static struct ward_registries_d *
rd_new(void)
{
	struct ward_registries_d *c = calloc(1, sizeof(*c));

	if (c)
		c->def.use_attachments = -1;
	return c;
}

/* ---- the YAML event stream -------------------------------------------------- */

struct yp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have;
	const char *name;
	struct ward_error **err;
};

static unsigned
ev_line(const struct yp *y)
{
	return (unsigned)y->ev.start_mark.line + 1;
}

__attribute__((format(printf, 3, 4))) static int
yerr(struct yp *y, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ward_error_setk(y->err, WARD_E_INVALID, 0, "%s:%u: %s", y->name, line, msg);
}

static int
next(struct yp *y)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = false;
	if (!yaml_parser_parse(&y->parser, &y->ev))
		return yerr(y, (unsigned)y->parser.problem_mark.line + 1, "%s",
			    y->parser.problem ? y->parser.problem : "YAML syntax error");
	y->have = true;
	switch (y->ev.type) {
	case YAML_ALIAS_EVENT:
		return yerr(y, ev_line(y), "aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = y->ev.data.scalar.anchor;
		tag = y->ev.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = y->ev.data.sequence_start.anchor;
		tag = y->ev.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = y->ev.data.mapping_start.anchor;
		tag = y->ev.data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor)
		return yerr(y, ev_line(y), "anchors are not allowed");
	if (tag)
		return yerr(y, ev_line(y), "tags are not allowed");
	return 0;
}

static const char *
scalar(const struct yp *y)
{
	return (const char *)y->ev.data.scalar.value;
}

/* An unquoted "", "~", "null" (or Null/NULL): YAML's null. */
static bool
is_null(const struct yp *y)
{
	const char *s = scalar(y);

	return y->ev.type == YAML_SCALAR_EVENT &&
	       y->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
		!strcmp(s, "NULL"));
}

static const char *
ev_name(const struct yp *y)
{
	switch (y->ev.type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SCALAR_EVENT:
		return "a scalar";
	default:
		return "something else";
	}
}

/* ---- values ------------------------------------------------------------------- */

/* A lookaside URL: file:///abs/path, http://host/..., https://host/... */
static int
check_url(struct yp *y, unsigned line, const char *key, const char *u)
{
	const char *rest;

	if (strlen(u) > WARD_REGISTRIES_D_URL_MAX)
		return yerr(y, line, "%s: URL longer than %u bytes", key,
			    WARD_REGISTRIES_D_URL_MAX);
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return yerr(y, line, "%s: URL contains whitespace or a control character",
				    key);
	if (!strncmp(u, "file://", 7)) {
		rest = u + 7;
		/* file://host/... would name another machine's path; only the
		 * local, absolute form is meant. */
		if (rest[0] != '/')
			return yerr(y, line, "%s: '%s': a file URL must be file:///absolute/path",
				    key, u);
		return 0;
	}
	if (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8)) {
		rest = strstr(u, "://") + 3;
		if (!*rest || *rest == '/')
			return yerr(y, line, "%s: '%s' has no host", key, u);
		return 0;
	}
	return yerr(y, line, "%s: '%s': the URL scheme must be file, http or https", key, u);
}

static int
set_string(struct yp *y, const char *key, char **dst)
{
	int r;

	r = next(y);
	if (r < 0)
		return r;
	if (y->ev.type != YAML_SCALAR_EVENT)
		return yerr(y, ev_line(y), "%s: expected a string, got %s", key, ev_name(y));
	if (is_null(y))
		return 0; /* "" means not set, as in containers/image */
	r = check_url(y, ev_line(y), key, scalar(y));
	if (r < 0)
		return r;
	*dst = strdup(scalar(y));
	return *dst ? 0 : ward_error_set(y->err, ENOMEM, "%s", y->name);
}

static int
parse_ns(struct yp *y, struct rd_ns *ns)
{
	bool seen[5] = {false};
	static const char *const keys[] = {"lookaside", "lookaside-staging", "sigstore",
					   "sigstore-staging", "use-sigstore-attachments"};
	int r;

	r = next(y);
	if (r < 0)
		return r;
	if (is_null(y))
		return 0;
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return yerr(y, ev_line(y), "expected a mapping of lookaside settings, got %s",
			    ev_name(y));
	for (;;) {
		size_t k;

		r = next(y);
		if (r < 0)
			return r;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return yerr(y, ev_line(y), "expected a key, got %s", ev_name(y));
		for (k = 0; k < WARD_ARRAY_SIZE(keys); k++)
			if (!strcmp(scalar(y), keys[k]))
				break;
		if (k == WARD_ARRAY_SIZE(keys))
			return yerr(y, ev_line(y), "unknown key \"%.128s\"", scalar(y));
		if (seen[k])
			return yerr(y, ev_line(y), "\"%s\" given twice", keys[k]);
		seen[k] = true;
		switch (k) {
		case 0:
			r = set_string(y, keys[k], &ns->lookaside);
			break;
		case 1:
			r = set_string(y, keys[k], &ns->lookaside_staging);
			break;
		case 2:
			r = set_string(y, keys[k], &ns->sigstore);
			break;
		case 3:
			r = set_string(y, keys[k], &ns->sigstore_staging);
			break;
		default:
			r = next(y);
			if (r < 0)
				return r;
			/* YAML 1.2 booleans only: "yes" and quoted "true" are
			 * strings to other readers and refused here. */
			if (y->ev.type != YAML_SCALAR_EVENT ||
			    y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
				return yerr(y, ev_line(y), "%s: expected true or false", keys[k]);
			if (!strcmp(scalar(y), "true") || !strcmp(scalar(y), "True") ||
			    !strcmp(scalar(y), "TRUE"))
				ns->use_attachments = 1;
			else if (!strcmp(scalar(y), "false") || !strcmp(scalar(y), "False") ||
				 !strcmp(scalar(y), "FALSE"))
				ns->use_attachments = 0;
			else
				return yerr(y, ev_line(y),
					    "%s: expected true or false, got "
					    "\"%.64s\"",
					    keys[k], scalar(y));
			break;
		}
		if (r < 0)
			return r;
	}
}

static struct rd_scope *
find(const struct ward_registries_d *c, const char *name)
{
	for (size_t i = 0; i < c->n_scopes; i++)
		if (!strcmp(c->scopes[i].name, name))
			return &c->scopes[i];
	return NULL;
}

static int
parse_docker(struct yp *y, struct ward_registries_d *c)
{
	int r;

	r = next(y);
	if (r < 0)
		return r;
	if (is_null(y))
		return 0;
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return yerr(y, ev_line(y), "docker: expected a mapping of scopes, got %s",
			    ev_name(y));
	for (;;) {
		struct ward_error *e = NULL;
		struct rd_scope *s, *nv;
		unsigned line;

		r = next(y);
		if (r < 0)
			return r;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		line = ev_line(y);
		if (y->ev.type != YAML_SCALAR_EVENT || !*scalar(y))
			return yerr(y, line, "docker: expected a scope name");
		if (strlen(scalar(y)) > WARD_POLICY_SCOPE_MAX)
			return yerr(y, line, "docker: scope longer than %u bytes",
				    WARD_POLICY_SCOPE_MAX);
		r = policy_check_docker_scope(scalar(y), &e);
		if (r < 0) {
			r = yerr(y, line, "docker: \"%.256s\": %s", scalar(y), e->msg);
			ward_error_free(e);
			return r;
		}
		if ((s = find(c, scalar(y))))
			return yerr(y, line, "docker: scope \"%.256s\" is already defined in %s",
				    scalar(y), s->file);
		if (c->n_scopes >= WARD_REGISTRIES_D_SCOPES_MAX)
			return yerr(y, line, "docker: more than %u scopes",
				    WARD_REGISTRIES_D_SCOPES_MAX);
		nv = realloc(c->scopes, (c->n_scopes + 1) * sizeof(*nv));
		if (!nv)
			return ward_error_set(y->err, ENOMEM, "%s", y->name);
		c->scopes = nv;
		s = &nv[c->n_scopes];
		*s = (struct rd_scope){.ns.use_attachments = -1};
		s->name = strdup(scalar(y));
		s->file = strdup(y->name);
		c->n_scopes++;
		if (!s->name || !s->file)
			return ward_error_set(y->err, ENOMEM, "%s", y->name);
		r = parse_ns(y, &s->ns);
		if (r < 0)
			return r;
	}
}

static int
parse_document(struct yp *y, struct ward_registries_d *c)
{
	bool seen_default = false, seen_docker = false;
	int r;

	r = next(y);
	if (r < 0)
		return r;
	if (is_null(y))
		return 0;
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return yerr(y, ev_line(y), "expected a mapping (default-docker:, docker:), got %s",
			    ev_name(y));
	for (;;) {
		unsigned line;

		r = next(y);
		if (r < 0)
			return r;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		line = ev_line(y);
		if (y->ev.type != YAML_SCALAR_EVENT)
			return yerr(y, line, "expected a key, got %s", ev_name(y));
		if (!strcmp(scalar(y), "default-docker")) {
			struct rd_ns ns = {.use_attachments = -1};

			if (seen_default)
				return yerr(y, line, "\"default-docker\" given twice");
			seen_default = true;
			r = parse_ns(y, &ns);
			if (r < 0) {
				ns_clear(&ns);
				return r;
			}
			if (c->has_default) {
				ns_clear(&ns);
				return yerr(y, line, "\"default-docker\" is already defined in %s",
					    c->default_file);
			}
			c->def = ns;
			c->has_default = true;
			c->default_file = strdup(y->name);
			if (!c->default_file)
				return ward_error_set(y->err, ENOMEM, "%s", y->name);
		} else if (!strcmp(scalar(y), "docker")) {
			if (seen_docker)
				return yerr(y, line, "\"docker\" given twice");
			seen_docker = true;
			r = parse_docker(y, c);
			if (r < 0)
				return r;
		} else {
			return yerr(y, line,
				    "unknown key \"%.128s\" (want default-docker or docker)",
				    scalar(y));
		}
	}
}

int
ward_registries_d_parse(const char *buf, size_t len, const char *name,
			struct ward_registries_d **cfg, struct ward_error **err)
{
	struct ward_registries_d *created = NULL;
	struct yp y = {.name = name, .err = err};
	int r;

	if (len > WARD_REGISTRIES_D_FILE_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "%s: larger than %u bytes", name,
				       WARD_REGISTRIES_D_FILE_MAX);
	if (memchr(buf, '\0', len))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: contains a NUL byte", name);
	if (!*cfg) {
		created = rd_new();
		if (!created)
			return ward_error_set(err, ENOMEM, "%s", name);
		*cfg = created;
	}
	if (!yaml_parser_initialize(&y.parser)) {
		r = ward_error_set(err, ENOMEM, "%s", name);
		goto out;
	}
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)buf, len);
	r = next(&y);
	if (r < 0)
		goto done;
	if (y.ev.type != YAML_STREAM_START_EVENT) {
		r = yerr(&y, ev_line(&y), "not a YAML stream");
		goto done;
	}
	r = next(&y);
	if (r < 0 || y.ev.type == YAML_STREAM_END_EVENT)
		goto done; /* nothing but comments: an empty configuration */
	if (y.ev.type != YAML_DOCUMENT_START_EVENT) {
		r = yerr(&y, ev_line(&y), "expected a document");
		goto done;
	}
	r = parse_document(&y, *cfg);
	if (r < 0)
		goto done;
	r = next(&y);
	if (r < 0)
		goto done;
	if (y.ev.type != YAML_DOCUMENT_END_EVENT) {
		r = yerr(&y, ev_line(&y), "unexpected content after the document");
		goto done;
	}
	r = next(&y);
	if (r >= 0 && y.ev.type != YAML_STREAM_END_EVENT)
		r = yerr(&y, ev_line(&y), "more than one YAML document");
done:
	if (y.have)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.parser);
out:
	if (r < 0 && created) {
		ward_registries_d_free(created);
		*cfg = NULL;
	}
	return r < 0 ? r : 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ward_registries_d_load(const char *const *dirs, struct ward_registries_d **ret,
		       struct ward_error **err)
{
	static const char *const defaults[] = {WARD_REGISTRIES_D_PATH,
					       WARD_REGISTRIES_D_CONTAINERS_PATH, NULL};
	struct ward_registries_d *c = NULL;
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	DIR *d = NULL;
	const char *dir = NULL;
	struct dirent *de;
	int r = 0;

	if (!dirs)
		dirs = defaults;
	for (size_t i = 0; dirs[i]; i++) {
		d = opendir(dirs[i]);
		if (d) {
			dir = dirs[i];
			break;
		}
		/* Only a missing directory falls through to the next one. */
		if (errno != ENOENT)
			return ward_error_set(err, errno, "open '%s'", dirs[i]);
	}
	c = rd_new();
	if (!c || (dir && !(c->dir = strdup(dir)))) {
		r = ward_error_set(err, ENOMEM, "registries.d");
		goto fail;
	}
	if (!d) {
		*ret = c;
		return 0;
	}
	names = calloc(WARD_REGISTRIES_D_FILES_MAX + 1, sizeof(*names));
	if (!names) {
		r = ward_error_set(err, ENOMEM, "registries.d");
		goto fail;
	}
	while ((errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0)
			continue;
		if (n >= WARD_REGISTRIES_D_FILES_MAX) {
			r = ward_error_setk(err, WARD_E_INVALID, E2BIG,
					    "%s: more than %u *.yaml files", dir,
					    WARD_REGISTRIES_D_FILES_MAX);
			goto fail;
		}
		names[n] = ward_strdup_printf("%s/%s", dir, de->d_name);
		if (!names[n++]) {
			r = ward_error_set(err, ENOMEM, "registries.d");
			goto fail;
		}
	}
	if (errno) {
		r = ward_error_set(err, errno, "read directory '%s'", dir);
		goto fail;
	}
	/* Name order, so which file an error names does not depend on the
	 * file system's order. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		r = policy_read_file(names[i], WARD_REGISTRIES_D_FILE_MAX, &buf, &len, err);
		if (r < 0)
			goto fail;
		r = ward_registries_d_parse(buf, len, names[i], &c, err);
		if (r < 0)
			goto fail;
	}
	closedir(d);
	*ret = c;
	return 0;
fail:
	if (d)
		closedir(d);
	ward_registries_d_free(c);
	return r;
}

/* ---- lookup ------------------------------------------------------------------- */

static const char *
ns_read(const struct rd_ns *ns)
{
	return ns->lookaside ? ns->lookaside : ns->sigstore;
}

static const char *
ns_write(const struct rd_ns *ns)
{
	if (ns->lookaside_staging)
		return ns->lookaside_staging;
	if (ns->sigstore_staging)
		return ns->sigstore_staging;
	return ns_read(ns);
}

int
ward_registries_d_lookup(const struct ward_registries_d *c, const char *docker_reference,
			 struct ward_registries_d_entry *ret, struct ward_error **err)
{
	_cleanup_strv_ char **cand = NULL;
	const char *rd = NULL, *wr = NULL;
	int attach = -1, r;

	r = policy_docker_candidates(docker_reference, &cand, err);
	if (r < 0)
		return ward_error_wrap(err, "registries.d");
	/* Each setting independently from the most specific scope that has it. */
	for (size_t i = 0; cand[i]; i++) {
		const struct rd_scope *s = find(c, cand[i]);

		if (!s)
			continue;
		if (!rd)
			rd = ns_read(&s->ns);
		if (!wr)
			wr = ns_write(&s->ns);
		if (attach < 0)
			attach = s->ns.use_attachments;
	}
	if (c->has_default) {
		if (!rd)
			rd = ns_read(&c->def);
		if (!wr)
			wr = ns_write(&c->def);
		if (attach < 0)
			attach = c->def.use_attachments;
	}
	*ret = (struct ward_registries_d_entry){
		.lookaside = strdup(rd ? rd : LOOKASIDE_BUILTIN),
		.lookaside_staging = strdup(wr ? wr : LOOKASIDE_BUILTIN),
		.use_sigstore_attachments = attach > 0,
		.builtin_default = !rd,
	};
	if (!ret->lookaside || !ret->lookaside_staging) {
		ward_registries_d_entry_clear(ret);
		return ward_error_set(err, ENOMEM, "registries.d");
	}
	return 0;
}

/* ---- lookaside layout ------------------------------------------------------------ */

int
ward_lookaside_url(const char *base, const char *docker_reference, const struct ward_digest *digest,
		   unsigned index, char **ret, struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	struct ward_digest d;
	size_t bl;
	int r;

	if (!base || !*base)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "lookaside: no base URL");
	if (index == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "lookaside: signatures are numbered from 1");
	/* Revalidate: the hex goes into a path, and "../" must never. */
	r = ward_digest_parse(digest ? digest->s : "", &d, err);
	if (r < 0)
		return ward_error_wrap(err, "lookaside");
	r = ward_ref_parse(docker_reference, &ref, err);
	if (r < 0)
		return ward_error_wrap(err, "lookaside");
	bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	*ret = ward_strdup_printf("%.*s/%s@sha256=%s/signature-%u", (int)bl, base, ref->repository,
				  ward_digest_hex(&d), index);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "lookaside");
}

int
ward_lookaside_path(const char *base, const char *docker_reference,
		    const struct ward_digest *digest, unsigned index, char **ret,
		    struct ward_error **err)
{
	const char *p;

	if (!base || strncmp(base, "file://", 7) != 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "lookaside '%s' is not a file:// URL", base ? base : "");
	p = base + 7;
	/* The path is used as is, so it must say exactly one place: absolute,
	 * no "." or ".." components (a lookaside of "file:///srv/sigs/../../etc"
	 * would write outside it), no percent-escapes to decode differently. */
	if (p[0] != '/' || strchr(p, '%'))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "lookaside '%s': want file:///absolute/path without "
				       "percent-escapes",
				       base);
	for (const char *s = p; (s = strchr(s, '/')); s++)
		if ((s[1] == '.' && (s[2] == '/' || s[2] == '\0')) ||
		    (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0')))
			return ward_error_setk(err, WARD_E_INVALID, EINVAL,
					       "lookaside '%s': \".\" or \"..\" in the path", base);
	return ward_lookaside_url(p, docker_reference, digest, index, ret, err);
}
