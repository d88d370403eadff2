/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup: where the host mounts its hierarchies (v1, v2 or
 * the hybrid of both), which directory the container gets in each, and the
 * lifecycle on top (create, enter, freeze, update, destroy), plus the state
 * persisted between ward-oci invocations.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include <ward/runtime.h>
#include <ward/util.h>

#include "cgroup_internal.h"

#define DEFAULT_PARENT "ward"
#define MKDIR_RETRIES 3		/* a concurrent destroy removing a shared parent */
#define RMDIR_RETRIES 10	/* EBUSY right after the last process exits */
#define RMDIR_RETRY_DELAY_MS 10 /* doubled each time, capped below */
#define RMDIR_RETRY_DELAY_MAX_MS 100

static const char *const ctrl_names[CGROUP_CTRL_COUNT] = {
	[CGROUP_CPU] = "cpu",
	[CGROUP_CPUACCT] = "cpuacct",
	[CGROUP_CPUSET] = "cpuset",
	[CGROUP_MEMORY] = "memory",
	[CGROUP_DEVICES] = "devices",
	[CGROUP_FREEZER] = "freezer",
	[CGROUP_BLKIO] = "blkio",
	[CGROUP_PIDS] = "pids",
	[CGROUP_HUGETLB] = "hugetlb",
	[CGROUP_NET_CLS] = "net_cls",
	[CGROUP_NET_PRIO] = "net_prio",
	[CGROUP_PERF_EVENT] = "perf_event",
	[CGROUP_RDMA] = "rdma",
	[CGROUP_MISC] = "misc",
	[CGROUP_IO] = "io",
	[CGROUP_NAME_SYSTEMD] = "name=systemd",
};

const char *
cgroup_ctrl_name(enum cgroup_ctrl c)
{
	return (unsigned)c < CGROUP_CTRL_COUNT ? ctrl_names[c] : "?";
}

int
cgroup_ctrl_from_name(const char *name)
{
	for (int i = 0; i < CGROUP_CTRL_COUNT; i++)
		if (strcmp(ctrl_names[i], name) == 0)
			return i;
	return -1;
}

const char *
cgroup_layout_name(enum cgroup_layout l)
{
	switch (l) {
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_V2:
		return "v2";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	}
	return "?";
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- control files ---------------------------------------------------------- */

static int
join_path(char *buf, size_t size, const char *dir, const char *file)
{
	int n = snprintf(buf, size, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
cgroup_write(const char *dir, const char *file, const char *value, struct ward_error **err)
{
	char path[CGROUP_PATH_MAX + CGROUP_NAME_MAX + 2];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	if (join_path(path, sizeof(path), dir, file) < 0)
		return ward_error_set(err, ENAMETOOLONG, "%s/%s", dir, file);
	/* No O_CREAT: cgroupfs files exist or the feature is absent; creating
	 * one elsewhere (a path that is not cgroupfs) must never happen. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOENT,
					       "write '%s' to %s: the kernel has no such file "
					       "(controller or feature not available)",
					       value, path);
		return ward_error_set(err, errno, "write '%s' to %s", value, path);
	}
	/* One write(2): cgroupfs parses each write as a whole value. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		/* The error API drops strerror for validation errnos, but here
		 * the kernel is the validator and its verdict is the reason. */
		if (e == EINVAL || e == ERANGE || e == E2BIG || e == EFBIG)
			return ward_error_set(err, e, "write '%s' to %s: the kernel refused it (%s)",
					      value, path, strerror(e));
		return ward_error_set(err, e, "write '%s' to %s", value, path);
	}
	if ((size_t)n != len)
		return ward_error_set(err, EIO, "write '%s' to %s: short write", value, path);
	return 0;
}

int
cgroup_writef(const char *dir, const char *file, struct ward_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&value, fmt, ap) < 0)
		value = NULL;
	va_end(ap);
	if (!value)
		return ward_error_set(err, ENOMEM, "%s/%s", dir, file);
	return cgroup_write(dir, file, value, err);
}

int
cgroup_read(const char *dir, const char *file, char **ret, struct ward_error **err)
{
	char path[CGROUP_PATH_MAX + CGROUP_NAME_MAX + 2];
	_cleanup_close_ int fd = -1;

	if (join_path(path, sizeof(path), dir, file) < 0)
		return ward_error_set(err, ENAMETOOLONG, "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return ward_error_set(err, errno, "read %s", path);
	return ward_fs_read_fd(fd, CGROUP_FILE_MAX, path, ret, NULL, err);
}

static void
trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int
cgroup_read_u64(const char *dir, const char *file, bool max_ok, uint64_t *ret,
		struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	uint64_t v;
	int r;

	r = cgroup_read(dir, file, &buf, err);
	if (r < 0)
		return r;
	trim(buf);
	if (max_ok && strcmp(buf, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (ward_parse_u64(buf, &v) < 0)
		return ward_error_set(err, EINVAL, "%s/%s: '%.32s' is not a number", dir, file,
				      buf);
	*ret = v;
	return 0;
}

int
cgroup_read_key_u64(const char *dir, const char *file, const char *key, uint64_t *ret,
		    struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t klen = strlen(key);
	char *line, *save = NULL;
	int r;

	r = cgroup_read(dir, file, &buf, err);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t v;

		if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
			continue;
		if (ward_parse_u64(line + klen + 1, &v) < 0)
			break;
		*ret = v;
		return 0;
	}
	return ward_error_set(err, ENOENT, "%s/%s: no '%s' entry", dir, file, key);
}

bool
cgroup_file_exists(const char *dir, const char *file)
{
	char path[CGROUP_PATH_MAX + CGROUP_NAME_MAX + 2];

	if (join_path(path, sizeof(path), dir, file) < 0)
		return false;
	return access(path, F_OK) == 0;
}

int
cgroup_field_error(struct ward_error **err, const char *where, const char *field)
{
	return ward_error_wrap(err, "%s.%s", where, field);
}

/* ---- host layout ------------------------------------------------------------ */

void
cgroup_host_clear(struct cgroup_host *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->m[i].mount);
		free(h->m[i].root);
		free(h->m[i].own);
	}
	free(h->m);
	h->m = NULL;
	h->n = 0;
}

