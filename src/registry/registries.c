/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.conf (containers-registries.conf(5), the TOML "v2" format),
 * the subset ward needs to resolve short names:
 *
 *   unqualified-search-registries = ["a.io", "b.io:5000"]
 *   short-name-mode = "enforcing" | "permissive" | "disabled"
 *   [aliases]  "name" = "host/repo"
 *   [[registry]]  prefix, location, insecure, blocked
 *
 * Values are basic or literal one-line strings, arrays of them (over
 * several lines, with comments and a trailing comma), booleans and
 * integers; other top-level keys are parsed and ignored (credential-helpers
 * ...). Anything else (inline tables, multi-line strings, [[registry.mirror]],
 * the v1 [registries.search] tables) is an error naming file and line, never
 * a silent misreading. The file may be written by anyone who can edit /etc
 * or set WARD_REGISTRIES_CONF: every size and count is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ward/registry.h>

#define STRING_MAX 4096
#define KEY_MAX 128

struct parser {
	const char *p, *end;
	unsigned line;
	const char *file;
	struct ward_registries_conf *c;
	enum { SEC_TOP, SEC_ALIASES, SEC_REGISTRY } sec;
	struct ward_error **err;
};

void
ward_registries_conf_free(struct ward_registries_conf *c)
{
	if (!c)
		return;
	ward_strv_free(c->search);
	for (size_t i = 0; i < c->n_aliases; i++) {
		free(c->aliases[i].name);
		free(c->aliases[i].value);
	}
	free(c->aliases);
	for (size_t i = 0; i < c->n_registries; i++) {
		free(c->registries[i].prefix);
		free(c->registries[i].location);
	}
	free(c->registries);
	free(c->path);
	free(c);
}

const char *
ward_short_name_mode_name(enum ward_short_name_mode m)
{
	switch (m) {
	case WARD_SHORT_NAME_PERMISSIVE:
		return "permissive";
	case WARD_SHORT_NAME_DISABLED:
		return "disabled";
	case WARD_SHORT_NAME_ENFORCING:
		break;
	}
	return "enforcing";
}

/* ---- lexer ---------------------------------------------------------------- */

static int
fail(struct parser *ps, const char *what)
{
	return ward_error_setk(ps->err, WARD_E_INVALID, 0, "%s:%u: %s", ps->file, ps->line, what);
}

