/* SPDX-License-Identifier: Apache-2.0 */
/*
 * os-release(5): newline-separated KEY=value assignments, values possibly
 * in single or double quotes with shell escapes (\" \\ \$ \`). Only the
 * keys the inventory needs are kept; a line that is not an assignment is
 * ignored, as systemd's parser ignores it.
 */
#include <errno.h>
#include <string.h>

#include "inventory_internal.h"

void
scan_os_release_clear(struct ward_os_release *os)
{
	free(os->id);
	free(os->version_id);
	free(os->version_codename);
	free(os->pretty_name);
	free(os->id_like);
	memset(os, 0, sizeof(*os));
}

/* Unquote (v, n) into a new string of printable UTF-8. */
static char *
unquote(const char *v, size_t n)
{
	_cleanup_free_ char *r = malloc(n + 1);
	char *o = r;
	char q = 0;

	if (!r)
		return NULL;
	if (n >= 1 && (v[0] == '"' || v[0] == '\'')) {
		q = v[0];
		v++;
		n--;
		if (n >= 1 && v[n - 1] == q)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == '\\' && q != '\'' && i + 1 < n && strchr("\"\\$`", v[i + 1]))
			c = v[++i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';
		*o++ = c;
	}
	*o = '\0';
	return scan_strndup_clean(r, (size_t)(o - r));
}

int
scan_os_release_parse(const char *buf, size_t len, struct ward_os_release *ret,
		      struct ward_error **err)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"ID", offsetof(struct ward_os_release, id)},
		{"VERSION_ID", offsetof(struct ward_os_release, version_id)},
		{"VERSION_CODENAME", offsetof(struct ward_os_release, version_codename)},
		{"PRETTY_NAME", offsetof(struct ward_os_release, pretty_name)},
		{"ID_LIKE", offsetof(struct ward_os_release, id_like)},
	};
	struct ward_os_release os = {0};
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		eq = memchr(p, '=', (size_t)(le - p));
		if (eq && *p != '#') {
			size_t klen = (size_t)(eq - p), vlen = (size_t)(le - eq - 1);
			while (vlen > 0 &&
			       (eq[vlen] == ' ' || eq[vlen] == '\t' || eq[vlen] == '\r'))
				vlen--;
			if (vlen > SCAN_FIELD_MAX)
				vlen = SCAN_FIELD_MAX;
			for (size_t i = 0; i < WARD_ARRAY_SIZE(keys); i++) {
				char **slot = (char **)((char *)&os + keys[i].off);
				if (strlen(keys[i].key) != klen ||
				    memcmp(keys[i].key, p, klen) != 0)
					continue;
				free(*slot); /* the last assignment wins, as in a shell */
				*slot = unquote(eq + 1, vlen);
				if (!*slot) {
					scan_os_release_clear(&os);
					return ward_error_set(err, ENOMEM, "os-release");
				}
			}
		}
		p = le + 1;
	}
	/* An empty ID is no ID. */
	if (os.id && !os.id[0]) {
		free(os.id);
		os.id = NULL;
	}
	*ret = os;
	return 0;
}

int
scan_os_release_read(int rootfs_fd, struct ward_os_release *ret, struct scan_inv *b,
		     struct ward_error **err)
{
	static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		int r = scan_read_file(b, rootfs_fd, paths[i], true, SCAN_OS_RELEASE_MAX, paths[i],
				       &buf, &len, err);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		scan_os_release_clear(ret);
		return scan_os_release_parse(buf, len, ret, err);
	}
	return 0;
}