static void
host_clearp(struct cgroup_host *h)
{
	cgroup_host_clear(h);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *
unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Controllers named in a v1 mount's super options ("rw,cpu,cpuacct"). */
static uint32_t
v1_ctrls_from_opts(const char *opts)
{
	_cleanup_free_ char *copy = strdup(opts);
	char *tok, *save = NULL;
	uint32_t mask = 0;

	if (!copy)
		return 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = cgroup_ctrl_from_name(tok);
		if (c >= 0 && c != CGROUP_IO)
			mask |= CGROUP_BIT(c);
	}
	return mask;
}

static int
host_add(struct cgroup_host *h, bool v2, uint32_t ctrls, const char *mount, const char *root)
{
	struct cgroup_mount *nv, *m;

	if (h->n >= CGROUP_MAX_HIERARCHIES)
		return -E2BIG;
	nv = realloc(h->m, (h->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	h->m = nv;
	m = &h->m[h->n];
	*m = (struct cgroup_mount){.v2 = v2, .ctrls = ctrls};
	m->mount = unescape(mount);
	m->root = unescape(root);
	if (!m->mount || !m->root) {
		free(m->mount);
		free(m->root);
		return -ENOMEM;
	}
	h->n++;
	return 0;
}

/* The part of `path` below `root` ("/" when equal), or NULL when path is not
 * inside root (a cgroup this mount does not show). */
static char *
below_root(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return strdup(path);
	if (strncmp(path, root, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return strdup(path[n] ? path + n : "/");
}

/* Find the /proc/<pid>/cgroup path of the hierarchy m in text; malloc'd,
 * relative to the mount (NULL: not listed or not visible through it). */
static char *
proc_cgroup_lookup(const char *text, const struct cgroup_mount *m)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		char *c1, *c2;

		p = nl ? nl + 1 : NULL;
		if (!line)
			return NULL;
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		*c1 = *c2 = '\0';
		if (m->v2) {
			if (strcmp(line, "0") == 0 && c1[1] == '\0')
				return below_root(c2 + 1, m->root);
			continue;
		}
		if (c1[1] == '\0')
			continue;
		if (v1_ctrls_from_opts(c1 + 1) & m->ctrls)
			return below_root(c2 + 1, m->root);
	}
	return NULL;
}

int
cgroup_host_parse(const char *mountinfo, const char *proc_cgroup, struct cgroup_host *ret,
		  struct ward_error **err)
{
	_cleanup_(host_clearp) struct cgroup_host h = {0};
	const char *p = mountinfo;
	bool have_v1_ctrl = false, have_v2 = false;
	size_t lineno = 0;
	int r;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		char *f[12] = {0}, *save = NULL, *tok, *fstype, *superopts;
		size_t nf = 0, sep = 0;

		p = nl ? nl + 1 : NULL;
		lineno++;
		if (!line)
			return ward_error_set(err, ENOMEM, "mountinfo");
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "-") == 0 && nf >= 6 && !sep) {
				sep = nf;
				continue;
			}
			/* Optional fields before "-" are not needed; keep 6 + 3. */
			if (!sep && nf >= 6)
				continue;
			if (nf < WARD_ARRAY_SIZE(f))
				f[nf++] = tok;
		}
		if (!sep || nf < sep + 3)
			continue; /* not a mountinfo line; skip rather than guess */
		fstype = f[sep];
		superopts = f[sep + 2];
		if (strcmp(fstype, "cgroup2") == 0) {
			if (have_v2)
				continue; /* the first cgroup2 mount is the host's */
			have_v2 = true;
			r = host_add(&h, true, 0, f[4], f[3]);
		} else if (strcmp(fstype, "cgroup") == 0) {
			uint32_t mask = v1_ctrls_from_opts(superopts);
			bool dup = false;

			if (!mask)
				continue; /* a named hierarchy ward does not manage */
			/* The same hierarchy mounted twice (bind mounts): first wins. */
			for (size_t i = 0; i < h.n; i++)
				if (!h.m[i].v2 && (h.m[i].ctrls & mask))
					dup = true;
			if (dup)
				continue;
			if (mask & ~CGROUP_BIT(CGROUP_NAME_SYSTEMD))
				have_v1_ctrl = true;
			r = host_add(&h, false, mask, f[4], f[3]);
		} else {
			continue;
		}
		if (r < 0)
			return ward_error_set(err, -r, "mountinfo line %zu", lineno);
	}
	if (!have_v1_ctrl && !have_v2)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOENT,
				       "no cgroup filesystem is mounted (mountinfo lists neither "
				       "cgroup nor cgroup2)");
	if (have_v1_ctrl)
		h.layout = have_v2 ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
	else
		h.layout = CGROUP_LAYOUT_V2;
	/* On a pure v2 host a leftover v1 "name=systemd" mount is not used. */
	if (h.layout == CGROUP_LAYOUT_V2) {
		size_t k = 0;
		for (size_t i = 0; i < h.n; i++) {
			if (h.m[i].v2) {
				h.m[k++] = h.m[i];
			} else {
				free(h.m[i].mount);
				free(h.m[i].root);
			}
		}
		h.n = k;
	}
	for (size_t i = 0; i < h.n; i++)
		h.m[i].own = proc_cgroup ? proc_cgroup_lookup(proc_cgroup, &h.m[i]) : NULL;
	*ret = h;
	h = (struct cgroup_host){0};
	return 0;
}

