/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The blob store: an OCI image layout (oci-layout, index.json,
 * blobs/sha256/<hex>) that skopeo and umoci read and write too. Blobs are
 * streamed into root/ingest/, hashed on the way, and renamed into place
 * only once digest and size check out, so blobs/ never holds anything
 * unverified.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <ward/image.h>

#include "internal.h"

#define LAYOUT_FILE "oci-layout"
#define INDEX_FILE "index.json"
#define LOCK_FILE ".lock"
#define INGEST_DIR "ingest"
#define LAYOUT_MAX 4096
#define INGEST_STALE_SECONDS 3600
#define GC_MAX_NODES (1u << 20)

struct ward_store {
	char *root;
	int fd;
	int blobs_fd; /* blobs/sha256 */
	int ingest_fd;
};

struct ward_blob_writer {
	struct ward_store *s;
	int fd;
	char name[64]; /* in ingest/ */
	struct ward_hasher *h;
	uint64_t written, max;
	int64_t expected_size;
	bool has_expected;
	struct ward_digest expected;
	bool failed;
};

#define _cleanup_json_ _cleanup_(json_decrefp)

/* ---- open --------------------------------------------------------------- */

static int
open_subdir(int dirfd, const char *name, bool create, struct ward_error **err)
{
	int fd;

	if (create && mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return ward_error_set(err, errno, "mkdir '%s'", name);
	/* O_NOFOLLOW: a blobs/ symlinked elsewhere would make us write (and
	 * gc delete) outside the store. */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "open '%s'", name);
	return fd;
}

static int
read_small(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
	   struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ward_error_set(err, errno, "open '%s'", name);
	/* A FIFO or device planted in place of a file would hang or feed
	 * endless data. */
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "stat '%s'", name);
	if (!S_ISREG(st.st_mode))
		return ward_error_set(err, EINVAL, "'%s' is not a regular file", name);
	return ward_fs_read_fd(fd, max, name, ret, ret_len, err);
}

static int
lock_store(struct ward_store *s, struct ward_error **err)
{
	int fd = openat(s->fd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return ward_error_set(err, errno, "open '%s/%s'", s->root, LOCK_FILE);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			(void)close(fd);
			return ward_error_set(err, e, "lock '%s/%s'", s->root, LOCK_FILE);
		}
	}
	return fd; /* closing it releases the lock */
}

static int
ensure_file(int dirfd, const char *name, const char *content, struct ward_error **err)
{
	if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return ward_error_set(err, errno, "access '%s'", name);
	return ward_fs_write_atomic(dirfd, name, content, strlen(content), 0644, err);
}

static int
check_layout(struct ward_store *s, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_t *j = NULL;
	const char *version = NULL;
	size_t len = 0;
	int r;

	r = read_small(s->fd, LAYOUT_FILE, LAYOUT_MAX, &buf, &len, err);
	if (r >= 0)
		r = ward_json_parse(buf, len, LAYOUT_FILE, &j, err);
	if (r >= 0 && !json_is_object(j))
		r = ward_error_set(err, EINVAL, "%s: expected an object, got %s", LAYOUT_FILE,
				   ward_json_type_name(j));
	if (r >= 0)
		r = ward_json_get_string(j, LAYOUT_FILE, "imageLayoutVersion", &version, err);
	if (r == 0)
		r = ward_error_set(err, EINVAL, "%s.imageLayoutVersion: required", LAYOUT_FILE);
	if (r > 0 && !ward_str_has_prefix(version, "1."))
		r = ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				    "%s.imageLayoutVersion: '%.*s' is not supported", LAYOUT_FILE,
				    64, version);
	return r < 0 ? r : 0;
}

/* index.json as JSON (to edit, keeping what we do not understand) and
 * parsed (to read). Either out-param may be NULL. */
