/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package URLs (github.com/package-url/purl-spec): the name every SBOM and
 * vulnerability database agrees on. Built in canonical form: type lower
 * case, every character outside [A-Za-z0-9._~-] percent-encoded (so a
 * '/' or '?' in a hostile package name cannot make a second path segment
 * or qualifier), qualifiers sorted by key.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inventory_internal.h"

#define PURL_MAX 8192u /* bytes in one purl read from an SBOM */
#define PURL_QUALIFIERS_MAX 32u

static const char *const type_names[WARD_PKG_TYPE_COUNT] = {
	[WARD_PKG_DPKG] = "deb", [WARD_PKG_APK] = "apk",   [WARD_PKG_RPM] = "rpm",
	[WARD_PKG_NPM] = "npm",	 [WARD_PKG_PYPI] = "pypi", [WARD_PKG_GO] = "golang",
};

const char *
ward_pkg_type_name(enum ward_pkg_type t)
{
	if ((unsigned)t >= WARD_PKG_TYPE_COUNT)
		return "?";
	return type_names[t];
}

int
scan_pkg_type_from_purl(const char *type)
{
	for (size_t i = 0; i < WARD_PKG_TYPE_COUNT; i++)
		if (strcmp(type, type_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when there is none. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

bool
scan_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

char *
scan_strndup_clean(const char *s, size_t n)
{
	char *r;
	size_t len;

	if (n > SCAN_FIELD_MAX)
		n = SCAN_FIELD_MAX;
	r = strndup(s, n);
	if (!r)
		return NULL;
	/* Printable, and valid UTF-8 so every value can go into JSON: a
	 * byte that starts no well-formed sequence becomes '?' too. */
	len = strlen(r);
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq((unsigned char *)r + i, len - i);
		if (!k) {
			r[i++] = '?';
			continue;
		}
		if (k == 1 && ((unsigned char)r[i] < 0x20 || r[i] == 0x7f))
			r[i] = '?';
		i += k;
	}
	return r;
}

/* ---- building ------------------------------------------------------------ */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 128;
		char *ns;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == '~';
}

static void
sb_enc(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			sb_add(b, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			sb_add(b, e, 3);
		}
	}
}

struct qual {
	const char *key;
	char *value; /* owned */
};

/* PEP 503 normalisation: lower case, runs of '-', '_', '.' become one '-'. */
static char *
pypi_normalize(const char *name)
{
	size_t n = strlen(name);
	char *r = malloc(n + 1), *o = r;

	if (!r)
		return NULL;
	for (const char *p = name; *p; p++) {
		if (*p == '-' || *p == '_' || *p == '.') {
			if (o == r || o[-1] != '-')
				*o++ = '-';
			continue;
		}
		*o++ = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	}
	*o = '\0';
	return r;
}

