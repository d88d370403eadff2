/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpkg's database: /var/lib/dpkg/status (deb-control(5) paragraphs, one
 * per package) and, in distroless images, one file per package under
 * /var/lib/dpkg/status.d/. The fields read are dpkg-query's: Package,
 * Version, Architecture, Status and Source ("name" or "name (version)",
 * the version of the source when it differs from the binary's, as for
 * binNMUs "+b1" and packages built from another source version).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory_internal.h"

#define DPKG_COPYRIGHT_MAX (1u << 20) /* bytes read of /usr/share/doc/NAME/copyright */
#define DPKG_LICENSES_MAX 32u	      /* distinct License: names kept per package */
#define DPKG_LICENSE_NAME_MAX 128u

struct field {
	const char *v;
	size_t n;
};

struct para {
	struct field package, version, arch, status, source;
	size_t line;
	bool bad_line;
};

static bool
name_is(const char *k, size_t kn, const char *want)
{
	return strlen(want) == kn && strncasecmp(k, want, kn) == 0;
}

static void
trim(struct field *f)
{
	while (f->n && (f->v[0] == ' ' || f->v[0] == '\t')) {
		f->v++;
		f->n--;
	}
	while (f->n && (f->v[f->n - 1] == ' ' || f->v[f->n - 1] == '\t' || f->v[f->n - 1] == '\r'))
		f->n--;
}

/* Package names (Debian Policy 5.6.1): [a-z0-9][a-z0-9+.-]+. dpkg itself
 * accepts a little more (upper case in old databases), so only characters
 * that could never be in a name are refused. */
static bool
valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

static bool
valid_version(const char *s, size_t n)
{
	if (n == 0 || n > WARD_VERSION_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '(' || s[i] == ')')
			return false;
	return true;
}

/* The last of Status' three words: "install ok installed" -> "installed". */
static bool
status_installed(const struct field *st)
{
	const char *end = st->v + st->n, *w = end;
	size_t n;

	while (w > st->v && w[-1] != ' ')
		w--;
	n = (size_t)(end - w);
	if (w == st->v)
		return false; /* one word: not a status dpkg writes */
	/* Not installed, or only its conffiles are left: no files to scan. */
	return !(n == strlen("not-installed") && memcmp(w, "not-installed", n) == 0) &&
	       !(n == strlen("config-files") && memcmp(w, "config-files", n) == 0);
}

static int
add_para(struct scan_inv *b, struct para *p, const char *location, struct ward_error **err)
{
	_cleanup_free_ char *name = NULL, *version = NULL, *arch = NULL, *sname = NULL,
			    *sversion = NULL;

	if (!p->package.v && !p->version.v && !p->status.v)
		return 0; /* an empty paragraph (several blank lines) */
	if (p->bad_line) {
		scan_warn(b,
			  "%s: record at line %zu: a line that is neither 'Field: value' nor "
			  "a continuation; skipped",
			  location, p->line);
		return 0;
	}
	if (!p->package.v || !valid_name(p->package.v, p->package.n)) {
		scan_warn(b, "%s: record at line %zu: %s", location, p->line,
			  p->package.v ? "invalid Package name" : "no Package field");
		return 0;
	}
	if (p->status.v && !status_installed(&p->status))
		return 0;
	if (!p->version.v || !valid_version(p->version.v, p->version.n)) {
		scan_warn(b, "%s: package '%.*s' (line %zu): %s", location, (int)p->package.n,
			  p->package.v, p->line, p->version.v ? "invalid Version" : "no Version");
		return 0;
	}
	if (p->source.v) {
		/* "name" or "name (version)" */
		const char *s = p->source.v, *open = memchr(s, '(', p->source.n);
		size_t nlen = open ? (size_t)(open - s) : p->source.n;
		while (nlen && s[nlen - 1] == ' ')
			nlen--;
		if (!valid_name(s, nlen)) {
			scan_warn(b,
				  "%s: package '%.*s': invalid Source '%.*s'; taken as its own "
				  "source",
				  location, (int)p->package.n, p->package.v, (int)p->source.n, s);
		} else {
			if (!(sname = strndup(s, nlen)))
				goto oom;
			if (open) {
				const char *close =
					memchr(open, ')', p->source.n - (size_t)(open - s));
				struct field v = {open + 1, close ? (size_t)(close - open - 1) : 0};
				trim(&v);
				if (!close || !valid_version(v.v, v.n)) {
					scan_warn(b,
						  "%s: package '%.*s': invalid version in Source "
						  "'%.*s'; the binary's is used",
						  location, (int)p->package.n, p->package.v,
						  (int)p->source.n, s);
				} else if (!(sversion = strndup(v.v, v.n))) {
					goto oom;
				}
			}
		}
	}
	if (!(name = strndup(p->package.v, p->package.n)) ||
	    !(version = strndup(p->version.v, p->version.n)) ||
	    (p->arch.v && !(arch = strndup(p->arch.v, p->arch.n))))
		goto oom;
	{
		struct scan_pkg_in in = {
			.type = WARD_PKG_DPKG,
			.name = name,
			.version = version,
			.source_name = sname,
			.source_version = sversion,
			.arch = arch,
			.location = location,
		};
		return scan_inv_add(b, &in, err);
	}
oom:
	return ward_error_set(err, ENOMEM, "%s", location);
}

