/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's changes against its image (`ward diff`), read from the
 * overlay's upper directory the way containers/storage and Docker compute
 * them: a whiteout is a deletion, a path the lower layers have is a
 * modification, anything else is an addition, and the parent directory of
 * an addition or deletion is reported as modified.
 *
 * The upper dir is written by the container, so it is hostile: every name
 * is opened relative to its parent with O_NOFOLLOW (a symlink is reported,
 * never entered), and depth, entries and path length are bounded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <ward/image.h>

#define DIFF_PATH_MAX 4096

struct walk {
	const int *lowers;
	size_t n_lowers;
	uint64_t max_entries, seen;
	unsigned max_depth;
	struct ward_change *v;
	size_t n, cap;
	char path[DIFF_PATH_MAX]; /* "/a/b" of the directory being walked */
};

char
ward_change_kind_letter(enum ward_change_kind k)
{
	switch (k) {
	case WARD_CHANGE_MODIFIED:
		return 'C';
	case WARD_CHANGE_ADDED:
		return 'A';
	case WARD_CHANGE_DELETED:
		return 'D';
	}
	return '?';
}

void
ward_changes_free(struct ward_change *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].path);
	free(v);
}

static bool
is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

/* overlayfs marks a directory that hides the lower ones' contents; the
 * user.* name is what a mount with userxattr (in a user namespace) uses. */
static bool
is_opaque(int dirfd)
{
	static const char *const names[] = {"trusted.overlay.opaque", "user.overlay.opaque"};
	char v[4];

	for (size_t i = 0; i < WARD_ARRAY_SIZE(names); i++) {
		ssize_t n = fgetxattr(dirfd, names[i], v, sizeof(v));
		if (n == 1 && v[0] == 'y')
			return true;
	}
	return false;
}

static int
open_dir_nofollow(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

enum lookup { LOOKUP_NEXT_LAYER, LOOKUP_FOUND, LOOKUP_HIDDEN };

/* rel ("a/b/c") in one layer, as overlayfs resolves it: a whiteout or a
 * non-directory on the way hides every lower layer, so does an opaque
 * directory that lacks the rest of the path. Never follows symlinks. */
static enum lookup
lookup_in_layer(int layer_fd, char *rel, struct stat *ret)
{
	int cur = layer_fd, r = LOOKUP_NEXT_LAYER;
	char *comp = rel, *slash;

	for (;;) {
		struct stat st;
		int next;

		slash = strchr(comp, '/');
		if (slash)
			*slash = '\0';
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cur != layer_fd && is_opaque(cur) ? LOOKUP_HIDDEN : LOOKUP_NEXT_LAYER;
			break;
		}
		if (is_whiteout(&st)) {
			r = LOOKUP_HIDDEN;
			break;
		}
		if (!slash) {
			*ret = st;
			r = LOOKUP_FOUND;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = LOOKUP_HIDDEN;
			break;
		}
		next = open_dir_nofollow(cur, comp);
		if (next < 0) {
			r = LOOKUP_NEXT_LAYER;
			break;
		}
		if (cur != layer_fd)
			(void)close(cur);
		cur = next;
		*slash = '/';
		comp = slash + 1;
	}
	if (slash)
		*slash = '/';
	if (cur != layer_fd)
		(void)close(cur);
	return (enum lookup)r;
}

/* Is path ("/a/b") in the image? Layers top first, the first that decides
 * wins. */
static bool
in_lowers(struct walk *w, const char *path, struct stat *ret)
{
	char rel[DIFF_PATH_MAX];

	snprintf(rel, sizeof(rel), "%s", path + 1);
	for (size_t i = 0; i < w->n_lowers; i++) {
		enum lookup l = lookup_in_layer(w->lowers[i], rel, ret);
		if (l != LOOKUP_NEXT_LAYER)
			return l == LOOKUP_FOUND;
	}
	return false;
}

static int
record(struct walk *w, enum ward_change_kind kind, const char *path, struct ward_error **err)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct ward_change *nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv)
			return ward_error_set(err, ENOMEM, "diff");
		w->v = nv;
		w->cap = cap;
	}
	w->v[w->n].path = strdup(path);
	if (!w->v[w->n].path)
		return ward_error_set(err, ENOMEM, "diff");
	w->v[w->n++].kind = kind;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dirfd, sorted (filepath.Walk's order, so the output is
 * stable); counts against the entry budget before anything is kept. */
