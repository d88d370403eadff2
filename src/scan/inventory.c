/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory of a root filesystem: the OS release, the distribution's
 * package databases at their fixed paths, then one bounded walk of the
 * whole tree for language packages and Go binaries.
 *
 * The rootfs is an image's: hostile. Fixed paths are opened with
 * RESOLVE_IN_ROOT (a symlinked /var/lib/dpkg/status stays inside the
 * rootfs); the walk never follows a symlink at all (RESOLVE_NO_SYMLINKS
 * on every step), never leaves the rootfs' filesystem, and is bounded in
 * depth, names and file sizes. A file that cannot be read is a warning.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "inventory_internal.h"

/* ---- the builder ---------------------------------------------------------- */

int
scan_inv_init(struct scan_inv *b, const char *source, struct ward_error **err)
{
	memset(b, 0, sizeof(*b));
	b->max_pkgs = WARD_SCAN_PACKAGES_MAX;
	b->inv = calloc(1, sizeof(*b->inv));
	if (!b->inv || !(b->inv->source = scan_strndup_clean(source ? source : "",
							     strlen(source ? source : "")))) {
		free(b->inv);
		b->inv = NULL;
		return ward_error_set(err, ENOMEM, "inventory");
	}
	return 0;
}

void
scan_inv_clear(struct scan_inv *b)
{
	ward_inventory_free(b->inv);
	free(b->distro);
	free(b->os_id);
	memset(b, 0, sizeof(*b));
}