char *
scan_purl_build(const struct scan_pkg_in *p, const char *os_id, const char *distro)
{
	struct sbuf b = {0};
	struct qual q[4];
	size_t nq = 0;
	_cleanup_free_ char *norm = NULL, *upstream = NULL, *epoch = NULL;
	const char *version = p->version;

	sb_str(&b, "pkg:");
	sb_str(&b, ward_pkg_type_name(p->type));
	sb_str(&b, "/");
	switch (p->type) {
	case WARD_PKG_DPKG:
	case WARD_PKG_APK:
	case WARD_PKG_RPM: {
		/* The namespace is the vendor: the os-release ID, with each
		 * format's usual default when the rootfs has none. */
		const char *ns = os_id && *os_id	    ? os_id
				 : p->type == WARD_PKG_DPKG ? "debian"
				 : p->type == WARD_PKG_APK  ? "alpine"
							    : "redhat";
		sb_enc(&b, ns);
		sb_str(&b, "/");
		sb_enc(&b, p->name);
		if (p->arch)
			q[nq++] = (struct qual){"arch", strdup(p->arch)};
		if (distro)
			q[nq++] = (struct qual){"distro", strdup(distro)};
		if (p->type == WARD_PKG_RPM) {
			/* purl-spec's rpm type: the epoch is a qualifier, the
			 * version is version-release. */
			const char *colon = strchr(version, ':');
			if (colon) {
				epoch = strndup(version, (size_t)(colon - version));
				version = colon + 1;
				q[nq++] = (struct qual){"epoch", epoch ? strdup(epoch) : NULL};
			}
		}
		/* The source package, as syft writes it: "name" or, when its
		 * version differs, "name@version". */
		if (p->source_name || p->source_version) {
			const char *sn = p->source_name ? p->source_name : p->name;
			if (p->source_version && strcmp(p->source_version, p->version) != 0)
				upstream = ward_strdup_printf("%s@%s", sn, p->source_version);
			else if (strcmp(sn, p->name) != 0)
				upstream = strdup(sn);
			if (upstream)
				q[nq++] = (struct qual){"upstream", TAKE_PTR(upstream)};
		}
		break;
	}
	case WARD_PKG_NPM: {
		/* "@scope/name": the scope is the namespace, '@' encoded. */
		const char *slash = p->name[0] == '@' ? strchr(p->name, '/') : NULL;
		if (slash) {
			_cleanup_free_ char *scope = strndup(p->name, (size_t)(slash - p->name));
			if (!scope)
				b.oom = true;
			else
				sb_enc(&b, scope);
			sb_str(&b, "/");
			sb_enc(&b, slash + 1);
		} else {
			sb_enc(&b, p->name);
		}
		break;
	}
	case WARD_PKG_PYPI:
		norm = pypi_normalize(p->name);
		if (!norm)
			b.oom = true;
		else
			sb_enc(&b, norm);
		break;
	case WARD_PKG_GO: {
		/* Each path element is one purl segment: "github.com/a/b". */
		const char *s = p->name;
		while (*s) {
			const char *e = strchr(s, '/');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			_cleanup_free_ char *seg = strndup(s, n);
			if (!seg) {
				b.oom = true;
				break;
			}
			if (n)
				sb_enc(&b, seg);
			if (!e)
				break;
			sb_str(&b, "/");
			s = e + 1;
		}
		break;
	}
	default:
		sb_enc(&b, p->name);
	}
	sb_str(&b, "@");
	sb_enc(&b, version);
	for (size_t i = 0; i < nq; i++) {
		if (!q[i].value) {
			b.oom = true;
			continue;
		}
		sb_str(&b, i ? "&" : "?");
		sb_str(&b, q[i].key);
		sb_str(&b, "=");
		sb_enc(&b, q[i].value);
	}
	for (size_t i = 0; i < nq; i++)
		free(q[i].value);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- parsing --------------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode (s, n); NULL with *why set when malformed, NULL with *oom. A
 * decoded NUL is refused: it would cut the name short in C. */
static char *
decode(const char *s, size_t n, const char **why, bool *oom)
{
	char *r = malloc(n + 1), *o = r;

	if (!r) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
			    (l = hexval(s[i + 2])) < 0) {
				*why = "a '%' not followed by two hex digits";
				free(r);
				return NULL;
			}
			if (h == 0 && l == 0) {
				*why = "an encoded NUL";
				free(r);
				return NULL;
			}
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	/* purl-spec: percent-encoded UTF-8. Anything else has no meaning, and
	 * no JSON document could carry it. */
	if (!scan_utf8_valid(r, (size_t)(o - r))) {
		*why = "an encoded value that is not UTF-8";
		free(r);
		return NULL;
	}
	return r;
}

void
scan_purl_clear(struct scan_purl *p)
{
	free(p->type);
	free(p->namespace);
	free(p->name);
	free(p->version);
	for (size_t i = 0; i < p->n_q; i++) {
		free(p->qkeys[i]);
		free(p->qvalues[i]);
	}
	free(p->qkeys);
	free(p->qvalues);
	memset(p, 0, sizeof(*p));
}

const char *
scan_purl_qualifier(const struct scan_purl *p, const char *key)
{
	for (size_t i = 0; i < p->n_q; i++)
		if (strcmp(p->qkeys[i], key) == 0)
			return p->qvalues[i];
	return NULL;
}