static int
load_index(struct ward_store *s, json_t **ret_json, struct ward_index **ret_idx,
	   struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_t *j = NULL;
	const char *mt = NULL;
	int64_t version = 0;
	size_t len = 0;
	int r;

	r = read_small(s->fd, INDEX_FILE, WARD_MANIFEST_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	r = ward_json_parse(buf, len, INDEX_FILE, &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", INDEX_FILE,
				      ward_json_type_name(j));
	r = ward_json_get_int64(j, INDEX_FILE, "schemaVersion", &version, err);
	if (r < 0)
		return r;
	if (r == 0 || version != 2)
		return ward_error_set(err, EINVAL, "%s.schemaVersion: must be 2", INDEX_FILE);
	r = ward_json_get_string(j, INDEX_FILE, "mediaType", &mt, err);
	if (r < 0)
		return r;
	if (r > 0 && strcmp(mt, WARD_MT_OCI_INDEX) != 0)
		return ward_error_set(err, EINVAL, "%s.mediaType: '%.*s' is not %s", INDEX_FILE,
				      100, mt, WARD_MT_OCI_INDEX);
	if (ret_idx) {
		r = image_index_from_json(j, INDEX_FILE, ret_idx, err);
		if (r < 0)
			return r;
		snprintf((*ret_idx)->media_type, sizeof((*ret_idx)->media_type), "%s",
			 WARD_MT_OCI_INDEX);
	}
	if (ret_json)
		*ret_json = TAKE_PTR(j);
	return 0;
}

int
ward_store_open(const char *root, bool create, struct ward_store **ret, struct ward_error **err)
{
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_close_ int lock = -1, blobs = -1;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return ward_error_set(err, ENOMEM, "store '%s'", root);
	s->fd = s->blobs_fd = s->ingest_fd = -1;
	s->root = strdup(root);
	if (!s->root)
		return ward_error_set(err, ENOMEM, "store '%s'", root);
	if (create && (r = ward_fs_mkdir_p(root, 0755, err)) < 0)
		goto fail;
	s->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->fd < 0) {
		r = ward_error_set(err, errno, "open '%s'", root);
		goto fail;
	}
	if (create) {
		/* Two processes creating one store at once both write the same
		 * files; the lock keeps index.json from being reset under a
		 * concurrent tag. */
		lock = lock_store(s, err);
		if (lock < 0) {
			r = lock;
			goto fail;
		}
		r = ensure_file(s->fd, LAYOUT_FILE, "{\"imageLayoutVersion\":\"1.0.0\"}", err);
		if (r >= 0)
			r = ensure_file(s->fd, INDEX_FILE,
					"{\"schemaVersion\":2,\"mediaType\":\"" WARD_MT_OCI_INDEX
					"\",\"manifests\":[]}",
					err);
		if (r < 0)
			goto fail;
	}
	if ((r = check_layout(s, err)) < 0)
		goto fail;
	if ((r = load_index(s, NULL, &idx, err)) < 0)
		goto fail;
	blobs = open_subdir(s->fd, "blobs", create, err);
	if (blobs < 0) {
		r = blobs;
		goto fail;
	}
	s->blobs_fd = open_subdir(blobs, "sha256", create, err);
	if (s->blobs_fd < 0) {
		r = s->blobs_fd;
		goto fail;
	}
	/* ingest/ is ours; a layout written by skopeo lacks it, so make it
	 * on demand. A layout we may only read (read-only mount) still opens;
	 * writers then fail in ward_store_blob_begin. */
	s->ingest_fd = open_subdir(s->fd, INGEST_DIR, true, create ? err : NULL);
	if (s->ingest_fd < 0 && create) {
		r = s->ingest_fd;
		goto fail;
	}
	*ret = TAKE_PTR(s);
	return 0;
fail:
	return ward_error_wrap(err, "store '%s'", root);
}

void
ward_store_free(struct ward_store *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		(void)close(s->fd);
	if (s->blobs_fd >= 0)
		(void)close(s->blobs_fd);
	if (s->ingest_fd >= 0)
		(void)close(s->ingest_fd);
	free(s->root);
	free(s);
}