int
cgroup_host_detect(struct cgroup_host *ret, struct ward_error **err)
{
	_cleanup_free_ char *mi = NULL, *pc = NULL;
	int r;

	r = ward_fs_read_all(AT_FDCWD, "/proc/self/mountinfo", CGROUP_MOUNTINFO_MAX, &mi, NULL,
			     err);
	if (r < 0)
		return ward_error_wrap(err, "detect the cgroup layout");
	r = ward_fs_read_all(AT_FDCWD, "/proc/self/cgroup", CGROUP_FILE_MAX, &pc, NULL, err);
	if (r < 0)
		return ward_error_wrap(err, "detect the cgroup layout");
	r = cgroup_host_parse(mi, pc, ret, err);
	if (r < 0)
		return ward_error_wrap(err, "detect the cgroup layout");
	return 0;
}

/* ---- cgroupsPath ------------------------------------------------------------ */

static bool
component_valid(const char *s, size_t n)
{
	if (n == 0 || n > CGROUP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		/* A newline in a cgroup name would forge lines of every reader
		 * of /proc/<pid>/cgroup (ours included). */
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int
cgroup_path_normalize(const char *cgroups_path, const char *id, char **ret, bool *ret_relative,
		      struct ward_error **err)
{
	_cleanup_free_ char *out = NULL;
	const char *p;
	size_t len = 0, depth = 0, colons = 0;
	bool relative;

	if (!cgroups_path || !*cgroups_path) {
		/* The default: /ward/<id>, absolute like runc's /<id>. */
		if (!id || !component_valid(id, strlen(id)) || strchr(id, '/') ||
		    strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
			return ward_error_set(err, EINVAL,
					      "container id '%.64s' cannot name a cgroup (it must "
					      "be one path component)",
					      id ? id : "");
		out = ward_strdup_printf("%s/%s", DEFAULT_PARENT, id);
		if (!out)
			return ward_error_set(err, ENOMEM, "cgroupsPath");
		*ret = TAKE_PTR(out);
		*ret_relative = false;
		return 0;
	}
	if (strlen(cgroups_path) >= CGROUP_PATH_MAX)
		return ward_error_set(err, ENAMETOOLONG, "cgroupsPath: longer than %d bytes",
				      CGROUP_PATH_MAX - 1);
	for (p = cgroups_path; *p; p++)
		colons += *p == ':';
	if (cgroups_path[0] != '/' && colons == 2 && !strchr(cgroups_path, '/'))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				       "cgroupsPath '%.256s' is in the systemd form "
				       "\"slice:prefix:name\", but ward has no systemd cgroup "
				       "driver (--systemd-cgroup is not supported); use a path",
				       cgroups_path);
	relative = cgroups_path[0] != '/';
	out = malloc(strlen(cgroups_path) + 1);
	if (!out)
		return ward_error_set(err, ENOMEM, "cgroupsPath");
	p = cgroups_path;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* "//" and "/./" add nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* ".." would walk out of the container's subtree, or out
			 * of the hierarchy (a parent's limits, a host cgroup). */
			return ward_error_set(err, EINVAL,
					      "cgroupsPath '%.256s': '..' components are refused "
					      "(they would escape the cgroup hierarchy)",
					      cgroups_path);
		} else {
			if (!component_valid(p, n))
				return ward_error_set(err, EINVAL,
						      "cgroupsPath '%.256s': component '%.*s' is "
						      "empty, too long or has control characters",
						      cgroups_path, (int)(n > 64 ? 64 : n), p);
			if (++depth > CGROUP_MAX_DEPTH)
				return ward_error_set(err, EINVAL,
						      "cgroupsPath: more than %d components",
						      CGROUP_MAX_DEPTH);
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[len] = '\0';
	if (depth == 0)
		return ward_error_set(
			err, EINVAL,
			"cgroupsPath '%.256s' names the %s cgroup itself; a container "
			"needs a cgroup of its own",
			cgroups_path, relative ? "runtime's own" : "root");
	*ret = TAKE_PTR(out);
	*ret_relative = relative;
	return 0;
}

/* ---- a container's cgroup ------------------------------------------------------ */

void
ward_cgroup_free(struct ward_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].mount);
		free(cg->h[i].path);
	}
	free(cg->h);
	free(cg);
}

const struct cgroup_hier *
cgroup_find(const struct ward_cgroup *cg, enum cgroup_ctrl c)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->layout == CGROUP_LAYOUT_V2 && cg->h[i].v2)
			return &cg->h[i];
		if (!cg->h[i].v2 && (cg->h[i].ctrls & CGROUP_BIT(c)))
			return &cg->h[i];
	}
	return NULL;
}