int
scan_inv_set_os(struct scan_inv *b, struct ward_error **err)
{
	const struct ward_os_release *os = &b->inv->os;

	free(b->distro);
	free(b->os_id);
	b->distro = b->os_id = NULL;
	if (!os->id)
		return 0;
	b->os_id = strdup(os->id);
	if (!b->os_id)
		return ward_error_set(err, ENOMEM, "inventory");
	for (char *p = b->os_id; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	b->distro = os->version_id ? ward_strdup_printf("%s-%s", b->os_id, os->version_id)
				   : strdup(b->os_id);
	if (!b->distro)
		return ward_error_set(err, ENOMEM, "inventory");
	return 0;
}

void
scan_warn(struct scan_inv *b, const char *fmt, ...)
{
	struct ward_inventory *inv = b->inv;
	va_list ap;
	char *s = NULL;

	inv->n_warnings++;
	if (inv->n_warnings_kept >= WARD_SCAN_WARNINGS_KEPT)
		return;
	if (!inv->warnings) {
		inv->warnings = calloc(WARD_SCAN_WARNINGS_KEPT, sizeof(char *));
		if (!inv->warnings)
			return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	/* A warning quotes database content: keep it one printable line. */
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	inv->warnings[inv->n_warnings_kept++] = s;
}

static void
package_clear(struct ward_package *p)
{
	free(p->name);
	free(p->version);
	free(p->source_name);
	free(p->source_version);
	free(p->arch);
	free(p->license);
	free(p->location);
	free(p->purl);
}

static bool
dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return true;
	*ret = scan_strndup_clean(s, strlen(s));
	return *ret != NULL;
}

int
scan_inv_add(struct scan_inv *b, const struct scan_pkg_in *in, struct ward_error **err)
{
	struct ward_inventory *inv = b->inv;
	struct ward_package p = {.type = in->type};
	const char *sn = in->source_name, *sv = in->source_version;
	bool ok;

	/* Every parser checks its own fields; this catches what they cannot
	 * see, such as a NUL byte that ends a name before it starts. */
	if (!in->name || !in->name[0] || !in->version || !in->version[0]) {
		scan_warn(b, "%s: a package with an empty name or version; skipped",
			  in->location ? in->location : "?");
		return 0;
	}
	if (inv->n_pkgs >= b->max_pkgs) {
		if (!b->full_warned)
			scan_warn(b, "more than %zu packages: the rest is not listed", b->max_pkgs);
		else
			inv->n_warnings++;
		b->full_warned = true;
		return 0;
	}
	if (inv->n_pkgs == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct ward_package *np = reallocarray(inv->pkgs, ncap, sizeof(*np));
		if (!np)
			return ward_error_set(err, ENOMEM, "inventory");
		inv->pkgs = np;
		b->cap = ncap;
	}
	/* NULL means "same as the binary package", so consumers need one rule. */
	if (sn && strcmp(sn, in->name) == 0)
		sn = NULL;
	if (sv && strcmp(sv, in->version) == 0)
		sv = NULL;
	ok = dup_opt(in->name, &p.name) && dup_opt(in->version, &p.version) &&
	     dup_opt(sn, &p.source_name) && dup_opt(sv, &p.source_version) &&
	     dup_opt(in->arch, &p.arch) && dup_opt(in->license, &p.license) &&
	     dup_opt(in->location, &p.location);
	if (ok) {
		struct scan_pkg_in clean = {
			.type = p.type,
			.name = p.name,
			.version = p.version,
			.source_name = p.source_name,
			.source_version = p.source_version,
			.arch = p.arch,
		};
		/* A given purl (an SBOM's) passed scan_purl_parse: no control
		 * characters, bounded. */
		p.purl = in->purl ? strdup(in->purl) : scan_purl_build(&clean, b->os_id, b->distro);
		ok = p.purl != NULL;
	}
	if (!ok || !p.name || !p.version) {
		package_clear(&p);
		return ward_error_set(err, ENOMEM, "inventory");
	}
	inv->pkgs[inv->n_pkgs++] = p;
	return 0;
}

void
ward_inventory_free(struct ward_inventory *inv)
{
	if (!inv)
		return;
	scan_os_release_clear(&inv->os);
	for (size_t i = 0; i < inv->n_pkgs; i++)
		package_clear(&inv->pkgs[i]);
	free(inv->pkgs);
	for (size_t i = 0; i < inv->n_warnings_kept; i++)
		free(inv->warnings[i]);
	free(inv->warnings);
	free(inv->source);
	free(inv);
}

/* ---- files ------------------------------------------------------------------ */

int
scan_open_file(int dirfd, const char *path, bool in_root, uint64_t *ret_size)
{
	/* First an O_PATH handle, which opens nothing: only once fstat says the
	 * inode is a regular file is it opened for reading, through our own
	 * fd's /proc link (the same inode, pinned by the handle). Opening a
	 * device node planted where a database should be (a watchdog, a tape)
	 * could act on the host; a FIFO would block the scan. */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (in_root ? 0 : O_NOFOLLOW),
		.resolve = in_root ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
				   : RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	char proc[64];
	struct stat st;
	long pfd;
	int fd, e;

	do
		pfd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (pfd < 0 && errno == EAGAIN);
	if (pfd < 0)
		return -errno;
	if (fstat((int)pfd, &st) < 0) {
		e = errno;
		(void)close((int)pfd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close((int)pfd);
		return -EINVAL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", (int)pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	e = errno;
	(void)close((int)pfd);
	if (fd < 0)
		return e == ENOENT ? -EOPNOTSUPP : -e; /* no /proc: fail closed */
	*ret_size = (uint64_t)st.st_size;
	return fd;
}

int
scan_read_file(struct scan_inv *b, int dirfd, const char *path, bool in_root, size_t max,
	       const char *location, char **ret, size_t *ret_len, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct ward_error *rerr = NULL;
	uint64_t size = 0;
	int r;

	fd = scan_open_file(dirfd, path, in_root, &size);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd == -ENOSYS)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOSYS,
				       "open '%s': the kernel lacks openat2 (5.6 or later is "
				       "required to read a rootfs safely)",
				       location);
	if (fd < 0) {
		/* ELOOP/EXDEV: a symlink the walk refuses to follow or one that
		 * tried to leave the rootfs; EINVAL: not a regular file. */
		scan_warn(b, "%s: skipped: %s", location,
			  fd == -EINVAL	      ? "not a regular file"
			  : fd == -EOPNOTSUPP ? "no /proc to reopen it through"
					      : strerror(-fd));
		return 0;
	}
	if (size > max) {
		scan_warn(b, "%s: skipped: %llu bytes, more than the %zu allowed", location,
			  (unsigned long long)size, max);
		return 0;
	}
	r = ward_fs_read_fd(fd, max, location, ret, ret_len, &rerr);
	if (r == -ENOMEM) {
		ward_error_free(rerr);
		return ward_error_set(err, ENOMEM, "read '%s'", location);
	}
	if (r < 0) {
		/* A file growing under us past max, or an I/O error. */
		scan_warn(b, "%s: skipped: %s", location, rerr ? rerr->msg : strerror(-r));
		ward_error_free(rerr);
		return 0;
	}
	return 1;
}

/* ---- the walk ---------------------------------------------------------------- */

struct walk {
	struct scan_inv *b;
	dev_t dev;
	size_t entries;
	bool depth_warned, entries_warned;
	char path[PATH_MAX]; /* "/usr/lib/node_modules" */
};

enum dir_kind {
	DIR_PLAIN = 0,
	DIR_NODE_MODULES, /* .../node_modules */
	DIR_NPM_SCOPE,	  /* .../node_modules/@scope */
};

static int
open_dir_beneath(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : (int)fd;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of dirfd (so inventories come out in a stable order).
 * Counts against the walk's entry budget. */
static int
read_names(struct walk *w, int dirfd, char ***ret, size_t *ret_n, struct ward_error **err)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ret = NULL;
	*ret_n = 0;
	if (fd < 0)
		return ward_error_set(err, errno, "walk '%s'", w->path);
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return ward_error_set(err, errno, "walk '%s'", w->path);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > SCAN_WALK_MAX_ENTRIES) {
			if (!w->entries_warned)
				scan_warn(w->b, "rootfs walk: more than %u names, stopped at '%s'",
					  SCAN_WALK_MAX_ENTRIES, w->path);
			w->entries_warned = true;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nv = reallocarray(v, ncap, sizeof(char *));
			if (!nv)
				goto oom;
			v = nv;
			cap = ncap;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(char *), cmp_names);
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return ward_error_set(err, ENOMEM, "walk '%s'", w->path);
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Python's install dirs: a *.dist-info elsewhere (a wheel's test data, a
 * vendored copy in a source tree) is not an installed package. */