int
scan_dpkg_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
		struct ward_error **err)
{
	const char *p = buf, *end = buf + len;
	struct para para = {.line = 1};
	struct field *last = NULL;
	size_t line = 0;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon;
		size_t n = (size_t)(le - p);
		bool blank = true;

		line++;
		for (size_t i = 0; i < n; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
				blank = false;
		if (blank) {
			if ((r = add_para(b, &para, location, err)) < 0)
				return r;
			para = (struct para){.line = line + 1};
			last = NULL;
		} else if (p[0] == ' ' || p[0] == '\t') {
			/* A continuation: only multi-line fields (Description,
			 * Conffiles) have them; the ones read here are one line. */
			if (!last && !para.package.v && !para.version.v)
				para.bad_line = true;
		} else if (p[0] == '#') {
			/* deb-control(5) comments */
		} else if ((colon = memchr(p, ':', n)) && colon > p) {
			struct field v = {colon + 1, (size_t)(le - colon - 1)};
			size_t kn = (size_t)(colon - p);
			struct field *slot = NULL;
			trim(&v);
			if (name_is(p, kn, "Package"))
				slot = &para.package;
			else if (name_is(p, kn, "Version"))
				slot = &para.version;
			else if (name_is(p, kn, "Architecture"))
				slot = &para.arch;
			else if (name_is(p, kn, "Status"))
				slot = &para.status;
			else if (name_is(p, kn, "Source"))
				slot = &para.source;
			if (slot)
				*slot = v;
			last = slot ? slot : &para.package; /* any field may continue */
		} else {
			para.bad_line = true;
		}
		p = le + 1;
	}
	return add_para(b, &para, location, err);
}