static int
read_names(struct walk *w, int dirfd, char ***ret, size_t *ret_n, struct ward_error **err)
{
	/* A new open file description: a dup would share (and move) the
	 * caller's directory offset. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return ward_error_set(err, errno, "diff: read '%s'", w->path);
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->seen > w->max_entries) {
			r = ward_error_setk(err, WARD_E_DENIED, 0,
					    "diff: more than %llu entries in the container's "
					    "upper directory (at '%s')",
					    (unsigned long long)w->max_entries, w->path);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nv = realloc(names, nc * sizeof(*nv));
			if (!nv) {
				r = ward_error_set(err, ENOMEM, "diff");
				break;
			}
			names = nv;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = ward_error_set(err, ENOMEM, "diff");
			break;
		}
		n++;
	}
	if (r == 0 && errno)
		r = ward_error_set(err, errno, "diff: read '%s'", w->path);
	(void)closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return r;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

/* Docker's rule: a directory the image has with the same mode, size and
 * mtime was only copied up on the way to a change below it. */
static bool
same_dir(const struct stat *a, const struct stat *b)
{
	return S_ISDIR(b->st_mode) && a->st_mode == b->st_mode && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       (a->st_mtim.tv_nsec == b->st_mtim.tv_nsec || a->st_mtim.tv_nsec == 0 ||
		b->st_mtim.tv_nsec == 0);
}

struct frame {
	int fd;
	unsigned depth;
	bool fresh;    /* nothing below here comes from the image (new or opaque dir) */
	bool recorded; /* this directory is already in the list */
};

static int walk_dir(struct walk *w, struct frame *f, struct ward_error **err);

static int
visit(struct walk *w, struct frame *parent, const char *name, struct ward_error **err)
{
	size_t plen = strlen(w->path);
	struct stat st, low;
	struct frame child = {.fd = -1, .depth = parent->depth + 1};
	enum ward_change_kind kind = WARD_CHANGE_ADDED;
	bool report = true;
	int r = 0;

	if (plen + 1 + strlen(name) >= sizeof(w->path))
		return ward_error_setk(err, WARD_E_DENIED, ENAMETOOLONG,
				       "diff: a path in the upper directory under '%s' is longer "
				       "than %d bytes",
				       w->path, DIFF_PATH_MAX);
	snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s", plen == 1 ? "" : "/", name);
	if (fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0 : ward_error_set(err, errno, "diff: stat '%s'", w->path);
		goto out; /* ENOENT: removed while we walk */
	}
	if (is_whiteout(&st)) {
		/* Under a new or opaque directory a whiteout hides nothing. */
		report = !parent->fresh;
		kind = WARD_CHANGE_DELETED;
	} else if (S_ISDIR(st.st_mode)) {
		if (child.depth > w->max_depth) {
			r = ward_error_setk(err, WARD_E_DENIED, 0,
					    "diff: '%s' is deeper than %u directories", w->path,
					    w->max_depth);
			goto out;
		}
		child.fd = open_dir_nofollow(parent->fd, name);
		if (child.fd < 0) {
			r = errno == ENOENT
				    ? 0
				    : ward_error_set(err, errno, "diff: open '%s'", w->path);
			goto out;
		}
		if (parent->fresh) {
			child.fresh = true;
		} else if (!in_lowers(w, w->path, &low)) {
			child.fresh = true;
		} else {
			kind = WARD_CHANGE_MODIFIED;
			child.fresh = is_opaque(child.fd);
			report = child.fresh || !same_dir(&st, &low);
		}
	} else if (!parent->fresh && in_lowers(w, w->path, &low)) {
		kind = WARD_CHANGE_MODIFIED;
	}
	if (report) {
		/* The directory an entry was added to or deleted from changed
		 * too, even when its mode, size and mtime say otherwise
		 * (Docker's and podman's rule, moby#13590). */
		if (kind != WARD_CHANGE_MODIFIED && !parent->recorded && plen > 1) {
			char save = w->path[plen];
			w->path[plen] = '\0';
			r = record(w, WARD_CHANGE_MODIFIED, w->path, err);
			w->path[plen] = save;
			if (r < 0)
				goto out;
			parent->recorded = true;
		}
		if ((r = record(w, kind, w->path, err)) < 0)
			goto out;
		child.recorded = true;
	}
	if (child.fd >= 0)
		r = walk_dir(w, &child, err);
out:
	if (child.fd >= 0)
		(void)close(child.fd);
	w->path[plen] = '\0';
	return r;
}

static int
walk_dir(struct walk *w, struct frame *f, struct ward_error **err)
{
	char **names = NULL;
	size_t n = 0;
	int r = read_names(w, f->fd, &names, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = visit(w, f, names[i], err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int
ward_diff_overlay(int upper_fd, const int *lower_fds, size_t n_lowers,
		  const struct ward_diff_limits *lim, struct ward_change **ret, size_t *ret_n,
		  struct ward_error **err)
{
	struct walk w = {.lowers = lower_fds,
			 .n_lowers = n_lowers,
			 .max_entries =
				 lim && lim->max_entries ? lim->max_entries : WARD_DIFF_MAX_ENTRIES,
			 .max_depth = lim && lim->max_depth ? lim->max_depth : WARD_DIFF_MAX_DEPTH,
			 .path = "/"};
	/* The root itself is never reported, and never gets a parent entry. */
	struct frame root = {.fd = upper_fd, .recorded = true};
	int r = walk_dir(&w, &root, err);

	if (r < 0) {
		ward_changes_free(w.v, w.n);
		return r;
	}
	*ret = w.v;
	*ret_n = w.n;
	return 0;
}

/* ---- the image's lower directories ------------------------------------ */

static int
read_manifest(struct ward_store *s, const struct ward_digest *d, struct ward_manifest **ret,
	      struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = ward_store_read_blob(s, d, WARD_MANIFEST_MAX, &buf, &len, err);

	if (r < 0)
		return r;
	if (ward_manifest_parse(buf, len, NULL, ret, NULL) == 0)
		return 0;
	{
		/* An index (the container was made from a multi-platform
		 * image): the entry for this host, as `run` picked it. */
		_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
		const struct ward_index_entry *e = NULL;
		if ((r = ward_index_parse(buf, len, NULL, &idx, err)) < 0 ||
		    (r = ward_index_pick(idx, NULL, &e, err)) < 0)
			return r;
		free(buf);
		buf = NULL;
		if ((r = ward_store_read_blob(s, &e->desc.digest, WARD_MANIFEST_MAX, &buf, &len,
					      err)) < 0)
			return r;
		return ward_manifest_parse(buf, len, e->desc.media_type, ret, err);
	}
}

int
ward_image_lower_dirs(const char *root, const char *manifest_digest, char ***ret,
		      struct ward_error **err)
{
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	_cleanup_free_ char *cbuf = NULL;
	struct ward_digest d;
	size_t clen = 0, n;
	char **dirs;
	int r;

	if ((r = ward_digest_parse(manifest_digest, &d, err)) < 0 ||
	    (r = ward_store_open(root, false, &s, err)) < 0 ||
	    (r = read_manifest(s, &d, &m, err)) < 0 ||
	    (r = ward_store_read_blob(s, &m->config.digest, WARD_MANIFEST_MAX, &cbuf, &clen, err)) <
		    0 ||
	    (r = ward_image_config_parse(cbuf, clen, &c, err)) < 0)
		return ward_error_wrap(err, "image %s", manifest_digest);
	n = c->n_diff_ids;
	if (n != m->n_layers)
		return ward_error_set(err, EINVAL, "image %s: %zu layers but %zu diff ids",
				      manifest_digest, m->n_layers, n);
	dirs = calloc(n + 1, sizeof(char *));
	if (!dirs)
		return ward_error_set(err, ENOMEM, "image %s", manifest_digest);
	for (size_t i = 0; i < n; i++) {
		/* Top layer first, as overlayfs lists them. */
		dirs[n - 1 - i] =
			ward_strdup_printf("%s/layers/%s", root, ward_digest_hex(&c->diff_ids[i]));
		if (!dirs[n - 1 - i]) {
			ward_strv_free(dirs);
			return ward_error_set(err, ENOMEM, "image %s", manifest_digest);
		}
	}
	*ret = dirs;
	return (int)n;
}