const struct cgroup_hier *
cgroup_unified(const struct ward_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

/* Where to list processes and to freeze: v1 freezer when there is one (it
 * is what freezes on v1 and hybrid), else the unified hierarchy. */
static const struct cgroup_hier *
freeze_hier(const struct ward_cgroup *cg)
{
	const struct cgroup_hier *h = NULL;

	if (cg->layout != CGROUP_LAYOUT_V2)
		h = cgroup_find(cg, CGROUP_FREEZER);
	return h ? h : cgroup_unified(cg);
}

static const struct cgroup_hier *
primary_hier(const struct ward_cgroup *cg)
{
	const struct cgroup_hier *h = cgroup_unified(cg);

	if (!h)
		h = cgroup_find(cg, CGROUP_FREEZER);
	if (!h)
		h = cgroup_find(cg, CGROUP_PIDS);
	return h ? h : (cg->n ? &cg->h[0] : NULL);
}

/* mkdir each component of rel below base. *made_out counts the trailing ones
 * made, kept up to date even on failure so the caller can remove them. */
static int
mkdir_path(const char *base, const char *rel, size_t *made_out, struct ward_error **err)
{
	char path[CGROUP_PATH_MAX];
	size_t blen = strlen(base), created = 0;
	const char *p = rel;

	*made_out = 0;
	if (blen + 1 + strlen(rel) >= sizeof(path))
		return ward_error_set(err, ENAMETOOLONG, "%s/%s", base, rel);
	memcpy(path, base, blen + 1);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p), len = strlen(path);

		if (len > 0 && path[len - 1] != '/')
			path[len++] = '/';
		memcpy(path + len, p, n);
		path[len + n] = '\0';
		if (mkdir(path, 0755) == 0) {
			*made_out = ++created;
		} else if (errno == EEXIST) {
			struct stat st;
			/* Something else by that name (a control file such as
			 * "cgroup.procs", a symlink on a non-cgroup fs). */
			if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
				return ward_error_set(err, ENOTDIR, "mkdir %s", path);
			/* Only trailing components can be "ours". */
			*made_out = created = 0;
		} else {
			return ward_error_set(err, errno, "mkdir %s", path);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* rmdir the n_created trailing components of path (leaf first). */
static void
rmdir_created(const char *path, size_t n_created)
{
	char buf[CGROUP_PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return;
	strcpy(buf, path);
	for (size_t i = 0; i < n_created; i++) {
		char *slash;

		/* A parent shared with a concurrent create stays (ENOTEMPTY). */
		if (rmdir(buf) < 0 && errno != ENOENT)
			return;
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return;
		*slash = '\0';
	}
}

static int read_procs_count(const char *dir, size_t *ret, struct ward_error **err);

/* Build the list of directories without touching the filesystem. */
static int
locate(const struct cgroup_host *host, const char *rel, bool relative, struct ward_cgroup **ret,
       struct ward_error **err)
{
	_cleanup_(ward_cgroup_freep) struct ward_cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg || !(cg->h = calloc(host->n ? host->n : 1, sizeof(*cg->h))))
		return ward_error_set(err, ENOMEM, "cgroup");
	cg->layout = host->layout;
	for (size_t i = 0; i < host->n; i++) {
		const struct cgroup_mount *m = &host->m[i];
		struct cgroup_hier *h = &cg->h[cg->n];
		const char *own = "";

		if (relative) {
			if (!m->own)
				return ward_error_set(
					err, ENOENT,
					"cgroupsPath '%s' is relative, but this "
					"process's own cgroup is not visible under %s",
					rel, m->mount);
			own = strcmp(m->own, "/") == 0 ? "" : m->own;
		}
		h->v2 = m->v2;
		h->ctrls = m->ctrls;
		h->mount = strdup(m->mount);
		h->path = ward_strdup_printf("%s%s/%s", strcmp(m->mount, "/") == 0 ? "" : m->mount,
					     own, rel);
		cg->n++;
		if (!h->mount || !h->path)
			return ward_error_set(err, ENOMEM, "cgroup");
		if (strlen(h->path) >= CGROUP_PATH_MAX)
			return ward_error_set(err, ENAMETOOLONG, "cgroup path %.128s...", h->path);
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

static int
check_resources(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		struct ward_error **err)
{
	if (!res)
		return 0;
	if (cg->layout == CGROUP_LAYOUT_V2)
		return cgroup_v2_check(cg, res, err);
	return cgroup_v1_check(cg, res, err);
}

static int
apply_resources(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res, bool update,
		struct ward_error **err)
{
	const struct cgroup_hier *u;

	if (!res)
		return 0;
	if (cg->layout == CGROUP_LAYOUT_V2) {
		u = cgroup_unified(cg);
		return u ? cgroup_v2_apply(u, res, update, err) : 0;
	}
	/* Hybrid: the v1 controllers do all the limiting, devices included;
	 * the unified directory only tracks membership (for systemd). */
	return cgroup_v1_apply(cg, res, update, err);
}

static int
join(const struct cgroup_hier *h, pid_t pid, struct ward_error **err)
{
	return cgroup_writef(h->path, "cgroup.procs", err, "%d", (int)pid);
}

/* Put pid back where it was (rollback of a failed create). */
static void
unjoin(const struct cgroup_mount *m, const char *orig_text, pid_t pid)
{
	_cleanup_free_ char *orig = proc_cgroup_lookup(orig_text, m);
	_cleanup_free_ char *dir = NULL;

	if (!orig)
		return;
	dir = ward_strdup_printf("%s%s", m->mount, strcmp(orig, "/") == 0 ? "" : orig);
	if (dir)
		(void)cgroup_writef(dir, "cgroup.procs", NULL, "%d", (int)pid);
}

int
cgroup_create_on(const struct cgroup_host *host, const char *cgroups_path, const char *id,
		 const struct ward_cgroup_resources *res, pid_t pid, struct ward_cgroup **ret,
		 struct ward_error **err)
{
	_cleanup_(ward_cgroup_freep) struct ward_cgroup *cg = NULL;
	_cleanup_free_ char *rel = NULL, *orig = NULL;
	size_t made = 0, joined = 0;
	bool relative = false;
	int r;

	if (pid < 0)
		return ward_error_set(err, EINVAL, "cgroup: invalid pid %d", (int)pid);
	r = cgroup_path_normalize(cgroups_path, id, &rel, &relative, err);
	if (r < 0)
		return r;
	r = locate(host, rel, relative, &cg, err);
	if (r < 0)
		return r;
	/* Everything this host cannot do is refused before the first mkdir. */
	r = check_resources(cg, res, err);
	if (r < 0)
		return r;
	if (pid > 0) {
		char procpath[64];
		snprintf(procpath, sizeof(procpath), "/proc/%d/cgroup", (int)pid);
		r = ward_fs_read_all(AT_FDCWD, procpath, CGROUP_FILE_MAX, &orig, NULL, err);
		if (r < 0)
			return ward_error_wrap(err, "cgroup: process %d", (int)pid);
	}

	for (made = 0; made < cg->n; made++) {
		struct cgroup_hier *h = &cg->h[made];
		const char *base_end = h->path + strlen(h->path) - strlen(rel) - 1;
		_cleanup_free_ char *base = strndup(h->path, (size_t)(base_end - h->path));

		if (!base) {
			r = ward_error_set(err, ENOMEM, "cgroup");
			goto fail;
		}
		for (int attempt = 0;; attempt++) {
			r = mkdir_path(*base ? base : "/", rel, &h->n_created, err);
			if (r != -ENOENT || attempt + 1 >= MKDIR_RETRIES)
				break;
			rmdir_created(h->path, h->n_created);
		}
		if (r < 0) {
			made++; /* remove its partial directories too */
			goto fail;
		}
		if (h->n_created == 0) {
			size_t n = 0;
			/* runc refuses a pre-existing cgroup that still has
			 * processes: they would share the limits and be frozen
			 * and killed with the container. */
			r = read_procs_count(h->path, &n, err);
			if (r < 0) {
				made++;
				goto fail;
			}
			if (n > 0) {
				r = ward_error_setk(err, WARD_E_EXISTS, EBUSY,
						    "cgroup %s already has %zu process(es)",
						    h->path, n);
				made++;
				goto fail;
			}
		}
		if (!h->v2 && (h->ctrls & CGROUP_BIT(CGROUP_CPUSET))) {
			r = cgroup_v1_cpuset_init(h, err);
			if (r < 0) {
				made++;
				goto fail;
			}
		}
		if (h->v2 && cg->layout == CGROUP_LAYOUT_V2)
			cgroup_v2_enable_controllers(h);
	}
	r = apply_resources(cg, res, false, err);
	if (r < 0)
		goto fail;
	if (pid > 0) {
		for (joined = 0; joined < cg->n; joined++) {
			r = join(&cg->h[joined], pid, err);
			if (r < 0) {
				ward_error_wrap(err, "move process %d into its cgroup", (int)pid);
				goto fail;
			}
		}
	}
	*ret = TAKE_PTR(cg);
	return 0;

fail:
	/* Nothing left behind: the process goes back, the directories go. */
	for (size_t i = 0; i < joined; i++)
		unjoin(&host->m[i], orig, pid);
	for (size_t i = made; i-- > 0;)
		rmdir_created(cg->h[i].path, cg->h[i].n_created);
	return r;
}

int
ward_cgroup_create(const char *cgroups_path, const char *id,
		   const struct ward_cgroup_resources *res, pid_t pid, struct ward_cgroup **ret,
		   struct ward_error **err)
{
	_cleanup_(host_clearp) struct cgroup_host host = {0};
	int r;

	r = cgroup_host_detect(&host, err);
	if (r < 0)
		return r;
	return cgroup_create_on(&host, cgroups_path, id, res, pid, ret, err);
}

void
ward_cgroup_attach_close(struct ward_cgroup_attach *a)
{
	for (size_t i = 0; i < a->n_v1; i++)
		if (a->v1[i] >= 0)
			(void)close(a->v1[i]);
	a->n_v1 = 0;
	if (a->v2 >= 0)
		(void)close(a->v2);
	a->v2 = -1;
}

static int
open_attach_file(const char *dir, const char *file, struct ward_error **err)
{
	char path[PATH_MAX];
	int fd;

	if (join_path(path, sizeof(path), dir, file) < 0)
		return ward_error_set(err, ENAMETOOLONG, "cgroup path %s", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_set(err, errno, "open %s", path);
	return fd;
}

int
ward_cgroup_attach_open(const struct ward_cgroup *cg, struct ward_cgroup_attach *a,
			struct ward_error **err)
{
	*a = (struct ward_cgroup_attach){.v2 = -1};
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];
		int fd;

		/* cg->n <= CGROUP_MAX_HIERARCHIES, the size of a->v1. v1 "tasks": a thread moving itself there skips the global
		 * threadgroup lock, and with it the RCU grace period. */
		fd = open_attach_file(h->path, h->v2 ? "cgroup.procs" : "tasks", err);
		if (fd < 0) {
			ward_cgroup_attach_close(a);
			return fd;
		}
		if (h->v2)
			a->v2 = fd;
		else
			a->v1[a->n_v1++] = fd;
	}
	return 0;
}

int
ward_cgroup_attach_self(struct ward_cgroup_attach *a, bool born_in_v2, struct ward_error **err)
{
	int r = 0;

	for (size_t i = 0; i < a->n_v1 && r == 0; i++)
		if (write(a->v1[i], "0", 1) != 1)
			r = ward_error_set(err, errno, "move into the container's cgroup (v1)");
	if (r == 0 && a->v2 >= 0 && !born_in_v2 && write(a->v2, "0", 1) != 1)
		r = ward_error_set(err, errno, "move into the container's cgroup (unified)");
	ward_cgroup_attach_close(a);
	return r;
}

int
ward_cgroup_enter(const struct ward_cgroup *cg, pid_t pid, struct ward_error **err)
{
	if (pid <= 0)
		return ward_error_set(err, EINVAL, "cgroup: invalid pid %d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		int r = join(&cg->h[i], pid, err);
		if (r < 0)
			return ward_error_wrap(err, "move process %d into the container's cgroup",
					       (int)pid);
	}
	return 0;
}

int
ward_cgroup_update(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		   struct ward_error **err)
{
	int r;

	if (!res)
		return 0;
	r = check_resources(cg, res, err);
	if (r < 0)
		return r;
	return apply_resources(cg, res, true, err);
}

/* ---- pids ------------------------------------------------------------------- */

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int
read_procs(const char *dir, struct pid_list *l, struct ward_error **err)
{
	char path[CGROUP_PATH_MAX + 16], line[32];
	FILE *f;
	int r = 0;

	if (join_path(path, sizeof(path), dir, "cgroup.procs") < 0)
		return ward_error_set(err, ENAMETOOLONG, "%s", dir);
	f = fopen(path, "re");
	if (!f)
		return ward_error_set(err, errno, "read %s", path);
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;

		trim(line);
		if (ward_parse_u64(line, &v) < 0 || v == 0 || v > INT32_MAX) {
			r = ward_error_set(err, EINVAL, "%s: '%.16s' is not a pid", path, line);
			break;
		}
		if (l->n >= CGROUP_PIDS_MAX) {
			r = ward_error_set(err, E2BIG, "%s: more than %u processes", path,
					   CGROUP_PIDS_MAX);
			break;
		}
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 64;
			pid_t *nv = realloc(l->v, ncap * sizeof(*nv));
			if (!nv) {
				r = ward_error_set(err, ENOMEM, "%s", path);
				break;
			}
			l->v = nv;
			l->cap = ncap;
		}
		l->v[l->n++] = (pid_t)v;
	}
	fclose(f);
	return r;
}

static int
read_procs_count(const char *dir, size_t *ret, struct ward_error **err)
{
	struct pid_list l = {0};
	int r = read_procs(dir, &l, err);

	free(l.v);
	if (r < 0)
		return r;
	*ret = l.n;
	return 0;
}

static int
walk_procs(const char *dir, int depth, struct pid_list *l, struct ward_error **err)
{
	DIR *d;
	struct dirent *de;
	int r;

	if (depth > CGROUP_WALK_MAX_DEPTH)
		return ward_error_set(err, ELOOP, "%s: cgroups nested deeper than %d", dir,
				      CGROUP_WALK_MAX_DEPTH);
	r = read_procs(dir, l, err);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return ward_error_set(err, errno, "opendir %s", dir);
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = ward_strdup_printf("%s/%s", dir, de->d_name);
		if (!child) {
			r = ward_error_set(err, ENOMEM, "%s", dir);
			break;
		}
		r = walk_procs(child, depth + 1, l, err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int
ward_cgroup_pids(const struct ward_cgroup *cg, pid_t **ret, size_t *ret_n, struct ward_error **err)
{
	const struct cgroup_hier *h = primary_hier(cg);
	struct pid_list l = {0};
	int r;

	if (!h)
		return ward_error_set(err, ENOENT, "cgroup: no hierarchy");
	r = walk_procs(h->path, 0, &l, err);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

/* ---- freeze --------------------------------------------------------------------- */

int
ward_cgroup_freeze(const struct ward_cgroup *cg, bool frozen, struct ward_error **err)
{
	const struct cgroup_hier *h = freeze_hier(cg);

	if (!h)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				       "cgroup: this host has neither a v1 freezer nor cgroup v2");
	return h->v2 ? cgroup_v2_freeze(h, frozen, err) : cgroup_v1_freeze(h, frozen, err);
}

int
ward_cgroup_is_frozen(const struct ward_cgroup *cg, struct ward_error **err)
{
	const struct cgroup_hier *h = freeze_hier(cg);

	if (!h)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				       "cgroup: this host has neither a v1 freezer nor cgroup v2");
	return h->v2 ? cgroup_v2_is_frozen(h, err) : cgroup_v1_is_frozen(h, err);
}

/* ---- destroy ---------------------------------------------------------------------- */

static int
rmdir_retry(const char *path, struct ward_error **err)
{
	long delay = RMDIR_RETRY_DELAY_MS;

	for (int i = 0;; i++) {
		size_t n = 0;

		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i + 1 >= RMDIR_RETRIES)
			return ward_error_set(err, errno, "remove cgroup %s", path);
		/* Processes inside: they will not leave by waiting (the caller
		 * must kill them first). An empty cgroup can stay EBUSY for a
		 * moment while the kernel drops the last exited task: retry. */
		if (read_procs_count(path, &n, NULL) == 0 && n > 0)
			return ward_error_set(err, EBUSY,
					      "remove cgroup %s (%zu process(es) inside)", path, n);
		sleep_ms(delay);
		delay = delay * 2 > RMDIR_RETRY_DELAY_MAX_MS ? RMDIR_RETRY_DELAY_MAX_MS : delay * 2;
	}
}

/* Sub-cgroups the container made (cgroup namespace) go first, leaf-first. */
static int
remove_cgroup_tree(const char *dir, int depth, struct ward_error **err)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > CGROUP_WALK_MAX_DEPTH)
		return ward_error_set(err, ELOOP, "%s: cgroups nested deeper than %d", dir,
				      CGROUP_WALK_MAX_DEPTH);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "opendir %s", dir);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = ward_strdup_printf("%s/%s", dir, de->d_name);
		if (!child) {
			r = ward_error_set(err, ENOMEM, "%s", dir);
			break;
		}
		r = remove_cgroup_tree(child, depth + 1, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	return rmdir_retry(dir, err);
}