const char *
ward_store_root(const struct ward_store *s)
{
	return s->root;
}

int
ward_store_fd(const struct ward_store *s)
{
	return s->fd;
}

/* ---- blobs -------------------------------------------------------------- */

int
ward_store_blob_begin(struct ward_store *s, const struct ward_digest *expected,
		      int64_t expected_size, uint64_t max, struct ward_blob_writer **ret,
		      struct ward_error **err)
{
	_cleanup_(ward_blob_abortp) struct ward_blob_writer *w = NULL;
	uint64_t rnd = 0;

	if (expected && ward_digest_parse(expected->s, &(struct ward_digest){{0}}, err) < 0)
		return ward_error_wrap(err, "blob");
	if (expected_size < -1)
		return ward_error_set(err, EINVAL, "blob: invalid expected size %lld",
				      (long long)expected_size);
	/* A descriptor that announces more than the caller allows is refused
	 * before a single byte is downloaded. */
	if (max > WARD_BLOB_MAX)
		max = WARD_BLOB_MAX;
	if (expected_size >= 0 && (uint64_t)expected_size > max)
		return ward_error_set(err, EFBIG,
				      "blob %s: size %lld is more than the %llu allowed",
				      expected ? expected->s : "", (long long)expected_size,
				      (unsigned long long)max);
	if (s->ingest_fd < 0)
		return ward_error_set(err, EROFS, "blob: store '%s' has no writable %s/", s->root,
				      INGEST_DIR);
	w = calloc(1, sizeof(*w));
	if (!w)
		return ward_error_set(err, ENOMEM, "blob");
	w->fd = -1;
	w->s = s;
	w->max = max;
	w->expected_size = expected_size;
	if (expected) {
		w->has_expected = true;
		w->expected = *expected;
	}
	w->h = ward_hasher_new();
	if (!w->h)
		return ward_error_set(err, ENOMEM, "blob");
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return ward_error_set(err, errno, "blob: getrandom");
	snprintf(w->name, sizeof(w->name), "blob-%d-%016llx", (int)getpid(),
		 (unsigned long long)rnd);
	w->fd = openat(s->ingest_fd, w->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (w->fd < 0) {
		int e = errno;
		w->name[0] = '\0';
		return ward_error_set(err, e, "blob: create '%s/%s'", s->root, INGEST_DIR);
	}
	*ret = TAKE_PTR(w);
	return 0;
}

static const char *
writer_label(const struct ward_blob_writer *w)
{
	return w->has_expected ? w->expected.s : "(new)";
}

int
ward_blob_write(struct ward_blob_writer *w, const void *buf, size_t len, struct ward_error **err)
{
	uint64_t total;
	int r;

	if (w->failed)
		return ward_error_set(err, EINVAL, "blob %s: write after a failed write",
				      writer_label(w));
	/* Stops a registry that ignores its own descriptor from filling the
	 * disk: we stop at the announced size or the caller's cap. */
	if (__builtin_add_overflow(w->written, (uint64_t)len, &total) || total > w->max) {
		w->failed = true;
		return ward_error_set(err, EFBIG, "blob %s: more than the %llu bytes allowed",
				      writer_label(w), (unsigned long long)w->max);
	}
	if (w->expected_size >= 0 && total > (uint64_t)w->expected_size) {
		w->failed = true;
		return ward_error_set(err, EFBIG, "blob %s: more than the %lld bytes expected",
				      writer_label(w), (long long)w->expected_size);
	}
	r = ward_fs_write_all(w->fd, buf, len);
	if (r < 0) {
		w->failed = true;
		return ward_error_set(err, -r, "blob %s: write", writer_label(w));
	}
	ward_hasher_update(w->h, buf, len);
	w->written = total;
	return 0;
}

static int
commit(struct ward_blob_writer *w, struct ward_digest *ret_digest, struct ward_error **err)
{
	struct ward_digest got;

	if (w->failed)
		return ward_error_set(err, EINVAL, "blob %s: earlier write failed",
				      writer_label(w));
	if (w->expected_size >= 0 && w->written != (uint64_t)w->expected_size)
		return ward_error_set(err, EINVAL, "blob %s: truncated: got %llu of %lld bytes",
				      writer_label(w), (unsigned long long)w->written,
				      (long long)w->expected_size);
	ward_hasher_final(w->h, &got);
	/* The whole point of content addressing: bytes that do not hash to
	 * what the manifest promised are never stored (substituted layer). */
	if (w->has_expected && strcmp(got.s, w->expected.s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, 0, "blob %s: digest mismatch (got %s)",
				       w->expected.s, got.s);
	if (fchmod(w->fd, 0444) < 0 || fsync(w->fd) < 0)
		return ward_error_set(err, errno, "blob %s: sync", got.s);
	if (renameat(w->s->ingest_fd, w->name, w->s->blobs_fd, ward_digest_hex(&got)) < 0)
		return ward_error_set(err, errno, "blob %s: rename into blobs/sha256", got.s);
	w->name[0] = '\0'; /* nothing left to unlink */
	(void)fsync(w->s->blobs_fd);
	if (ret_digest)
		*ret_digest = got;
	return 0;
}

int
ward_blob_commit(struct ward_blob_writer *w, struct ward_digest *ret_digest,
		 struct ward_error **err)
{
	/* Always consumes the writer: on failure its temp file goes with it. */
	int r = commit(w, ret_digest, err);

	ward_blob_abort(w);
	return r;
}

void
ward_blob_abort(struct ward_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		(void)close(w->fd);
	if (w->name[0])
		(void)unlinkat(w->s->ingest_fd, w->name, 0);
	ward_hasher_free(w->h);
	free(w);
}

int
ward_store_put_blob(struct ward_store *s, const void *buf, size_t len,
		    struct ward_digest *ret_digest, struct ward_error **err)
{
	struct ward_blob_writer *w = NULL;
	int r;

	if (len > INT64_MAX)
		return ward_error_set(err, EFBIG, "blob: too large");
	r = ward_store_blob_begin(s, NULL, (int64_t)len, len, &w, err);
	if (r < 0)
		return r;
	r = ward_blob_write(w, buf, len, err);
	if (r < 0) {
		ward_blob_abort(w);
		return r;
	}
	return ward_blob_commit(w, ret_digest, err);
}

bool
ward_store_has_blob(struct ward_store *s, const struct ward_digest *d)
{
	struct ward_digest chk;
	struct stat st;

	if (ward_digest_parse(d->s, &chk, NULL) < 0)
		return false;
	return fstatat(s->blobs_fd, ward_digest_hex(d), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int
ward_store_blob_open(struct ward_store *s, const struct ward_digest *d, uint64_t *ret_size,
		     struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct ward_digest chk;
	struct stat st;

	/* Re-validate: the hex becomes a file name, and a caller-built digest
	 * with '/' or ".." would escape blobs/sha256. */
	if (ward_digest_parse(d->s, &chk, err) < 0)
		return ward_error_wrap(err, "blob");
	fd = openat(s->blobs_fd, ward_digest_hex(d),
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
					       "blob %s: not in store", d->s);
		return ward_error_set(err, errno, "blob %s: open", d->s);
	}
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "blob %s: stat", d->s);
	if (!S_ISREG(st.st_mode))
		return ward_error_set(err, EINVAL, "blob %s: not a regular file", d->s);
	if (ret_size)
		*ret_size = (uint64_t)st.st_size;
	return TAKE_FD(fd);
}

int
ward_store_read_blob(struct ward_store *s, const struct ward_digest *d, size_t max, char **ret,
		     size_t *ret_len, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct ward_digest got;
	uint64_t size = 0;
	size_t len = 0;
	int r;

	fd = ward_store_blob_open(s, d, &size, err);
	if (fd < 0)
		return fd;
	if (size > max)
		return ward_error_set(err, EFBIG, "blob %s: %llu bytes, more than the %zu allowed",
				      d->s, (unsigned long long)size, max);
	r = ward_fs_read_fd(fd, max, d->s, &buf, &len, err);
	if (r < 0)
		return ward_error_wrap(err, "blob");
	/* Blobs are 0444 but root ignores that; a file changed on disk
	 * (bit rot, a tampering neighbour) is caught before anyone parses it. */
	ward_digest_of(buf, len, &got);
	if (strcmp(got.s, d->s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, 0, "blob %s: digest mismatch (got %s)",
				       d->s, got.s);
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* ---- names -------------------------------------------------------------- */

static bool
ref_sep(char c)
{
	return c == '-' || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+';
}

bool
image_ref_name_valid(const char *name)
{
	/* The OCI image-layout ref.name grammar: alphanum components joined
	 * by single separators ("--" allowed). No spaces or control bytes
	 * reach index.json or a terminal. */
	size_t n = strnlen(name, WARD_STORE_NAME_MAX + 1);

	if (n == 0 || n > WARD_STORE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (alnum)
			continue;
		if (!ref_sep(c) || i == 0 || i == n - 1)
			return false;
		if (ref_sep(name[i - 1]) &&
		    !(c == '-' && name[i - 1] == '-' && (i < 2 || !ref_sep(name[i - 2]))))
			return false;
	}
	return true;
}

static int
check_name(const char *name, struct ward_error **err)
{
	if (!name || !image_ref_name_valid(name))
		return ward_error_set(err, EINVAL, "invalid image name '%.*s'", 100,
				      name ? name : "(null)");
	return 0;
}

static const char *
entry_ref_name(json_t *e)
{
	json_t *ann = json_object_get(e, "annotations");
	json_t *v = json_is_object(ann) ? json_object_get(ann, WARD_REF_NAME_ANNOTATION) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
save_index(struct ward_store *s, json_t *j, struct ward_error **err)
{
	_cleanup_free_ char *out = json_dumps(j, JSON_COMPACT);

	if (!out)
		return ward_error_set(err, ENOMEM, "write %s", INDEX_FILE);
	return ward_fs_write_atomic(s->fd, INDEX_FILE, out, strlen(out), 0644, err);
}

/* Drop entries named `name`; returns how many. */
static size_t
remove_named(json_t *manifests, const char *name)
{
	size_t removed = 0;

	for (size_t i = json_array_size(manifests); i-- > 0;) {
		const char *n = entry_ref_name(json_array_get(manifests, i));
		if (n && strcmp(n, name) == 0) {
			(void)json_array_remove(manifests, i);
			removed++;
		}
	}
	return removed;
}

int
ward_store_tag(struct ward_store *s, const char *name, const char *media_type,
	       const struct ward_digest *d, struct ward_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_close_ int lock = -1, fd = -1;
	json_t *manifests, *entry;
	uint64_t size = 0;
	int r;

	if ((r = check_name(name, err)) < 0)
		return r;
	if (!ward_media_type_is_manifest(media_type) && !ward_media_type_is_index(media_type))
		return ward_error_set(err, EINVAL, "tag %s: '%.*s' is not a manifest or index type",
				      name, 100, media_type ? media_type : "(null)");
	fd = ward_store_blob_open(s, d, &size, err);
	if (fd < 0)
		return ward_error_wrap(err, "tag %s", name);
	lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	r = load_index(s, &j, NULL, err);
	if (r < 0)
		return ward_error_wrap(err, "tag %s", name);
	manifests = json_object_get(j, "manifests");
	remove_named(manifests, name);
	if (json_array_size(manifests) >= WARD_INDEX_MAX_MANIFESTS)
		return ward_error_set(err, E2BIG, "tag %s: %s already has %d entries", name,
				      INDEX_FILE, WARD_INDEX_MAX_MANIFESTS);
	entry = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", media_type, "digest", d->s,
			  "size", (json_int_t)size, "annotations", WARD_REF_NAME_ANNOTATION, name);
	if (!entry || json_array_append_new(manifests, entry) < 0)
		return ward_error_set(err, ENOMEM, "tag %s", name);
	if (!json_object_get(j, "mediaType") &&
	    json_object_set_new(j, "mediaType", json_string(WARD_MT_OCI_INDEX)) < 0)
		return ward_error_set(err, ENOMEM, "tag %s", name);
	r = save_index(s, j, err);
	return r < 0 ? ward_error_wrap(err, "tag %s", name) : 0;
}

int
ward_store_resolve(struct ward_store *s, const char *name, struct ward_descriptor *ret,
		   struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	int r;

	if ((r = check_name(name, err)) < 0)
		return r;
	r = load_index(s, NULL, &idx, err);
	if (r < 0)
		return ward_error_wrap(err, "resolve %s", name);
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (idx->manifests[i].ref_name && strcmp(idx->manifests[i].ref_name, name) == 0) {
			*ret = idx->manifests[i].desc;
			return 0;
		}
	return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "image '%s' not found in '%s'", name,
			       s->root);
}

int
ward_store_untag(struct ward_store *s, const char *name, struct ward_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = check_name(name, err)) < 0)
		return r;
	lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	r = load_index(s, &j, NULL, err);
	if (r < 0)
		return ward_error_wrap(err, "untag %s", name);
	if (remove_named(json_object_get(j, "manifests"), name) == 0)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
				       "untag: image '%s' not found in '%s'", name, s->root);
	r = save_index(s, j, err);
	return r < 0 ? ward_error_wrap(err, "untag %s", name) : 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ward_store_list(struct ward_store *s, char ***ret, struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_strv_ char **v = NULL;
	size_t n = 0, out = 0;
	int r;

	r = load_index(s, NULL, &idx, err);
	if (r < 0)
		return ward_error_wrap(err, "list");
	v = calloc(idx->n_manifests + 1, sizeof(*v));
	if (!v)
		return ward_error_set(err, ENOMEM, "list");
	for (size_t i = 0; i < idx->n_manifests; i++) {
		if (!idx->manifests[i].ref_name)
			continue;
		v[n] = strdup(idx->manifests[i].ref_name);
		if (!v[n])
			return ward_error_set(err, ENOMEM, "list");
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	/* Duplicates (another tool's doing) are listed once. */
	for (size_t i = 0; i < n; i++) {
		if (out && strcmp(v[out - 1], v[i]) == 0) {
			free(v[i]);
			v[i] = NULL;
			continue;
		}
		v[out++] = v[i];
		if (out - 1 != i)
			v[i] = NULL;
	}
	*ret = TAKE_PTR(v);
	return (int)out;
}

/* ---- garbage collection ------------------------------------------------- */

struct gc_node {
	struct ward_digest d;
	char media_type[WARD_MEDIA_TYPE_MAX]; /* "" unknown: sniff */
};

struct gc {
	struct ward_store *s;
	struct ward_digest *marked;
	size_t n_marked, cap_marked;
	struct gc_node *stack;
	size_t n_stack, cap_stack;
	size_t visited;
};

/* The marked set is an open-addressing hash table keyed on the digest's
 * leading hex. Only digests of blobs present in the store are marked, and
 * those are real SHA-256 outputs, so a manifest cannot craft colliding
 * keys to make marking quadratic. */
static size_t
gc_slot(const struct ward_digest *d, size_t cap)
{
	const char *hex = ward_digest_hex(d);
	uint64_t h = 0;

	for (int i = 0; i < 16; i++)
		h = (h << 4) | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return (size_t)(h & (cap - 1));
}

static bool
gc_is_marked(const struct gc *g, const struct ward_digest *d)
{
	if (!g->cap_marked)
		return false;
	for (size_t i = gc_slot(d, g->cap_marked);; i = (i + 1) & (g->cap_marked - 1)) {
		if (!g->marked[i].s[0])
			return false;
		if (strcmp(g->marked[i].s, d->s) == 0)
			return true;
	}
}

static void
gc_insert(struct ward_digest *table, size_t cap, const struct ward_digest *d)
{
	size_t i = gc_slot(d, cap);

	while (table[i].s[0])
		i = (i + 1) & (cap - 1);
	table[i] = *d;
}

static int
gc_push(struct gc *g, const struct ward_digest *d, const char *mt, struct ward_error **err)
{
	/* A hostile index listing the same blobs a million times is work, not
	 * memory: stop at a fixed node budget. */
	if (++g->visited > GC_MAX_NODES)
		return ward_error_set(err, E2BIG, "gc: more than %u references", GC_MAX_NODES);
	if (!ward_store_has_blob(g->s, d) || gc_is_marked(g, d))
		return 0; /* absent blobs need no keeping and have nothing below */
	if ((g->n_marked + 1) * 2 > g->cap_marked) {
		size_t nc = g->cap_marked ? g->cap_marked * 2 : 256;
		struct ward_digest *nt = calloc(nc, sizeof(*nt));
		if (!nt)
			return ward_error_set(err, ENOMEM, "gc");
		for (size_t i = 0; i < g->cap_marked; i++)
			if (g->marked[i].s[0])
				gc_insert(nt, nc, &g->marked[i]);
		free(g->marked);
		g->marked = nt;
		g->cap_marked = nc;
	}
	gc_insert(g->marked, g->cap_marked, d);
	g->n_marked++;
	if (g->n_stack == g->cap_stack) {
		size_t nc = g->cap_stack ? g->cap_stack * 2 : 64;
		struct gc_node *ns = realloc(g->stack, nc * sizeof(*ns));
		if (!ns)
			return ward_error_set(err, ENOMEM, "gc");
		g->stack = ns;
		g->cap_stack = nc;
	}
	g->stack[g->n_stack].d = *d;
	snprintf(g->stack[g->n_stack].media_type, WARD_MEDIA_TYPE_MAX, "%s", mt ? mt : "");
	g->n_stack++;
	return 0;
}

/* What a blob of unknown type is: an index, a manifest, or a leaf. */
static const char *
gc_sniff(const char *buf, size_t len)
{
	_cleanup_json_ json_t *j = NULL;
	const char *mt;

	if (ward_json_parse(buf, len, "blob", &j, NULL) < 0 || !json_is_object(j))
		return NULL;
	mt = json_string_value(json_object_get(j, "mediaType"));
	if (ward_media_type_is_index(mt) || ward_media_type_is_manifest(mt))
		return ward_media_type_is_index(mt) ? WARD_MT_OCI_INDEX : WARD_MT_OCI_MANIFEST;
	if (json_is_array(json_object_get(j, "manifests")))
		return WARD_MT_OCI_INDEX;
	if (json_is_object(json_object_get(j, "config")) &&
	    json_is_array(json_object_get(j, "layers")))
		return WARD_MT_OCI_MANIFEST;
	return NULL;
}

static int
gc_visit(struct gc *g, const struct gc_node *node, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	const char *mt = node->media_type;
	size_t len = 0;
	uint64_t size = 0;
	int r, fd;

	if (*mt && !ward_media_type_is_manifest(mt) && !ward_media_type_is_index(mt))
		return 0; /* a leaf: layer, config, artifact */
	fd = ward_store_blob_open(g->s, &node->d, &size, NULL);
	if (fd < 0)
		return 0; /* missing (partial image): nothing below it to keep */
	(void)close(fd);
	if (!*mt && size > WARD_MANIFEST_MAX)
		return 0; /* too big to be a manifest: a leaf */
	r = ward_store_read_blob(g->s, &node->d, WARD_MANIFEST_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	if (!*mt) {
		mt = gc_sniff(buf, len);
		if (!mt)
			return 0;
	}
	if (ward_media_type_is_index(mt)) {
		_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
		/* mediaType hint NULL for sniffed docs: OCI vs Docker list */
		r = ward_index_parse(buf, len, *node->media_type ? mt : NULL, &idx, err);
		if (r < 0)
			return ward_error_wrap(err, "%s", node->d.s);
		for (size_t i = 0; i < idx->n_manifests && r >= 0; i++)
			r = gc_push(g, &idx->manifests[i].desc.digest,
				    idx->manifests[i].desc.media_type, err);
		return r;
	}
	{
		_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
		r = ward_manifest_parse(buf, len, *node->media_type ? mt : NULL, &m, err);
		if (r < 0)
			return ward_error_wrap(err, "%s", node->d.s);
		r = gc_push(g, &m->config.digest, m->config.media_type, err);
		for (size_t i = 0; i < m->n_layers && r >= 0; i++)
			r = gc_push(g, &m->layers[i].digest, m->layers[i].media_type, err);
		return r;
	}
}

static void
gc_clean_ingest(struct ward_store *s)
{
	struct dirent *de;
	time_t now = time(NULL);
	DIR *d;
	int fd;

	if (s->ingest_fd < 0)
		return;
	fd = dup(s->ingest_fd);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;
		if (!ward_str_has_prefix(de->d_name, "blob-"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > INGEST_STALE_SECONDS)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int
gc_sweep(struct gc *g, size_t *ret_removed, struct ward_error **err)
{
	int fd = dup(g->s->blobs_fd);
	struct dirent *de;
	size_t removed = 0;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return ward_error_set(err, errno, "gc: dup");
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return ward_error_set(err, errno, "gc: opendir blobs/sha256");
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct ward_digest dg;
		char full[WARD_DIGEST_MAX];

		snprintf(full, sizeof(full), "sha256:%.64s", de->d_name);
		/* Only names that are digests are ours to judge; anything else
		 * (another tool's scratch file) is left alone. */
		if (strlen(de->d_name) != 64 || ward_digest_parse(full, &dg, NULL) < 0)
			continue;
		if (gc_is_marked(g, &dg))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = ward_error_set(err, errno, "gc: remove %s", dg.s);
			break;
		}
		removed++;
	}
	closedir(d);
	if (r >= 0)
		(void)fsync(g->s->blobs_fd);
	if (ret_removed)
		*ret_removed = removed;
	return r;
}

int
ward_store_gc(struct ward_store *s, const struct ward_digest *keep, size_t n_keep,
	      size_t *ret_removed, struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_close_ int lock = -1;
	struct gc g = {.s = s};
	size_t removed = 0;
	int r;

	lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	r = load_index(s, NULL, &idx, err);
	for (size_t i = 0; r >= 0 && idx && i < idx->n_manifests; i++)
		r = gc_push(&g, &idx->manifests[i].desc.digest, idx->manifests[i].desc.media_type,
			    err);
	for (size_t i = 0; r >= 0 && i < n_keep; i++) {
		struct ward_digest chk;
		r = ward_digest_parse(keep[i].s, &chk, err);
		if (r >= 0)
			r = gc_push(&g, &keep[i], NULL, err);
	}
	while (r >= 0 && g.n_stack > 0) {
		struct gc_node node = g.stack[--g.n_stack];
		r = gc_visit(&g, &node, err);
	}
	/* Mark fully before sweeping anything: an error above leaves every
	 * blob in place. */
	if (r >= 0)
		r = gc_sweep(&g, &removed, err);
	if (r >= 0)
		gc_clean_ingest(s);
	free(g.marked);
	free(g.stack);
	if (r < 0)
		return ward_error_wrap(err, "gc '%s'", s->root);
	if (ret_removed)
		*ret_removed = removed;
	return 0;
}