/* Spaces, tabs; with nl also newlines and comments (inside arrays). */
static void
skip_ws(struct parser *ps, bool nl)
{
	while (ps->p < ps->end) {
		char ch = *ps->p;
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			ps->p++;
		} else if (nl && ch == '\n') {
			ps->line++;
			ps->p++;
		} else if (nl && ch == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
}

/* After a statement: only a comment may follow on the line. */
static int
end_of_line(struct parser *ps)
{
	skip_ws(ps, false);
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
	if (ps->p < ps->end && *ps->p != '\n')
		return fail(ps, "unexpected text after the value (one key = value per line)");
	return 0;
}

static int
append_char(struct parser *ps, char *buf, size_t *n, char ch)
{
	if (*n + 1 >= STRING_MAX)
		return fail(ps, "string longer than 4096 bytes");
	buf[(*n)++] = ch;
	return 0;
}

/* "basic" (escapes \" \\ \t \n \r \/ only) or 'literal', on one line. A
 * control character in a string would end up in log lines and host names. */
static int
parse_string(struct parser *ps, char **ret)
{
	char quote = *ps->p, buf[STRING_MAX];
	size_t n = 0;
	int rc;

	if (ps->end - ps->p >= 3 && ps->p[1] == quote && ps->p[2] == quote)
		return fail(ps, "multi-line strings are not supported");
	ps->p++;
	for (;;) {
		char ch;
		if (ps->p >= ps->end || *ps->p == '\n')
			return fail(ps, "unterminated string");
		ch = *ps->p++;
		if (ch == quote)
			break;
		if ((unsigned char)ch < 0x20 && ch != '\t')
			return fail(ps, "control character in a string");
		if (ch == '\\' && quote == '"') {
			if (ps->p >= ps->end)
				return fail(ps, "unterminated string");
			switch (*ps->p++) {
			case '"':
				ch = '"';
				break;
			case '\\':
				ch = '\\';
				break;
			case '/':
				ch = '/';
				break;
			case 't':
				ch = '\t';
				break;
			default:
				return fail(ps,
					    "unsupported escape in a string (only \\\" \\\\ \\/ "
					    "\\t)");
			}
		}
		if ((rc = append_char(ps, buf, &n, ch)) < 0)
			return rc;
	}
	buf[n] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : ward_error_set(ps->err, ENOMEM, "%s", ps->file);
}

static bool
is_bare_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

static int
parse_key(struct parser *ps, char **ret)
{
	const char *b = ps->p;

	if (*ps->p == '"' || *ps->p == '\'')
		return parse_string(ps, ret);
	while (ps->p < ps->end && is_bare_key_char(*ps->p))
		ps->p++;
	if (ps->p == b)
		return fail(ps, "expected a key");
	if (ps->p - b > KEY_MAX)
		return fail(ps, "key longer than 128 bytes");
	if (ps->p < ps->end && *ps->p == '.')
		return fail(ps, "dotted keys are not supported");
	*ret = strndup(b, (size_t)(ps->p - b));
	return *ret ? 0 : ward_error_set(ps->err, ENOMEM, "%s", ps->file);
}

/* ---- values ---------------------------------------------------------------- */

enum vtype { V_STRING, V_ARRAY, V_BOOL, V_INT };

struct value {
	enum vtype type;
	char *s;
	char **v; /* V_ARRAY of strings, NULL-terminated */
	size_t n;
	bool b;
};

static void
value_clear(struct value *v)
{
	free(v->s);
	ward_strv_free(v->v);
	memset(v, 0, sizeof(*v));
}

static int
parse_array(struct parser *ps, struct value *v)
{
	int rc;

	ps->p++;
	v->type = V_ARRAY;
	v->v = calloc(1, sizeof(char *));
	if (!v->v)
		return ward_error_set(ps->err, ENOMEM, "%s", ps->file);
	for (;;) {
		char *s = NULL, **nv;
		skip_ws(ps, true);
		if (ps->p >= ps->end)
			return fail(ps, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != '"' && *ps->p != '\'')
			return fail(ps, "arrays may hold strings only");
		if (v->n >= WARD_REGISTRIES_MAX)
			return fail(ps, "array has too many entries");
		if ((rc = parse_string(ps, &s)) < 0)
			return rc;
		nv = realloc(v->v, (v->n + 2) * sizeof(char *));
		if (!nv) {
			free(s);
			return ward_error_set(ps->err, ENOMEM, "%s", ps->file);
		}
		v->v = nv;
		v->v[v->n++] = s;
		v->v[v->n] = NULL;
		skip_ws(ps, true);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
		else if (ps->p < ps->end && *ps->p != ']')
			return fail(ps, "expected ',' or ']' in the array");
	}
}

static int
parse_value(struct parser *ps, struct value *v)
{
	const char *b;

	memset(v, 0, sizeof(*v));
	if (ps->p >= ps->end || *ps->p == '\n')
		return fail(ps, "missing value");
	if (*ps->p == '"' || *ps->p == '\'') {
		v->type = V_STRING;
		return parse_string(ps, &v->s);
	}
	if (*ps->p == '[')
		return parse_array(ps, v);
	if (*ps->p == '{')
		return fail(ps, "inline tables are not supported");
	b = ps->p;
	while (ps->p < ps->end && is_bare_key_char(*ps->p))
		ps->p++;
	if (ps->p - b == 4 && !memcmp(b, "true", 4)) {
		v->type = V_BOOL;
		v->b = true;
		return 0;
	}
	if (ps->p - b == 5 && !memcmp(b, "false", 5)) {
		v->type = V_BOOL;
		return 0;
	}
	if (ps->p > b && ps->p - b <= 19) {
		bool digits = true;
		for (const char *q = (*b == '-' || *b == '+') ? b + 1 : b; q < ps->p; q++)
			digits = digits && *q >= '0' && *q <= '9';
		if (digits && ps->p > b + (*b == '-' || *b == '+')) {
			v->type = V_INT;
			return 0;
		}
	}
	return fail(ps, "unsupported value (want a string, an array of strings, true/false or "
			"an integer)");
}

/* ---- semantics ------------------------------------------------------------- */

/* host[:port] as unqualified-search-registries wants it: no path, no
 * scheme, nothing that could smuggle a URL. */
static bool
valid_host(const char *s)
{
	if (!*s || strlen(s) > WARD_REF_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_bare_key_char(*p) && *p != '.' && *p != ':')
			return false;
	if (s[0] == '-' || s[0] == '.' || s[0] == ':')
		return false;
	/* What ward_ref_parse takes for a registry: otherwise "myreg/app"
	 * would read back as a short name, not as host "myreg". */
	return strpbrk(s, ".:") || !strcmp(s, "localhost");
}

static int
want_type(struct parser *ps, const struct value *v, enum vtype t, const char *key)
{
	static const char *const names[] = {"a string", "an array of strings", "true or false",
					    "an integer"};
	if (v->type == t)
		return 0;
	return ward_error_setk(ps->err, WARD_E_INVALID, 0, "%s:%u: '%s' must be %s", ps->file,
			       ps->line, key, names[t]);
}

static int
set_top(struct parser *ps, const char *key, struct value *v)
{
	struct ward_registries_conf *c = ps->c;
	int rc;

	if (!strcmp(key, "unqualified-search-registries")) {
		if ((rc = want_type(ps, v, V_ARRAY, key)) < 0)
			return rc;
		if (c->search)
			return fail(ps, "unqualified-search-registries set twice");
		for (size_t i = 0; i < v->n; i++)
			if (!valid_host(v->v[i]))
				return ward_error_setk(ps->err, WARD_E_INVALID, 0,
						       "%s:%u: unqualified-search-registries: "
						       "'%s' is not a host[:port]",
						       ps->file, ps->line, v->v[i]);
		c->search = TAKE_PTR(v->v);
		c->n_search = v->n;
		c->search_line = ps->line;
		return 0;
	}
	if (!strcmp(key, "short-name-mode")) {
		if ((rc = want_type(ps, v, V_STRING, key)) < 0)
			return rc;
		if (!strcmp(v->s, "enforcing"))
			c->mode = WARD_SHORT_NAME_ENFORCING;
		else if (!strcmp(v->s, "permissive"))
			c->mode = WARD_SHORT_NAME_PERMISSIVE;
		else if (!strcmp(v->s, "disabled"))
			c->mode = WARD_SHORT_NAME_DISABLED;
		else
			return fail(ps, "short-name-mode must be \"enforcing\", \"permissive\" or "
					"\"disabled\"");
		return 0;
	}
	/* credential-helpers and friends: valid TOML ward has no use for. */
	return 0;
}

static int
set_alias(struct parser *ps, char *key, struct value *v)
{
	struct ward_registries_conf *c = ps->c;
	struct ward_registry_alias *na;
	int rc;

	if ((rc = want_type(ps, v, V_STRING, key)) < 0)
		return rc;
	for (size_t i = 0; i < c->n_aliases; i++)
		if (!strcmp(c->aliases[i].name, key))
			return fail(ps, "alias defined twice");
	if (c->n_aliases >= WARD_REGISTRIES_ALIASES_MAX)
		return fail(ps, "too many aliases");
	na = realloc(c->aliases, (c->n_aliases + 1) * sizeof(*na));
	if (!na)
		return ward_error_set(ps->err, ENOMEM, "%s", ps->file);
	c->aliases = na;
	na[c->n_aliases].name = strdup(key);
	na[c->n_aliases].value = TAKE_PTR(v->s);
	na[c->n_aliases].line = ps->line;
	if (!na[c->n_aliases].name) {
		free(na[c->n_aliases].value);
		return ward_error_set(ps->err, ENOMEM, "%s", ps->file);
	}
	c->n_aliases++;
	return 0;
}

static int
set_registry(struct parser *ps, const char *key, struct value *v)
{
	struct ward_registry_entry *e = &ps->c->registries[ps->c->n_registries - 1];
	int rc;

	if (!strcmp(key, "prefix") || !strcmp(key, "location")) {
		char **dst = key[0] == 'p' ? &e->prefix : &e->location;
		if ((rc = want_type(ps, v, V_STRING, key)) < 0)
			return rc;
		if (*dst)
			return fail(ps, "key set twice in this [[registry]]");
		*dst = TAKE_PTR(v->s);
		return 0;
	}
	if (!strcmp(key, "insecure") || !strcmp(key, "blocked")) {
		if ((rc = want_type(ps, v, V_BOOL, key)) < 0)
			return rc;
		*(key[0] == 'i' ? &e->insecure : &e->blocked) = v->b;
		return 0;
	}
	if (!strcmp(key, "mirror-by-digest-only"))
		return want_type(ps, v, V_BOOL, key);
	return ward_error_setk(ps->err, WARD_E_UNSUPPORTED, 0,
			       "%s:%u: [[registry]] key '%s' is not supported by ward", ps->file,
			       ps->line, key);
}

static int
parse_table_header(struct parser *ps)
{
	struct ward_registry_entry *ne;
	const char *b = ps->p, *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	size_t n = (size_t)((nl ? nl : ps->end) - b);
	int rc;

	if (n >= 12 && !memcmp(b, "[[registry]]", 12)) {
		ps->p += 12;
		if ((rc = end_of_line(ps)) < 0)
			return rc;
		if (ps->c->n_registries >= WARD_REGISTRIES_MAX)
			return fail(ps, "too many [[registry]] tables");
		ne = realloc(ps->c->registries, (ps->c->n_registries + 1) * sizeof(*ne));
		if (!ne)
			return ward_error_set(ps->err, ENOMEM, "%s", ps->file);
		ps->c->registries = ne;
		memset(&ne[ps->c->n_registries], 0, sizeof(*ne));
		ne[ps->c->n_registries++].line = ps->line;
		ps->sec = SEC_REGISTRY;
		return 0;
	}
	if (n >= 9 && !memcmp(b, "[aliases]", 9)) {
		ps->p += 9;
		ps->sec = SEC_ALIASES;
		return end_of_line(ps);
	}
	if (n >= 11 && !memcmp(b, "[registries", 11))
		return ward_error_setk(ps->err, WARD_E_UNSUPPORTED, 0,
				       "%s:%u: the v1 format ([registries.search]) is not "
				       "supported; use unqualified-search-registries = [...]",
				       ps->file, ps->line);
	return ward_error_setk(ps->err, WARD_E_UNSUPPORTED, 0,
			       "%s:%u: table '%.*s' is not supported by ward (only [aliases] and "
			       "[[registry]])",
			       ps->file, ps->line, (int)(n < 64 ? n : 64), b);
}

static int
parse_statement(struct parser *ps)
{
	_cleanup_free_ char *key = NULL;
	struct value v = {0};
	int rc;

	if (*ps->p == '[')
		return parse_table_header(ps);
	if ((rc = parse_key(ps, &key)) < 0)
		return rc;
	skip_ws(ps, false);
	if (ps->p >= ps->end || *ps->p != '=')
		return fail(ps, "expected '=' after the key");
	ps->p++;
	skip_ws(ps, false);
	unsigned line = ps->line; /* an array may span lines: report where it began */
	if ((rc = parse_value(ps, &v)) < 0) {
		value_clear(&v);
		return rc;
	}
	rc = end_of_line(ps);
	if (rc == 0) {
		unsigned save = ps->line;
		ps->line = line;
		rc = ps->sec == SEC_TOP	      ? set_top(ps, key, &v)
		     : ps->sec == SEC_ALIASES ? set_alias(ps, key, &v)
					      : set_registry(ps, key, &v);
		ps->line = save;
	}
	value_clear(&v);
	return rc;
}

int
ward_registries_conf_parse(const char *buf, size_t len, const char *name,
			   struct ward_registries_conf **ret, struct ward_error **err)
{
	struct ward_registries_conf *c;
	struct parser ps = {.p = buf, .end = buf + len, .line = 1, .file = name, .err = err};
	int rc = 0;

	if (len > WARD_REGISTRIES_CONF_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "%s: larger than %u bytes", name,
				       WARD_REGISTRIES_CONF_MAX);
	if (memchr(buf, '\0', len))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: contains a NUL byte", name);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(name))) {
		free(c);
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	ps.c = c;
	while (rc == 0) {
		skip_ws(&ps, true);
		if (ps.p >= ps.end)
			break;
		rc = parse_statement(&ps);
	}
	for (size_t i = 0; rc == 0 && i < c->n_registries; i++)
		if (!c->registries[i].prefix && !c->registries[i].location)
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "%s:%u: [[registry]] needs a prefix or a location",
					     name, c->registries[i].line);
	if (rc < 0) {
		ward_registries_conf_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}

int
ward_registries_conf_load(const char *path, struct ward_registries_conf **ret,
			  struct ward_error **err)
{
	const char *env = secure_getenv("WARD_REGISTRIES_CONF");
	bool is_default = !path && !(env && *env);
	const char *p = path ? path : !is_default ? env : WARD_REGISTRIES_CONF_DEFAULT;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = ward_fs_read_all(AT_FDCWD, p, WARD_REGISTRIES_CONF_MAX, &buf, &len, err);
	if (rc == -ENOENT && is_default) {
		/* No system file: no search registries, short names refused. */
		if (err)
			ward_error_freep(err);
		return ward_registries_conf_parse("", 0, p, ret, err);
	}
	if (rc < 0)
		return ward_error_wrap(err, "registries.conf '%s'", p);
	return ward_registries_conf_parse(buf, len, p, ret, err);
}

/* ---- resolution ------------------------------------------------------------- */

/* "host/repo" of r matches prefix when prefix is the host, or a path prefix
 * of it at a '/' boundary ("[*.]host" wildcards are matched on the host). */
static bool
prefix_matches(const char *prefix, const char *full)
{
	size_t n = strlen(prefix);

	if (ward_str_has_prefix(prefix, "*.")) {
		const char *slash = strchr(full, '/');
		size_t hl = slash ? (size_t)(slash - full) : strlen(full);
		size_t sl = n - 1; /* ".host" */
		return hl > sl && !strncmp(full + hl - sl, prefix + 1, sl);
	}
	return !strncmp(full, prefix, n) &&
	       (full[n] == '\0' || full[n] == '/' || full[n] == ':' || full[n] == '@');
}

/* A qualified reference must not hit a blocked or remapped [[registry]]. */
static int
check_registry_tables(const struct ward_registries_conf *c, const char *full,
		      struct ward_error **err)
{
	const struct ward_registry_entry *best = NULL;

	for (size_t i = 0; i < c->n_registries; i++) {
		const struct ward_registry_entry *e = &c->registries[i];
		const char *pfx = e->prefix ? e->prefix : e->location;
		if (prefix_matches(pfx, full) &&
		    (!best || strlen(pfx) > strlen(best->prefix ? best->prefix : best->location)))
			best = e;
	}
	if (!best)
		return 0;
	if (best->blocked)
		return ward_error_setk(err, WARD_E_DENIED, 0,
				       "'%s' is blocked by [[registry]] at %s:%u", full, c->path,
				       best->line);
	if (best->prefix && best->location && strcmp(best->prefix, best->location))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "'%s': [[registry]] at %s:%u remaps '%s' to '%s'; ward does "
				       "not remap locations, pull from '%s' directly",
				       full, c->path, best->line, best->prefix, best->location,
				       best->location);
	if (best->insecure)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "'%s': [[registry]] at %s:%u sets insecure = true; ward "
				       "does not read it, pass --tls-verify=false explicitly",
				       full, c->path, best->line);
	return 0;
}

