/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Python packages: *.dist-info/METADATA under site-packages or
 * dist-packages (the core metadata spec, packaging.python.org: RFC 822
 * style headers, then a blank line and the long description). Read: Name,
 * Version, License-Expression (metadata 2.4) or else License (its first
 * line: some projects paste the whole licence text there).
 */
#include <errno.h>
#include <string.h>

#include "inventory_internal.h"

#define PY_LICENSE_MAX 256u /* longer License: values are licence texts, not names */

struct hdr {
	const char *v;
	size_t n;
};

static bool
key_is(const char *k, size_t kn, const char *want)
{
	return strlen(want) == kn && strncasecmp(k, want, kn) == 0;
}

static bool
valid_token(const struct hdr *h, size_t max)
{
	if (!h->v || h->n == 0 || h->n > max)
		return false;
	for (size_t i = 0; i < h->n; i++)
		if ((unsigned char)h->v[i] <= ' ' || h->v[i] == 0x7f)
			return false;
	return true;
}

int
scan_python_metadata_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
			   struct ward_error **err)
{
	struct hdr name = {0}, version = {0}, lic = {0}, licexpr = {0};
	const char *p = buf, *end = buf + len;
	_cleanup_free_ char *n = NULL, *v = NULL, *l = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon;
		size_t ln = (size_t)(le - p);
		if (ln && p[ln - 1] == '\r')
			ln--;
		if (ln == 0)
			break; /* the body: the long description */
		if (p[0] != ' ' && p[0] != '\t' && (colon = memchr(p, ':', ln))) {
			struct hdr h = {colon + 1, ln - (size_t)(colon + 1 - p)};
			size_t kn = (size_t)(colon - p);
			while (h.n && (h.v[0] == ' ' || h.v[0] == '\t')) {
				h.v++;
				h.n--;
			}
			while (h.n && (h.v[h.n - 1] == ' ' || h.v[h.n - 1] == '\t'))
				h.n--;
			/* The first of each header counts: a second Name: cannot
			 * rename a package already read. */
			if (key_is(p, kn, "Name") && !name.v)
				name = h;
			else if (key_is(p, kn, "Version") && !version.v)
				version = h;
			else if (key_is(p, kn, "License") && !lic.v)
				lic = h;
			else if (key_is(p, kn, "License-Expression") && !licexpr.v)
				licexpr = h;
		}
		p = le + 1;
	}
	if (!valid_token(&name, 255)) {
		scan_warn(b, "%s: %s", location, name.v ? "invalid Name" : "no Name header");
		return 0;
	}
	if (!valid_token(&version, WARD_VERSION_MAX)) {
		scan_warn(b, "%s: package '%.*s': %s", location, (int)name.n, name.v,
			  version.v ? "invalid Version" : "no Version header");
		return 0;
	}
	if (licexpr.v && licexpr.n && licexpr.n <= PY_LICENSE_MAX)
		lic = licexpr;
	if (!(n = strndup(name.v, name.n)) || !(v = strndup(version.v, version.n)))
		return ward_error_set(err, ENOMEM, "%s", location);
	if (lic.v && lic.n && lic.n <= PY_LICENSE_MAX &&
	    strncasecmp(lic.v, "UNKNOWN", lic.n) != 0 && !(l = strndup(lic.v, lic.n)))
		return ward_error_set(err, ENOMEM, "%s", location);
	{
		struct scan_pkg_in in = {.type = WARD_PKG_PYPI,
					 .name = n,
					 .version = v,
					 .license = l,
					 .location = location};
		return scan_inv_add(b, &in, err);
	}
}