int
ward_cgroup_destroy(const struct ward_cgroup *cg, struct ward_error **err)
{
	int first = 0;

	/* Every hierarchy is tried even when one fails, so a single busy
	 * directory does not leave all the others behind. */
	for (size_t i = cg->n; i-- > 0;) {
		struct ward_error *e = NULL;
		int r = remove_cgroup_tree(cg->h[i].path, 0, &e);

		if (r < 0 && first == 0) {
			first = r;
			if (r == -EBUSY)
				(void)ward_error_wrap(&e, "processes are still in the cgroup");
			if (err) {
				ward_error_free(*err);
				*err = TAKE_PTR(e);
			}
		}
		ward_error_free(e);
	}
	return first;
}

/* ---- stats, features ------------------------------------------------------------------ */

json_t *
ward_cgroup_stats(const struct ward_cgroup *cg)
{
	json_t *out = json_object();

	if (!out)
		return NULL;
	if (cg->layout == CGROUP_LAYOUT_V2) {
		const struct cgroup_hier *u = cgroup_unified(cg);
		if (u)
			cgroup_v2_stats(u, out);
	} else {
		cgroup_v1_stats(cg, out);
	}
	return out;
}

json_t *
ward_cgroup_features(void)
{
	/* What the runtime supports, not what this host has (features.md). */
	return json_pack("{s:b, s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1, "systemd", 0, "systemdUser",
			 0, "rdma", 1);
}