static int
add_candidate(const struct ward_registries_conf *c, const char *name, const char *registry,
	      char **out, size_t *n, struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	const char *const list[] = {registry, NULL};
	char *full;
	int rc;

	rc = registry ? ward_ref_resolve(name, list, &ref, err) : ward_ref_parse(name, &ref, err);
	if (rc < 0)
		return rc;
	full = ward_ref_format(ref);
	if (!full)
		return ward_error_set(err, ENOMEM, "resolve '%s'", name);
	if ((rc = check_registry_tables(c, full, err)) < 0) {
		free(full);
		return rc;
	}
	out[(*n)++] = full;
	return 0;
}

/* The alias for name (without tag or digest), or NULL. */
static const struct ward_registry_alias *
find_alias(const struct ward_registries_conf *c, const char *name)
{
	size_t n = strcspn(name, ":@");

	for (size_t i = 0; i < c->n_aliases; i++)
		if (strlen(c->aliases[i].name) == n && !strncmp(c->aliases[i].name, name, n))
			return &c->aliases[i];
	return NULL;
}

static int
resolve_alias(const struct ward_registries_conf *c, const struct ward_registry_alias *a,
	      const char *name, char **out, size_t *n, struct ward_error **err)
{
	_cleanup_free_ char *full =
		ward_strdup_printf("%s%s", a->value, name + strcspn(name, ":@"));
	int rc;

	if (!full)
		return ward_error_set(err, ENOMEM, "resolve '%s'", name);
	rc = add_candidate(c, full, NULL, out, n, err);
	if (rc < 0)
		return ward_error_wrap(err, "alias '%s' at %s:%u", a->name, c->path, a->line);
	return 0;
}