static int
read_status_d(struct scan_inv *b, int rootfs_fd, struct ward_error **err)
{
	_cleanup_close_ int dfd = -1;
	struct ward_error *oerr = NULL;
	struct dirent *de;
	size_t files = 0;
	int r = 0, fd;
	DIR *d;

	dfd = ward_fs_open_in_root(rootfs_fd, "/var/lib/dpkg/status.d",
				   O_RDONLY | O_DIRECTORY | O_NOCTTY, 0, &oerr);
	if (dfd < 0) {
		if (dfd != -ENOENT && dfd != -ENOTDIR)
			scan_warn(b, "/var/lib/dpkg/status.d: skipped: %s", oerr->msg);
		ward_error_free(oerr);
		return 0;
	}
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			(void)close(fd);
		scan_warn(b, "/var/lib/dpkg/status.d: skipped: %s", strerror(errno));
		return 0;
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *buf = NULL, *loc = NULL;
		size_t len = 0;
		/* Distroless keeps NAME and NAME.md5sums side by side. */
		if (de->d_name[0] == '.' || strstr(de->d_name, ".md5sums"))
			continue;
		if (++files > SCAN_STATUS_D_MAX) {
			scan_warn(b,
				  "/var/lib/dpkg/status.d: more than %u files, the rest not read",
				  SCAN_STATUS_D_MAX);
			break;
		}
		if (!(loc = ward_strdup_printf("/var/lib/dpkg/status.d/%s", de->d_name))) {
			r = ward_error_set(err, ENOMEM, "status.d");
			break;
		}
		r = scan_read_file(b, dfd, de->d_name, false, WARD_SCAN_DB_MAX, loc, &buf, &len,
				   err);
		if (r > 0)
			r = scan_dpkg_parse(b, buf, len, loc, err);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

char *
scan_dpkg_copyright_licenses(const char *buf, size_t len)
{
	char *acc = NULL;
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end && n < DPKG_LICENSES_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) > 8 && strncasecmp(p, "License:", 8) == 0) {
			struct field v = {p + 8, (size_t)(le - p - 8)};
			trim(&v);
			if (v.n > 0 && v.n <= DPKG_LICENSE_NAME_MAX) {
				_cleanup_free_ char *one = scan_strndup_clean(v.v, v.n);
				bool dup = false;
				char *nacc;
				if (!one) {
					free(acc);
					return NULL;
				}
				/* Already listed? Compare whole " AND "-separated names. */
				for (const char *q = acc; q && *q && !dup;) {
					const char *sep = strstr(q, " AND ");
					size_t ql = sep ? (size_t)(sep - q) : strlen(q);
					dup = ql == strlen(one) && strncmp(q, one, ql) == 0;
					q = sep ? sep + 5 : NULL;
				}
				if (!dup) {
					nacc = acc ? ward_strdup_printf("%s AND %s", acc, one)
						   : strdup(one);
					free(acc);
					if (!(acc = nacc))
						return NULL;
					n++;
				}
			}
		}
		p = le + 1;
	}
	return acc ? acc : strdup("");
}

/* The first `max` bytes of a regular file in the rootfs: a copyright file
 * longer than that (boost's is 2 MiB) names its licences near the top. */
static int
read_prefix(int rootfs_fd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	uint64_t size = 0;
	size_t want, done = 0;
	char *buf;

	fd = scan_open_file(rootfs_fd, path, true, &size);
	if (fd < 0)
		return fd;
	want = size < max ? (size_t)size : max;
	if (!(buf = malloc(want + 1)))
		return -ENOMEM;
	while (done < want) {
		ssize_t n = pread(fd, buf + done, want - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	buf[done] = '\0';
	*ret = buf;
	*ret_len = done;
	return 0;
}

/* Debian has no licence field: the machine-readable copyright file
 * (DEP-5) of each package names them in its License: fields. */
static int
read_licenses(struct scan_inv *b, int rootfs_fd, size_t first, struct ward_error **err)
{
	for (size_t i = first; i < b->inv->n_pkgs; i++) {
		struct ward_package *p = &b->inv->pkgs[i];
		_cleanup_free_ char *path = NULL, *buf = NULL, *lic = NULL;
		size_t len = 0;
		int r;

		if (p->type != WARD_PKG_DPKG || p->license)
			continue;
		if (!(path = ward_strdup_printf("/usr/share/doc/%s/copyright", p->name)))
			return ward_error_set(err, ENOMEM, "copyright");
		r = read_prefix(rootfs_fd, path, DPKG_COPYRIGHT_MAX, &buf, &len);
		if (r == -ENOMEM)
			return ward_error_set(err, ENOMEM, "%s", path);
		if (r < 0)
			continue; /* no copyright file (or not a regular one): no licence */
		if (!(lic = scan_dpkg_copyright_licenses(buf, len)))
			return ward_error_set(err, ENOMEM, "%s", path);
		if (lic[0])
			p->license = TAKE_PTR(lic);
	}
	return 0;
}

int
scan_dpkg_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, first = b->inv->n_pkgs;
	int r = scan_read_file(b, rootfs_fd, "/var/lib/dpkg/status", true, WARD_SCAN_DB_MAX,
			       "/var/lib/dpkg/status", &buf, &len, err);

	if (r < 0)
		return r;
	if (r > 0 && (r = scan_dpkg_parse(b, buf, len, "/var/lib/dpkg/status", err)) < 0)
		return r;
	if ((r = read_status_d(b, rootfs_fd, err)) < 0)
		return r;
	return read_licenses(b, rootfs_fd, first, err);
}