static const char *
parse_qualifiers(const char *s, size_t n, struct scan_purl *p, bool *oom)
{
	const char *why = NULL;

	if (n == 0)
		return NULL;
	p->qkeys = calloc(PURL_QUALIFIERS_MAX, sizeof(char *));
	p->qvalues = calloc(PURL_QUALIFIERS_MAX, sizeof(char *));
	if (!p->qkeys || !p->qvalues) {
		*oom = true;
		return "out of memory";
	}
	while (n > 0) {
		const char *amp = memchr(s, '&', n);
		size_t len = amp ? (size_t)(amp - s) : n;
		const char *eq = memchr(s, '=', len);
		if (len > 0) {
			if (!eq || eq == s)
				return "a qualifier without 'key='";
			if (p->n_q == PURL_QUALIFIERS_MAX)
				return "more than 32 qualifiers";
			p->qkeys[p->n_q] = decode(s, (size_t)(eq - s), &why, oom);
			if (!p->qkeys[p->n_q])
				return why ? why : "out of memory";
			p->qvalues[p->n_q] = decode(eq + 1, len - (size_t)(eq + 1 - s), &why, oom);
			if (!p->qvalues[p->n_q]) {
				free(p->qkeys[p->n_q]);
				p->qkeys[p->n_q] = NULL;
				return why ? why : "out of memory";
			}
			for (char *k = p->qkeys[p->n_q]; *k; k++)
				if (*k >= 'A' && *k <= 'Z')
					*k = (char)(*k - 'A' + 'a');
			p->n_q++;
		}
		if (!amp)
			break;
		n -= len + 1;
		s = amp + 1;
	}
	return NULL;
}

const char *
scan_purl_parse(const char *s, struct scan_purl *ret, bool *ret_oom)
{
	struct scan_purl p = {0};
	const char *why = NULL, *rest, *end, *q, *at, *slash;
	size_t n = strlen(s);
	bool oom = false;

	*ret_oom = false;
	if (n > PURL_MAX)
		return "longer than 8192 bytes";
	if (strncasecmp(s, "pkg:", 4) != 0)
		return "no 'pkg:' scheme";
	/* The spec percent-encodes these; raw, they could split a TSV column
	 * or a terminal line of whoever prints the purl. */
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return "an unencoded space or control character";
	rest = s + 4;
	while (*rest == '/')
		rest++;
	end = strchr(rest, '#'); /* the subpath is not part of the identity */
	if (!end)
		end = rest + strlen(rest);
	slash = memchr(rest, '/', (size_t)(end - rest));
	if (!slash || slash == rest)
		return "no type";
	p.type = strndup(rest, (size_t)(slash - rest));
	if (!p.type)
		goto oom;
	for (char *t = p.type; *t; t++) {
		if (*t >= 'A' && *t <= 'Z')
			*t = (char)(*t - 'A' + 'a');
		else if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '.' ||
			   *t == '+' || *t == '-'))
			goto bad_type;
	}
	rest = slash + 1;
	q = memchr(rest, '?', (size_t)(end - rest));
	if (q) {
		if ((why = parse_qualifiers(q + 1, (size_t)(end - q - 1), &p, &oom)))
			goto fail;
		end = q;
	}
	while (end > rest && end[-1] == '/')
		end--;
	/* The version follows the last '@' after the last '/'; an npm scope's
	 * '@' is percent-encoded, or at the start of a segment. */
	slash = NULL;
	for (const char *c = rest; c < end; c++)
		if (*c == '/')
			slash = c;
	at = NULL;
	for (const char *c = slash ? slash + 1 : rest; c < end; c++)
		if (*c == '@' && c != (slash ? slash + 1 : rest))
			at = c;
	if (at) {
		if (!(p.version = decode(at + 1, (size_t)(end - at - 1), &why, &oom)))
			goto fail;
		end = at;
	}
	if (slash && slash < end) {
		if (!(p.namespace = decode(rest, (size_t)(slash - rest), &why, &oom)) ||
		    !(p.name = decode(slash + 1, (size_t)(end - slash - 1), &why, &oom)))
			goto fail;
	} else if (!(p.name = decode(rest, (size_t)(end - rest), &why, &oom))) {
		goto fail;
	}
	if (!p.name[0]) {
		why = "no name";
		goto fail;
	}
	*ret = p;
	return NULL;
bad_type:
	why = "a type with characters outside [a-z0-9.+-]";
	goto fail;
oom:
	oom = true;
	why = "out of memory";
fail:
	scan_purl_clear(&p);
	*ret_oom = oom;
	return why ? why : "out of memory";
}