static bool
in_python_path(const char *path)
{
	return strstr(path, "/site-packages") || strstr(path, "/dist-packages");
}

struct pread_ctx {
	int fd;
	uint64_t size;
};

static int
pread_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pread_ctx *c = ctx;
	size_t done = 0;

	if (off > c->size || len > c->size - off)
		return -ERANGE;
	while (done < len) {
		ssize_t n = pread(c->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int
visit_file(struct walk *w, int dirfd, const char *name, const struct stat *st, enum dir_kind kind,
	   bool has_node_modules, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (strcmp(name, "package-lock.json") == 0 && kind == DIR_PLAIN && !has_node_modules &&
	    !strstr(w->path, "/node_modules/")) {
		/* With node_modules beside it, the installed package.json files
		 * are the truth (and a lock file lists what may not be there). */
		r = scan_read_file(w->b, dirfd, name, false, SCAN_NPM_LOCK_MAX, w->path, &buf, &len,
				   err);
		if (r <= 0)
			return r;
		return scan_npm_lock_parse(w->b, buf, len, w->path, err);
	}
	if (has_suffix(name, ".egg-info") && in_python_path(w->path)) {
		/* distutils' single-file egg-info: PKG-INFO's format. */
		r = scan_read_file(w->b, dirfd, name, false, SCAN_METADATA_MAX, w->path, &buf, &len,
				   err);
		if (r <= 0)
			return r;
		return scan_python_metadata_parse(w->b, buf, len, w->path, err);
	}
	if ((st->st_mode & 0111) && st->st_size >= 64) {
		_cleanup_close_ int fd = -1;
		struct pread_ctx c;
		uint64_t size = 0;
		unsigned char magic[4];

		if ((uint64_t)st->st_size > SCAN_ELF_MAX)
			return 0;
		fd = scan_open_file(dirfd, name, false, &size);
		if (fd < 0)
			return 0; /* replaced since readdir, or not regular: nothing to scan */
		c = (struct pread_ctx){.fd = fd, .size = size};
		if (pread_at(&c, 0, magic, 4) < 0 || memcmp(magic, "\177ELF", 4) != 0)
			return 0;
		return scan_go_parse(w->b, pread_at, &c, size, w->path, err);
	}
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, unsigned depth, enum dir_kind kind,
		    struct ward_error **err);

static int
read_in_dir(struct walk *w, int dirfd, const char *file, size_t max, char **ret, size_t *ret_len,
	    struct ward_error **err)
{
	size_t plen = strlen(w->path);
	int r;

	if (plen + 1 + strlen(file) >= sizeof(w->path))
		return 0;
	snprintf(w->path + plen, sizeof(w->path) - plen, "/%s", file);
	r = scan_read_file(w->b, dirfd, file, false, max, w->path, ret, ret_len, err);
	if (r <= 0)
		w->path[plen] = '\0';
	return r;
}

static int
visit_dir(struct walk *w, int parent, const char *name, unsigned depth, enum dir_kind parent_kind,
	  struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	size_t plen = strlen(w->path);
	enum dir_kind kind = DIR_PLAIN;
	struct stat st;
	int r = 0;

	/* The kernel's views, empty in an image but not in a live rootfs. */
	if (depth == 0 &&
	    (strcmp(name, "proc") == 0 || strcmp(name, "sys") == 0 || strcmp(name, "dev") == 0))
		return 0;
	if (depth + 1 > SCAN_WALK_MAX_DEPTH) {
		if (!w->depth_warned)
			scan_warn(w->b, "rootfs walk: '%s/%s' is deeper than %u levels, not read",
				  w->path, name, SCAN_WALK_MAX_DEPTH);
		w->depth_warned = true;
		return 0;
	}
	fd = open_dir_beneath(parent, name);
	if (fd < 0)
		return 0; /* became a symlink since readdir, or unreadable */
	/* A mount inside the rootfs (a host directory bound in) is not the
	 * image's content. */
	if (fstat(fd, &st) < 0 || st.st_dev != w->dev)
		return 0;
	if (plen + 1 + strlen(name) >= sizeof(w->path))
		return 0;
	snprintf(w->path + plen, sizeof(w->path) - plen, "/%s", name);

	if ((has_suffix(name, ".dist-info") || has_suffix(name, ".egg-info")) &&
	    in_python_path(w->path)) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		r = read_in_dir(w, fd, has_suffix(name, ".dist-info") ? "METADATA" : "PKG-INFO",
				SCAN_METADATA_MAX, &buf, &len, err);
		if (r > 0)
			r = scan_python_metadata_parse(w->b, buf, len, w->path, err);
		w->path[plen] = '\0';
		return r < 0 ? r : 0; /* nothing installed below a dist-info */
	}
	if (parent_kind == DIR_NODE_MODULES && name[0] == '@')
		kind = DIR_NPM_SCOPE;
	else if (strcmp(name, "node_modules") == 0)
		kind = DIR_NODE_MODULES;
	else if ((parent_kind == DIR_NODE_MODULES || parent_kind == DIR_NPM_SCOPE) &&
		 name[0] != '.') {
		/* An installed package: node_modules/NAME or node_modules/@s/NAME. */
		_cleanup_free_ char *buf = NULL;
		size_t len = 0, dlen = strlen(w->path);
		r = read_in_dir(w, fd, "package.json", SCAN_PKG_JSON_MAX, &buf, &len, err);
		if (r > 0) {
			r = scan_npm_package_parse(w->b, buf, len, w->path, err);
			w->path[dlen] = '\0';
		}
		if (r < 0)
			goto out;
	}
	if (parent_kind == DIR_NODE_MODULES && name[0] == '.')
		goto out; /* .bin (symlinks), .cache, .package-lock.json's dir */
	r = walk_dir(w, fd, depth + 1, kind, err);
out:
	w->path[plen] = '\0';
	return r;
}

static int
walk_dir(struct walk *w, int dirfd, unsigned depth, enum dir_kind kind, struct ward_error **err)
{
	char **names = NULL;
	size_t n = 0;
	bool has_nm = false;
	int r = read_names(w, dirfd, &names, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], "node_modules") == 0)
			has_nm = true;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct stat st;
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = visit_dir(w, dirfd, names[i], depth, kind, err);
		else if (S_ISREG(st.st_mode)) {
			size_t plen = strlen(w->path);
			if (plen + 1 + strlen(names[i]) < sizeof(w->path)) {
				snprintf(w->path + plen, sizeof(w->path) - plen, "/%s", names[i]);
				r = visit_file(w, dirfd, names[i], &st, kind, has_nm, err);
				w->path[plen] = '\0';
			}
		}
		/* Symlinks are never followed: what they point at is either in
		 * the tree (and visited there) or not the image's. */
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int
scan_walk_rootfs(struct scan_inv *b, int rootfs_fd, struct ward_error **err)
{
	struct walk w = {.b = b};
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open_dir_beneath(rootfs_fd, ".");
	if (fd < 0)
		return ward_error_set(err, -fd, "rootfs walk");
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "rootfs walk");
	w.dev = st.st_dev;
	return walk_dir(&w, fd, 0, DIR_PLAIN, err);
}