/* ---- persistence ---------------------------------------------------------------------- */

json_t *
ward_cgroup_to_json(const struct ward_cgroup *cg)
{
	json_t *j = NULL, *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_hier *h = &cg->h[i];
		json_t *ctrls = json_array(), *o;

		if (!ctrls)
			goto oom;
		for (int c = 0; c < CGROUP_CTRL_COUNT; c++)
			if ((h->ctrls & CGROUP_BIT(c)) &&
			    json_array_append_new(ctrls, json_string(ctrl_names[c])) < 0) {
				json_decref(ctrls);
				goto oom;
			}
		o = json_pack("{s:i, s:s, s:s, s:o}", "version", h->v2 ? 2 : 1, "mount", h->mount,
			      "path", h->path, "controllers", ctrls);
		if (!o || json_array_append_new(arr, o) < 0)
			goto oom;
	}
	j = json_pack("{s:s, s:o}", "layout", cgroup_layout_name(cg->layout), "hierarchies", arr);
	return j;
oom:
	json_decref(arr);
	return NULL;
}

/* An absolute path made of plain components: no "", ".", ".." or control
 * characters, so it cannot be steered anywhere but where it reads. */
static bool
clean_abs_path(const char *s)
{
	const char *p;

	if (!s || s[0] != '/' || strlen(s) >= CGROUP_PATH_MAX)
		return false;
	if (strcmp(s, "/") == 0)
		return true;
	p = s + 1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!component_valid(p, n) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

int
ward_cgroup_from_json(json_t *j, struct ward_cgroup **ret, struct ward_error **err)
{
	_cleanup_(ward_cgroup_freep) struct ward_cgroup *cg = NULL;
	const char *where = "cgroup", *layout = NULL;
	json_t *arr = NULL, *e;
	size_t i, n_v1 = 0, n_v2 = 0;
	int r;

	/* state.json is ours, but it sits on disk between invocations: a
	 * forged one must not turn destroy/freeze into writes or rmdirs of
	 * arbitrary host paths, so every path must be a cgroupfs directory. */
	if (!json_is_object(j))
		return ward_error_set(err, EINVAL, "cgroup: expected an object, got %s",
				      j ? ward_json_type_name(j) : "nothing");
	r = ward_json_get_string(j, where, "layout", &layout, err);
	if (r < 0)
		return r;
	if (r == 0)
		return ward_error_set(err, EINVAL, "cgroup.layout: required");
	r = ward_json_get_array(j, where, "hierarchies", CGROUP_MAX_HIERARCHIES, &arr, err);
	if (r < 0)
		return r;
	if (r == 0 || json_array_size(arr) == 0)
		return ward_error_set(err, EINVAL, "cgroup.hierarchies: required, not empty");
	cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->h = calloc(json_array_size(arr), sizeof(*cg->h))))
		return ward_error_set(err, ENOMEM, "cgroup");
	if (strcmp(layout, "v1") == 0)
		cg->layout = CGROUP_LAYOUT_V1;
	else if (strcmp(layout, "v2") == 0)
		cg->layout = CGROUP_LAYOUT_V2;
	else if (strcmp(layout, "hybrid") == 0)
		cg->layout = CGROUP_LAYOUT_HYBRID;
	else
		return ward_error_set(err, EINVAL, "cgroup.layout: '%.16s' is not v1, v2 or hybrid",
				      layout);
	json_array_foreach(arr, i, e) {
		char w[64];
		struct cgroup_hier *h = &cg->h[cg->n];
		const char *mount = NULL, *path = NULL;
		json_t *ctrls = NULL, *c;
		int64_t version = 0;
		size_t k, mlen;
		struct statfs sfs;

		snprintf(w, sizeof(w), "cgroup.hierarchies[%zu]", i);
		if (!json_is_object(e))
			return ward_error_set(err, EINVAL, "%s: expected an object, got %s", w,
					      ward_json_type_name(e));
		if ((r = ward_json_get_range(e, w, "version", 1, 2, &version, err)) < 0 ||
		    (r = ward_json_get_string(e, w, "mount", &mount, err)) < 0 ||
		    (r = ward_json_get_string(e, w, "path", &path, err)) < 0 ||
		    (r = ward_json_get_array(e, w, "controllers", CGROUP_CTRL_COUNT, &ctrls, err)) <
			    0)
			return r;
		if (!version || !mount || !path)
			return ward_error_set(err, EINVAL,
					      "%s: version, mount and path are required", w);
		if (!clean_abs_path(mount) || !clean_abs_path(path))
			return ward_error_set(err, EINVAL,
					      "%s: mount and path must be clean "
					      "absolute paths",
					      w);
		mlen = strlen(mount);
		if (strcmp(mount, "/") == 0)
			mlen = 0;
		if (strncmp(path, mount, mlen) != 0 || path[mlen] != '/' || path[mlen + 1] == '\0')
			return ward_error_set(err, EINVAL,
					      "%s: path '%.128s' is not below mount "
					      "'%.128s'",
					      w, path, mount);
		h->v2 = version == 2;
		if (ctrls) {
			json_array_foreach(ctrls, k, c) {
				int id = json_is_string(c)
						 ? cgroup_ctrl_from_name(json_string_value(c))
						 : -1;
				if (id < 0 || id == CGROUP_IO)
					return ward_error_set(err, EINVAL,
							      "%s.controllers[%zu]: unknown", w, k);
				h->ctrls |= CGROUP_BIT(id);
			}
		}
		if (h->v2 ? h->ctrls != 0 : h->ctrls == 0)
			return ward_error_set(
				err, EINVAL,
				"%s: a v1 hierarchy lists its controllers, a v2 one none", w);
		/* The mount must be the cgroup filesystem of that version now. */
		if (statfs(mount, &sfs) < 0)
			return ward_error_set(err, errno, "%s: mount %s", w, mount);
		if ((unsigned long)sfs.f_type !=
		    (unsigned long)(h->v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
			return ward_error_setk(err, WARD_E_DENIED, EINVAL,
					       "%s: %s is not a cgroup%s filesystem", w, mount,
					       h->v2 ? "2" : "");
		/* And so must the directory, when it still exists: nothing may be
		 * mounted over a cgroup directory to redirect the writes. */
		if (statfs(path, &sfs) == 0 &&
		    (unsigned long)sfs.f_type !=
			    (unsigned long)(h->v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
			return ward_error_setk(err, WARD_E_DENIED, EINVAL,
					       "%s: %s is not on a cgroup filesystem", w, path);
		h->mount = strdup(mount);
		h->path = strdup(path);
		cg->n++;
		if (!h->mount || !h->path)
			return ward_error_set(err, ENOMEM, "cgroup");
		if (h->v2)
			n_v2++;
		else
			n_v1++;
	}
	if ((cg->layout == CGROUP_LAYOUT_V2 && (n_v1 || n_v2 != 1)) ||
	    (cg->layout == CGROUP_LAYOUT_V1 && n_v2) ||
	    (cg->layout == CGROUP_LAYOUT_HYBRID && n_v2 != 1) ||
	    (cg->layout != CGROUP_LAYOUT_V2 && !n_v1))
		return ward_error_set(
			err, EINVAL,
			"cgroup: %zu v1 and %zu v2 hierarchies do not make a %s layout", n_v1, n_v2,
			layout);
	*ret = TAKE_PTR(cg);
	return 0;
}

int
ward_cgroup_clone_fd(const struct ward_cgroup *cg, struct ward_error **err)
{
	/* A process can be born only in a cgroup2 cgroup (clone3
	 * CLONE_INTO_CGROUP): on a hybrid host that is the unified directory;
	 * it moves itself into the v1 ones (ward_cgroup_attach_self). */
	for (size_t i = 0; i < cg->n; i++) {
		int fd;

		if (!cg->h[i].v2)
			continue;
		fd = open(cg->h[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return ward_error_set(err, errno, "open cgroup %s", cg->h[i].path);
		return fd;
	}
	return -EOPNOTSUPP;
}