int
ward_registries_resolve(const struct ward_registries_conf *c, const char *name, char ***ret,
			bool *ret_short, struct ward_error **err)
{
	const char *const probe[] = {"localhost", NULL};
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	const struct ward_registry_alias *a;
	char **out;
	size_t n = 0;
	bool is_short;
	int rc;

	/* Short when it parses only once a registry is supplied. */
	is_short = ward_ref_parse(name, &ref, NULL) < 0;
	if (is_short && (rc = ward_ref_resolve(name, probe, &ref, err)) < 0)
		return rc;
	out = calloc(c->n_search + 2, sizeof(char *));
	if (!out)
		return ward_error_set(err, ENOMEM, "resolve '%s'", name);
	if (!is_short) {
		rc = add_candidate(c, name, NULL, out, &n, err);
	} else if ((a = find_alias(c, name)) && c->mode != WARD_SHORT_NAME_DISABLED) {
		rc = resolve_alias(c, a, name, out, &n, err);
	} else if (c->n_search == 0) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "'%s' is a short name and no unqualified-search-registries "
				     "are configured (%s); use a fully qualified reference (e.g. "
				     "docker.io/library/%s) or configure "
				     "unqualified-search-registries",
				     name, c->path, name);
	} else if (c->n_search > 1 && c->mode == WARD_SHORT_NAME_ENFORCING) {
		rc = ward_error_setk(
			err, WARD_E_INVALID, 0,
			"short name '%s' is ambiguous: %zu unqualified-search-registries "
			"in %s:%u and short-name-mode \"enforcing\" (ward never "
			"prompts); use a fully qualified reference, an [aliases] entry, "
			"or short-name-mode = \"permissive\" to try them in order",
			name, c->n_search, c->path, c->search_line);
	} else {
		rc = 0;
		for (size_t i = 0; rc == 0 && i < c->n_search; i++)
			rc = add_candidate(c, name, c->search[i], out, &n, err);
	}
	if (rc < 0) {
		ward_strv_free(out);
		return rc;
	}
	*ret = out;
	if (ret_short)
		*ret_short = is_short;
	return (int)n;
}