/* ---- the scan ------------------------------------------------------------------ */

int
ward_scan_inventory(int rootfs_fd, const char *source, struct ward_inventory **ret,
		    struct ward_error **err)
{
	struct scan_inv b;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	/* An O_PATH fd cannot be read as a directory: reopen it as one. */
	fd = open_dir_beneath(rootfs_fd, ".");
	if (fd == -ENOSYS)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOSYS,
				       "scan: the kernel lacks openat2 (5.6 or later is required "
				       "to read a rootfs safely)");
	if (fd < 0 || fstat(fd, &st) < 0)
		return ward_error_set(err, fd < 0 ? -fd : errno, "scan %s: open the rootfs",
				      source ? source : "rootfs");
	if ((r = scan_inv_init(&b, source, err)) < 0)
		return r;
	if ((r = scan_os_release_read(fd, &b.inv->os, &b, err)) < 0 ||
	    (r = scan_inv_set_os(&b, err)) < 0 || (r = scan_dpkg_read(&b, fd, err)) < 0 ||
	    (r = scan_apk_read(&b, fd, err)) < 0 || (r = scan_rpm_read(&b, fd, err)) < 0 ||
	    (r = scan_walk_rootfs(&b, fd, err)) < 0) {
		scan_inv_clear(&b);
		return ward_error_wrap(err, "scan %s", source ? source : "rootfs");
	}
	*ret = TAKE_PTR(b.inv);
	scan_inv_clear(&b);
	return 0;
}
