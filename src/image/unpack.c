/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpacking into an overlayfs lower dir (containerd overlay snapshotter
 * layout). A layer is hostile until its diff_id matches the image config, and
 * we only know the diff_id once the whole stream has been read, so every
 * entry is written as if the archive were forged: tar path traversal is how
 * real engines got owned (Docker CVE-2014-6407, CVE-2018-15664; containerd
 * CVE-2021-32760; umoci CVE-2021-29136).
 *
 * Pipeline: a decompressor thread (gzip: ISA-L's igzip when built with it,
 * about twice as fast as zlib; else, and for zstd and plain tar, the
 * libarchive "raw" reader with its filter) -> our read callback, which
 * hashes and counts the uncompressed bytes -> libarchive tar reader without
 * filters -> entries written below dest_dirfd.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#ifdef WARD_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include <ward/image.h>


#define READ_BLOCK (1u << 20) /* compressed read size from src_fd */
#define ERR_NAME_MAX 120      /* entry names quoted in errors are cut here */
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

struct dir_fixup {
	char *path; /* "" is the layer root */
	mode_t mode;
	struct timespec times[2];
};

#define PIPE_SLOTS 4
#define PIPE_SLOT_SIZE (1u << 20)

struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *buf[PIPE_SLOTS];
	size_t len[PIPE_SLOTS];
	unsigned head, tail; /* slots [tail, head) are full; tail is held when held */
	bool held, eof, failed, stop, started;
	char error[256];
	pthread_t thread;
};

/*
 * Small regular files are created and written by a few writer threads
 * while the tar thread goes on parsing: creating tens of thousands of
 * files is most of an unpack, and each create may wait for the disk
 * (inode tables, bitmaps). Namespace order is kept: an entry whose path
 * equals, contains or lies inside the path of a file still being written
 * (a later entry replacing it, a hardlink to it, a whiteout, a directory
 * removed) first waits for every pending file. The tar thread does all
 * checks and path resolution; a job only creates its name in the parent
 * directory the tar thread resolved (O_CREAT | O_EXCL | O_NOFOLLOW).
 */
#define WRITERS 2
#define JOB_MAX_BYTES (1u << 20)  /* bigger files: the tar thread writes them */
#define JOBS_MAX 32		  /* files pending at once (each holds a dup'd dir fd) */
#define JOBS_BYTES_MAX (16u << 20) /* bytes buffered for them */

struct file_job {
	struct file_job *next; /* queue link */
	char *path;	       /* cleaned path, for conflict checks */
	const char *base;      /* last component, inside path */
	char shown[ERR_NAME_MAX + 8];
	int pfd; /* the parent directory (a dup) */
	unsigned char *data;
	size_t end; /* bytes of data to write from offset 0 */
	int64_t size;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	struct timespec times[2];
};

struct writers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t tid[WRITERS];
	unsigned started;
	struct file_job *head, *tail;	   /* queued, not taken yet */
	struct file_job *pending[JOBS_MAX]; /* queued or being written */
	size_t n_pending, bytes;
	unsigned idle;	 /* writers waiting for a job */
	bool tar_waits;	 /* the tar thread waits for room or for the drain */
	bool stop, failed;
	int fail_errno;
	char fail_msg[ERR_NAME_MAX + 128];
};

struct unpacker {
	int root;
	bool as_root;
	uint64_t max_bytes, max_entries;

	/* read side: src_fd, with the first bytes read ahead to tell the
	 * compression by its magic */
	int src_fd;
	ward_layer_read_fn src_read; /* NULL: read(2) on src_fd */
	void *src_opaque;
	unsigned char *in;
	size_t in_len, in_pos;
	bool in_eof;
#ifdef WARD_HAVE_ISAL
	struct inflate_state *isal; /* gzip through igzip; NULL: libarchive */
#endif
	struct archive *raw;
	EVP_MD_CTX *md;
	uint64_t tar_bytes;
	bool over_limit; /* the read callback refused the stream */
	bool read_failed;
	char read_error[256];
	struct pipeline pipe;

	/* the last parent directory, reused while entries stay in one dir */
	char cache_path[PATH_MAX];
	int cache_fd;

	struct dir_fixup *dirs;
	size_t n_dirs, cap_dirs;

	uint64_t entries, declared_bytes, file_bytes;
	const char *entry; /* printable name of the entry being written */
	char entry_buf[ERR_NAME_MAX + 8];

	struct writers w;
};

static void
cache_drop(struct unpacker *u)
{
	if (u->cache_fd >= 0)
		(void)close(u->cache_fd);
	u->cache_fd = -1;
	u->cache_path[0] = '\0';
}

/* Names go into error messages a terminal shows: cut them, and replace
 * control bytes so a crafted name cannot inject escape sequences. */
static void
set_entry_name(struct unpacker *u, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n && i < ERR_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		u->entry_buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n > ERR_NAME_MAX)
		memcpy(u->entry_buf + i, "...", 4);
	else
		u->entry_buf[i] = '\0';
	u->entry = u->entry_buf;
}

static long
openat2_retry(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

/* RESOLVE_IN_ROOT keeps "..", "/" and magic links inside the layer;
 * RESOLVE_NO_SYMLINKS refuses any symlink, so a symlink planted by an earlier
 * entry (`evil -> /`, then `evil/etc/passwd`) is never followed. */
#define LAYER_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* ---- reading ----------------------------------------------------------- */

/*
 * Decompression runs in its own thread, a few MiB ahead of the tar parser:
 * inflate is the slowest stage (zlib ~150-300 MB/s), and hashing, parsing
 * and writing can overlap it on a second core. The worker fills slots; the
 * tar reader's callback hands one slot at a time to libarchive, which may
 * use it until the next callback, so a slot is recycled only then.
 */
static ssize_t
source_read(struct unpacker *u, void *buf, size_t n)
{
	ssize_t r;

	if (u->src_read)
		return u->src_read(u->src_opaque, buf, n);
	do
		r = read(u->src_fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Refill u->in from src_fd when it is used up. 0, or -errno. */
static int
source_fill(struct unpacker *u)
{
	ssize_t n;

	if (u->in_pos < u->in_len || u->in_eof)
		return 0;
	n = source_read(u, u->in, READ_BLOCK);
	if (n < 0)
		return (int)n;
	u->in_pos = 0;
	u->in_len = (size_t)n;
	if (n == 0)
		u->in_eof = true;
	return 0;
}

/* libarchive's read callback for the raw reader: the read-ahead bytes,
 * then src_fd. */
static la_ssize_t
raw_read_cb(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	size_t n;
	int r;

	r = source_fill(u);
	if (r < 0) {
		archive_set_error(a, -r, "read layer: %s", strerror(-r));
		return -1;
	}
	n = u->in_len - u->in_pos;
	*buf = u->in + u->in_pos;
	u->in_pos = u->in_len;
	return (la_ssize_t)n;
}

/* Fill dst (up to cap) with uncompressed bytes. *done at the end of the
 * stream; on failure a message in p->error and -1. */
static int
produce_libarchive(struct unpacker *u, unsigned char *dst, size_t cap, size_t *ret_fill,
		   bool *done, const void **pend, size_t *plen)
{
	struct pipeline *p = &u->pipe;
	size_t fill = 0;

	while (fill < cap) {
		size_t n;

		if (*plen == 0) {
			la_int64_t off;
			int r = archive_read_data_block(u->raw, pend, plen, &off);

			if (r == ARCHIVE_EOF) {
				*done = true;
				break;
			}
			if (r < ARCHIVE_WARN) {
				const char *why = archive_error_string(u->raw);

				snprintf(p->error, sizeof(p->error), "%s",
					 why ? why : "decompression failed");
				*ret_fill = fill;
				return -1;
			}
			continue;
		}
		n = *plen < cap - fill ? *plen : cap - fill;
		memcpy(dst + fill, *pend, n);
		fill += n;
		*pend = (const char *)*pend + n;
		*plen -= n;
	}
	*ret_fill = fill;
	return 0;
}

#ifdef WARD_HAVE_ISAL
/* igzip inflates straight into the slot (no copy). Concatenated gzip
 * members are one stream, as gzip(1) and libarchive read them; bytes after
 * the last member that are not another gzip header are ignored, as
 * libarchive does (the blob digest covers them anyway). */
static int
produce_isal(struct unpacker *u, unsigned char *dst, size_t cap, size_t *ret_fill, bool *done)
{
	struct pipeline *p = &u->pipe;
	struct inflate_state *st = u->isal;
	size_t fill = 0;

	while (fill < cap) {
		int r;

		if (st->block_state == ISAL_BLOCK_FINISH) {
			/* a member ended: another one, or the end */
			if ((r = source_fill(u)) < 0) {
				snprintf(p->error, sizeof(p->error), "read layer: %s", strerror(-r));
				goto fail;
			}
			if (u->in_pos == u->in_len) {
				*done = true;
				break;
			}
			if (u->in[u->in_pos] != 0x1f) {
				*done = true; /* trailing bytes, not a member */
				break;
			}
			isal_inflate_reset(st);
			st->crc_flag = ISAL_GZIP;
		}
		if (st->avail_in == 0) {
			if ((r = source_fill(u)) < 0) {
				snprintf(p->error, sizeof(p->error), "read layer: %s", strerror(-r));
				goto fail;
			}
			if (u->in_pos == u->in_len) {
				snprintf(p->error, sizeof(p->error),
					 "gzip: truncated (the stream ends inside a member)");
				goto fail;
			}
			st->next_in = u->in + u->in_pos;
			st->avail_in = (uint32_t)(u->in_len - u->in_pos);
			u->in_pos = u->in_len;
		}
		st->next_out = dst + fill;
		st->avail_out = (uint32_t)(cap - fill);
		r = isal_inflate(st);
		fill = (size_t)(st->next_out - dst);
		if (r < 0) {
			snprintf(p->error, sizeof(p->error), "gzip: %s",
				 r == ISAL_INCORRECT_CHECKSUM ? "CRC mismatch"
				 : r == ISAL_INVALID_WRAPPER  ? "invalid gzip header"
							      : "invalid deflate data");
			goto fail;
		}
		if (st->block_state == ISAL_BLOCK_FINISH && st->avail_in > 0) {
			/* the unread rest belongs to the next member */
			u->in_pos = (size_t)(st->next_in - u->in);
			st->avail_in = 0;
		}
	}
	*ret_fill = fill;
	return 0;
fail:
	*ret_fill = fill;
	return -1;
}
#endif

/*
 * Decompression runs in its own thread, a few MiB ahead of the tar parser:
 * inflate is the slowest stage, and hashing, parsing and writing can
 * overlap it on a second core. The worker fills slots; the tar reader's
 * callback hands one slot at a time to libarchive, which may use it until
 * the next callback, so a slot is recycled only then.
 */
static void *
decompress_worker(void *data)
{
	struct unpacker *u = data;
	struct pipeline *p = &u->pipe;
	const void *pend = NULL;
	size_t plen = 0;
	bool done = false;

	while (!done) {
		unsigned idx;
		size_t fill = 0;
		int r;

		pthread_mutex_lock(&p->lock);
		while (p->head - p->tail == PIPE_SLOTS && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		idx = p->head % PIPE_SLOTS;
		pthread_mutex_unlock(&p->lock);

#ifdef WARD_HAVE_ISAL
		if (u->isal)
			r = produce_isal(u, p->buf[idx], PIPE_SLOT_SIZE, &fill, &done);
		else
#endif
			r = produce_libarchive(u, p->buf[idx], PIPE_SLOT_SIZE, &fill, &done,
					       &pend, &plen);
		if (r < 0) {
			p->failed = true; /* published under the lock below */
			done = true;
		}

		pthread_mutex_lock(&p->lock);
		p->len[idx] = fill;
		if (fill > 0)
			p->head++;
		if (done)
			p->eof = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

static int
pipeline_start(struct unpacker *u, struct ward_error **err)
{
	struct pipeline *p = &u->pipe;
	sigset_t all, old;
	int r;

	for (unsigned i = 0; i < PIPE_SLOTS; i++) {
		p->buf[i] = malloc(PIPE_SLOT_SIZE);
		if (!p->buf[i])
			return ward_error_set(err, ENOMEM, "layer: buffers");
	}
	/* Signals belong to the caller's thread, not our worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->thread, NULL, decompress_worker, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return ward_error_set(err, r, "layer: start decompressor thread");
	p->started = true;
	return 0;
}

static void
pipeline_stop(struct unpacker *u)
{
	struct pipeline *p = &u->pipe;

	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		p->started = false;
	}
	for (unsigned i = 0; i < PIPE_SLOTS; i++) {
		free(p->buf[i]);
		p->buf[i] = NULL;
	}
}

static la_ssize_t
tar_read_cb(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	struct pipeline *p = &u->pipe;
	const unsigned char *block;
	size_t len;

	(void)a;
	pthread_mutex_lock(&p->lock);
	if (p->held) {
		p->tail++;
		p->held = false;
		pthread_cond_broadcast(&p->cond);
	}
	while (p->head == p->tail && !p->eof)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->head == p->tail) {
		bool failed = p->failed;

		pthread_mutex_unlock(&p->lock);
		if (!failed)
			return 0;
		u->read_failed = true;
		snprintf(u->read_error, sizeof(u->read_error), "%s", p->error);
		return -1;
	}
	block = p->buf[p->tail % PIPE_SLOTS];
	len = p->len[p->tail % PIPE_SLOTS];
	p->held = true;
	pthread_mutex_unlock(&p->lock);

	/* The zip-bomb guard: a few MB of gzip can expand to terabytes. */
	if (u->tar_bytes + len > u->max_bytes) {
		u->over_limit = true;
		return -1;
	}
	u->tar_bytes += len;
	if (EVP_DigestUpdate(u->md, block, len) != 1) {
		u->read_failed = true;
		snprintf(u->read_error, sizeof(u->read_error), "sha256 update failed");
		return -1;
	}
	*buf = block;
	return (la_ssize_t)len;
}

static int
stream_error(struct unpacker *u, struct archive *tar, struct ward_error **err)
{
	const char *why = archive_error_string(tar) ? archive_error_string(tar) : "corrupt archive";

	if (u->over_limit)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "layer%s%s%s: uncompressed stream exceeds the limit of %llu "
				       "bytes",
				       u->entry ? " entry '" : "", u->entry ? u->entry : "",
				       u->entry ? "'" : "", (unsigned long long)u->max_bytes);
	if (u->read_failed)
		return ward_error_setk(err, WARD_E_INVALID, 0, "layer: decompress: %s",
				       u->read_error);
	if (u->entry)
		return ward_error_setk(err, WARD_E_INVALID, 0, "layer entry '%s': tar: %s",
				       u->entry, why);
	return ward_error_setk(err, WARD_E_INVALID, 0, "layer: tar: %s", why);
}

/* ---- names --------------------------------------------------------------- */

/*
 * Clean an entry name lexically into out (PATH_MAX): a leading '/' is
 * dropped (absolute names mean "relative to the layer root", as Docker and
 * containerd read them), "." and empty components vanish, ".." pops, and a
 * ".." with nothing left to pop is refused: `../etc/passwd` and
 * `a/../../x` escape. "" means the root itself.
 */
static int
clean_name(struct unpacker *u, const char *what, const char *name, char *out,
	   struct ward_error **err)
{
	size_t len = strlen(name), o = 0, depth = 0;
	const char *p = name;

	if (len >= PATH_MAX)
		return ward_error_setk(err, WARD_E_DENIED, ENAMETOOLONG,
				       "layer entry '%s': %s is %zu bytes, longer than PATH_MAX",
				       u->entry, what, len);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0)
				return ward_error_setk(err, WARD_E_DENIED, EPERM,
						       "layer entry '%s': %s escapes the layer",
						       u->entry, what);
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the '/' before the popped component */
			depth--;
		} else {
			if (n > NAME_MAX)
				return ward_error_setk(
					err, WARD_E_DENIED, ENAMETOOLONG,
					"layer entry '%s': %s has a component of %zu "
					"bytes, longer than NAME_MAX",
					u->entry, what, n);
			/* Deeper trees could not be removed again (and cost a
			 * mkdir per level per entry). */
			if (++depth > WARD_LAYER_MAX_DEPTH)
				return ward_error_setk(err, WARD_E_DENIED, ELOOP,
						       "layer entry '%s': %s is deeper than %u "
						       "directories",
						       u->entry, what, WARD_LAYER_MAX_DEPTH);
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	return 0;
}

/* ---- directories ----------------------------------------------------------- */

/* Open (creating missing components 0755, as tar implies) the directory
 * `dir` inside the layer. The fd is borrowed from the cache. */
static int
open_parent(struct unpacker *u, const char *dir, struct ward_error **err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int cur = -1;
	char *save = NULL, *comp;
	long fd;

	if (dir[0] == '\0')
		return u->root;
	if (u->cache_fd >= 0 && strcmp(u->cache_path, dir) == 0)
		return u->cache_fd;
	cache_drop(u);

	fd = openat2_retry(u->root, dir, O_RDONLY | O_DIRECTORY, LAYER_RESOLVE);
	if (fd < 0 && errno != ENOENT)
		goto fail;
	if (fd < 0) {
		copy = strdup(dir);
		if (!copy)
			return ward_error_set(err, ENOMEM, "layer entry '%s'", u->entry);
		cur = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
		if (cur < 0)
			return ward_error_set(err, errno, "layer entry '%s'", u->entry);
		for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
				return ward_error_set(err, errno,
						      "layer entry '%s': create parent directory",
						      u->entry);
			fd = openat2_retry(cur, comp, O_RDONLY | O_DIRECTORY, LAYER_RESOLVE);
			if (fd < 0)
				goto fail;
			(void)close(cur);
			cur = (int)fd;
		}
		fd = TAKE_FD(cur);
	}
	snprintf(u->cache_path, sizeof(u->cache_path), "%s", dir);
	u->cache_fd = (int)fd;
	return u->cache_fd;

fail:
	if (errno == ELOOP || errno == EXDEV)
		return ward_error_setk(err, WARD_E_DENIED, ELOOP,
				       "layer entry '%s': parent path goes through a symlink "
				       "(refused: it could point outside the layer)",
				       u->entry);
	if (errno == ENOTDIR)
		return ward_error_setk(err, WARD_E_INVALID, ENOTDIR,
				       "layer entry '%s': a parent is not a directory", u->entry);
	return ward_error_set(err, errno, "layer entry '%s': open parent", u->entry);
}

/* Make room for a new entry: later entries win (tar semantics). A directory
 * over a directory merges; anything else is removed first, without
 * following symlinks (ward_fs_remove_tree never does). Returns 1 when an
 * existing directory is kept. */
static int
clear_existing(struct unpacker *u, int pfd, const char *name, bool want_dir,
	       struct ward_error **err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "layer entry '%s': stat", u->entry);
	}
	if (want_dir && S_ISDIR(st.st_mode))
		return 1;
	if (S_ISDIR(st.st_mode)) {
		int r;

		/* The cached directory may live below what we remove, unless it
		 * is pfd itself (the parent of the victim, which stays valid). */
		if (pfd != u->cache_fd)
			cache_drop(u);
		r = ward_fs_remove_tree(pfd, name, err);
		if (r < 0)
			return ward_error_wrap(err, "layer entry '%s': replace", u->entry);
	} else if (unlinkat(pfd, name, 0) < 0) {
		return ward_error_set(err, errno, "layer entry '%s': replace", u->entry);
	}
	return 0;
}

static int
add_dir_fixup(struct unpacker *u, const char *path, mode_t mode, const struct timespec t[2],
	      struct ward_error **err)
{
	struct dir_fixup *d;

	if (u->n_dirs == u->cap_dirs) {
		size_t cap = u->cap_dirs ? u->cap_dirs * 2 : 64;

		d = reallocarray(u->dirs, cap, sizeof(*d));
		if (!d)
			return ward_error_set(err, ENOMEM, "layer entry '%s'", u->entry);
		u->dirs = d;
		u->cap_dirs = cap;
	}
	d = &u->dirs[u->n_dirs];
	d->path = strdup(path);
	if (!d->path)
		return ward_error_set(err, ENOMEM, "layer entry '%s'", u->entry);
	d->mode = mode;
	d->times[0] = t[0];
	d->times[1] = t[1];
	u->n_dirs++;
	return 0;
}

/* Directory modes and mtimes go last: writing the contents would bump the
 * mtime, and a 0555 directory would refuse them when not root. A directory
 * replaced later by a file or symlink is skipped (ENOENT/ENOTDIR/ELOOP). */
static int
apply_dir_fixups(struct unpacker *u, struct ward_error **err)
{
	size_t i;

	cache_drop(u);
	for (i = 0; i < u->n_dirs; i++) {
		struct dir_fixup *d = &u->dirs[i];
		_cleanup_close_ int fd = -1;

		if (d->path[0] == '\0')
			fd = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
		else
			fd = (int)openat2_retry(u->root, d->path, O_RDONLY | O_DIRECTORY,
						LAYER_RESOLVE);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
				continue;
			set_entry_name(u, d->path[0] ? d->path : ".");
			return ward_error_set(err, errno, "layer entry '%s': open directory",
					      u->entry);
		}
		if (fchmod(fd, d->mode) < 0 || futimens(fd, d->times) < 0) {
			set_entry_name(u, d->path[0] ? d->path : ".");
			return ward_error_set(err, errno, "layer entry '%s': set mode and times",
					      u->entry);
		}
	}
	return 0;
}

/* ---- metadata ---------------------------------------------------------------- */

static bool
xattr_allowed(const char *name, bool as_root)
{
	if (ward_str_has_prefix(name, "user."))
		return true;
	/* trusted.overlay.* steers overlayfs itself (opaque, redirect,
	 * metacopy, origin): a layer could redirect lookups into other layers.
	 * Only our whiteout conversion sets them. */
	if (ward_str_has_prefix(name, "trusted."))
		return as_root && !ward_str_has_prefix(name, "trusted.overlay.");
	return strcmp(name, "security.capability") == 0;
}

static int
apply_xattrs(struct unpacker *u, struct archive_entry *e, int fd, struct ward_error **err)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!name || !xattr_allowed(name, u->as_root))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0) {
			char shown[65];
			size_t k;

			/* the name is the archive's: no control bytes to the terminal */
			for (k = 0; name[k] && k < sizeof(shown) - 1; k++)
				shown[k] = (unsigned char)name[k] < 0x20 ? '?' : name[k];
			shown[k] = '\0';
			return ward_error_set(err, errno, "layer entry '%s': set xattr '%s'",
					      u->entry, shown);
		}
	}
	return 0;
}

static void
entry_times(struct archive_entry *e, struct timespec t[2])
{
	t[1].tv_sec = archive_entry_mtime(e);
	t[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		t[0].tv_sec = archive_entry_atime(e);
		t[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		t[0] = t[1];
	}
	if (t[0].tv_nsec < 0 || t[0].tv_nsec > 999999999)
		t[0].tv_nsec = 0;
	if (t[1].tv_nsec < 0 || t[1].tv_nsec > 999999999)
		t[1].tv_nsec = 0;
}

/* uid/gid come from the archive; (uid_t)-1 would mean "leave unchanged". */
static int
entry_owner(struct unpacker *u, struct archive_entry *e, uid_t *uid, gid_t *gid,
	    struct ward_error **err)
{
	la_int64_t ou = archive_entry_uid(e), og = archive_entry_gid(e);

	if (ou < 0 || og < 0 || ou >= UINT32_MAX || og >= UINT32_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "layer entry '%s': uid/gid %lld:%lld out of range", u->entry,
				       (long long)ou, (long long)og);
	*uid = (uid_t)ou;
	*gid = (gid_t)og;
	return 0;
}

/* ---- writer threads ----------------------------------------------------------- */

static void
job_free(struct file_job *j)
{
	if (!j)
		return;
	if (j->pfd >= 0)
		(void)close(j->pfd);
	free(j->path);
	free(j->data);
	free(j);
}

/* Create and fill one file: what write_file does for a big one. Returns 0
 * or a positive errno with *what naming the step. */
static int
job_run(const struct file_job *j, bool as_root, const char **what)
{
	_cleanup_close_ int fd = -1;
	size_t done = 0;

	*what = "create";
	fd = openat(j->pfd, j->base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	*what = "write";
	while (done < j->end) {
		ssize_t w = pwrite(fd, j->data + done, j->end - done, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		done += (size_t)w;
	}
	*what = "truncate";
	if ((int64_t)j->end < j->size && ftruncate(fd, j->size) < 0)
		return errno;
	/* chown clears setuid/setgid: chown, then chmod */
	*what = "chown";
	if (as_root && fchown(fd, j->uid, j->gid) < 0)
		return errno;
	*what = "chmod";
	if (fchmod(fd, j->mode) < 0)
		return errno;
	*what = "set times";
	if (futimens(fd, j->times) < 0)
		return errno;
	return 0;
}

static void
pending_remove(struct writers *w, struct file_job *j)
{
	for (size_t i = 0; i < w->n_pending; i++)
		if (w->pending[i] == j) {
			w->pending[i] = w->pending[--w->n_pending];
			break;
		}
}

static void *
writer_main(void *data)
{
	struct unpacker *u = data;
	struct writers *w = &u->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct file_job *j;
		const char *what = "";
		bool skip;
		int e;

		while (!w->head && !w->stop) {
			w->idle++;
			pthread_cond_wait(&w->cond, &w->lock);
			w->idle--;
		}
		if (!w->head)
			break;
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		skip = w->failed; /* the layer is lost: do not bother */
		pthread_mutex_unlock(&w->lock);

		e = skip ? 0 : job_run(j, u->as_root, &what);

		pthread_mutex_lock(&w->lock);
		if (e && !w->failed) {
			w->failed = true;
			w->fail_errno = e;
			snprintf(w->fail_msg, sizeof(w->fail_msg), "layer entry '%s': %s", j->shown,
				 what);
		}
		w->bytes -= j->end;
		pending_remove(w, j);
		/* wake the tar thread only when it waits (one lock, one cond) */
		if (w->tar_waits)
			pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		job_free(j);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
writers_start(struct unpacker *u)
{
	struct writers *w = &u->w;
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; w->started < WRITERS; w->started++)
		if (pthread_create(&w->tid[w->started], NULL, writer_main, u) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Wait until every pending file is written; the first failure, if any. */
static int
writers_drain(struct unpacker *u, struct ward_error **err)
{
	struct writers *w = &u->w;
	int r = 0;

	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->lock);
	while (w->n_pending > 0) {
		w->tar_waits = true;
		pthread_cond_wait(&w->cond, &w->lock);
		w->tar_waits = false;
	}
	if (w->failed)
		r = ward_error_set(err, w->fail_errno, "%s", w->fail_msg);
	pthread_mutex_unlock(&w->lock);
	return r;
}

static void
writers_stop(struct unpacker *u)
{
	struct writers *w = &u->w;

	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->started; i++)
		pthread_join(w->tid[i], NULL);
	w->started = 0;
	/* joined workers drain the queue before they exit */
}

static bool
path_related(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb)
		return !strncmp(a, b, lb) && a[lb] == '/';
	if (lb > la)
		return !strncmp(a, b, la) && b[la] == '/';
	return !strcmp(a, b);
}

/* An entry on `path` must not overtake a pending file on the same path,
 * inside it or around it: wait for them all then. Also reports a
 * writer's failure as early as possible. */
static int
writers_order(struct unpacker *u, const char *path, bool always, struct ward_error **err)
{
	struct writers *w = &u->w;
	bool wait = always, failed;

	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->lock);
	failed = w->failed;
	for (size_t i = 0; !wait && i < w->n_pending; i++)
		wait = path_related(w->pending[i]->path, path);
	pthread_mutex_unlock(&w->lock);
	if (wait || failed)
		return writers_drain(u, err);
	return 0;
}

/* Read the entry's data into memory (holes become zeros: only small
 * files come here) and queue it. */
static int
queue_file(struct unpacker *u, struct archive *tar, int pfd, const char *path, const char *name,
	   int64_t size, uid_t uid, gid_t gid, mode_t mode, const struct timespec t[2],
	   struct ward_error **err)
{
	struct writers *w = &u->w;
	struct file_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return ward_error_set(err, ENOMEM, "layer entry '%s'", u->entry);
	j->pfd = -1;
	j->path = strdup(path);
	j->data = size > 0 ? malloc((size_t)size) : NULL;
	if (!j->path || (size > 0 && !j->data)) {
		job_free(j);
		return ward_error_set(err, ENOMEM, "layer entry '%s'", u->entry);
	}
	j->base = j->path + (name - path);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;

		r = archive_read_data_block(tar, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			job_free(j);
			return stream_error(u, tar, err);
		}
		if (off < 0 || off > size || (uint64_t)len > (uint64_t)(size - off)) {
			job_free(j);
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "layer entry '%s': data past the declared size",
					       u->entry);
		}
		if ((size_t)off > j->end)
			memset(j->data + j->end, 0, (size_t)off - j->end);
		if (len)
			memcpy(j->data + off, buf, len);
		if ((size_t)off + len > j->end)
			j->end = (size_t)off + len;
		u->file_bytes += len;
	}
	j->size = size;
	j->uid = uid;
	j->gid = gid;
	j->mode = mode;
	j->times[0] = t[0];
	j->times[1] = t[1];
	snprintf(j->shown, sizeof(j->shown), "%s", u->entry);
	j->pfd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	if (j->pfd < 0) {
		r = ward_error_set(err, errno, "layer entry '%s'", u->entry);
		job_free(j);
		return r;
	}
	if (!w->started)
		writers_start(u);
	if (!w->started) {
		/* no thread could start: write it here */
		const char *what = "";
		int e = job_run(j, u->as_root, &what);

		job_free(j);
		return e ? ward_error_set(err, e, "layer entry '%s': %s", u->entry, what) : 0;
	}
	pthread_mutex_lock(&w->lock);
	while ((w->n_pending == JOBS_MAX || w->bytes + j->end > JOBS_BYTES_MAX) && !w->failed) {
		w->tar_waits = true;
		pthread_cond_wait(&w->cond, &w->lock);
		w->tar_waits = false;
	}
	if (w->failed) {
		r = ward_error_set(err, w->fail_errno, "%s", w->fail_msg);
		pthread_mutex_unlock(&w->lock);
		job_free(j);
		return r;
	}
	w->pending[w->n_pending++] = j;
	w->bytes += j->end;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	/* one cond for both sides: broadcast, so the job reaches a writer and
	 * not the tar thread (which does not wait now) */
	if (w->idle)
		pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* ---- entry kinds ---------------------------------------------------------------- */

static int
write_file(struct unpacker *u, struct archive *tar, struct archive_entry *e, int pfd,
	   const char *path, const char *name, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	la_int64_t size = archive_entry_size(e), end = 0;
	struct timespec t[2];
	uid_t uid;
	gid_t gid;
	int r;

	r = entry_owner(u, e, &uid, &gid, err);
	if (r < 0)
		return r;
	if (size < 0)
		size = 0;
	/* Declared sizes count too: a sparse entry of a terabyte of holes
	 * is a few bytes of tar. */
	if ((uint64_t)size > u->max_bytes - u->declared_bytes)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "layer entry '%s': size %lld exceeds the layer limit of "
				       "%llu bytes",
				       u->entry, (long long)size, (unsigned long long)u->max_bytes);
	u->declared_bytes += (uint64_t)size;

	/* xattrs (file capabilities) stay on this thread: rare, and ordered
	 * after chmod */
	if (size <= JOB_MAX_BYTES && !archive_entry_xattr_count(e)) {
		entry_times(e, t);
		return queue_file(u, tar, pfd, path, name, size, uid, gid,
				  archive_entry_mode(e) & 07777, t, err);
	}
	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ward_error_set(err, errno, "layer entry '%s': create", u->entry);
	for (;;) {
		const void *buf;
		size_t len, done = 0;
		la_int64_t off;

		r = archive_read_data_block(tar, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return stream_error(u, tar, err);
		if (off < 0 || off > size || (uint64_t)len > (uint64_t)(size - off))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "layer entry '%s': data past the declared size",
					       u->entry);
		while (done < len) {
			ssize_t w =
				pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return ward_error_set(err, w < 0 ? errno : EIO,
						      "layer entry '%s': write", u->entry);
			done += (size_t)w;
		}
		u->file_bytes += len;
		if (off + (la_int64_t)len > end)
			end = off + (la_int64_t)len;
	}
	/* Trailing holes of sparse files. */
	if (end < size && ftruncate(fd, size) < 0)
		return ward_error_set(err, errno, "layer entry '%s': truncate", u->entry);
	/* chown clears setuid/setgid and file capabilities: chown, then
	 * chmod, then xattrs. */
	if (u->as_root && fchown(fd, uid, gid) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chown", u->entry);
	if (fchmod(fd, archive_entry_mode(e) & 07777) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chmod", u->entry);
	r = apply_xattrs(u, e, fd, err);
	if (r < 0)
		return r;
	entry_times(e, t);
	if (futimens(fd, t) < 0)
		return ward_error_set(err, errno, "layer entry '%s': set times", u->entry);
	return 0;
}

static int
write_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *path, const char *name,
	  struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct timespec t[2];
	uid_t uid;
	gid_t gid;
	int r;

	r = entry_owner(u, e, &uid, &gid, err);
	if (r < 0)
		return r;
	if (path[0] == '\0') {
		fd = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
	} else {
		r = clear_existing(u, pfd, name, true, err);
		if (r < 0)
			return r;
		if (r == 0 && mkdirat(pfd, name, 0700) < 0)
			return ward_error_set(err, errno, "layer entry '%s': mkdir", u->entry);
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return ward_error_set(err, errno, "layer entry '%s': open", u->entry);
	if (u->as_root && fchown(fd, uid, gid) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chown", u->entry);
	r = apply_xattrs(u, e, fd, err);
	if (r < 0)
		return r;
	entry_times(e, t);
	return add_dir_fixup(u, path, archive_entry_mode(e) & 07777, t, err);
}

/* Owner and times of a node we just created and cannot open (symlink,
 * device, fifo): the *at calls never follow the last component. */
static int
set_node_meta(struct unpacker *u, struct archive_entry *e, int pfd, const char *name, bool is_link,
	      struct ward_error **err)
{
	struct timespec t[2];
	uid_t uid;
	gid_t gid;
	int r;

	r = entry_owner(u, e, &uid, &gid, err);
	if (r < 0)
		return r;
	if (u->as_root && fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chown", u->entry);
	/* chmod on a symlink is meaningless (and ENOTSUP with NOFOLLOW). The
	 * node was created by us a moment ago in a directory only we write. */
	if (!is_link && fchmodat(pfd, name, archive_entry_mode(e) & 07777, 0) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chmod", u->entry);
	entry_times(e, t);
	if (utimensat(pfd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return ward_error_set(err, errno, "layer entry '%s': set times", u->entry);
	return 0;
}

static int
write_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
	      struct ward_error **err)
{
	const char *target = archive_entry_symlink(e);
	int r;

	if (!target || !*target)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "layer entry '%s': symlink without a target", u->entry);
	if (strlen(target) >= PATH_MAX)
		return ward_error_setk(err, WARD_E_DENIED, ENAMETOOLONG,
				       "layer entry '%s': symlink target longer than PATH_MAX",
				       u->entry);
	r = clear_existing(u, pfd, name, false, err);
	if (r < 0)
		return r;
	/* The target is stored verbatim: it is only ever resolved inside the
	 * container's root, and we never follow it here. */
	if (symlinkat(target, pfd, name) < 0)
		return ward_error_set(err, errno, "layer entry '%s': symlink", u->entry);
	return set_node_meta(u, e, pfd, name, true, err);
}

static int
write_hardlink(struct unpacker *u, int pfd, const char *path, const char *name, const char *link,
	       struct ward_error **err)
{
	char target[PATH_MAX];
	_cleanup_close_ int tfd = -1;
	struct stat st;
	int r;

	r = clean_name(u, "hardlink target", link, target, err);
	if (r < 0)
		return r;
	if (target[0] == '\0')
		return ward_error_setk(err, WARD_E_INVALID, EPERM,
				       "layer entry '%s': hardlink to the layer root", u->entry);
	if (strcmp(target, path) == 0)
		return 0; /* a link to itself: nothing to do */
	/* An earlier entry of this layer, reached without any symlink: a
	 * hardlink to a host file (`/etc/shadow` through `evil -> /`) would
	 * expose or let the container rewrite it. O_PATH|O_NOFOLLOW keeps a
	 * symlink as the last component a symlink (linked, not followed). */
	tfd = (int)openat2_retry(u->root, target, O_PATH | O_NOFOLLOW, LAYER_RESOLVE);
	if (tfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ward_error_setk(
				err, WARD_E_DENIED, ENOENT,
				"layer entry '%s': hardlink target is not an earlier "
				"entry of this layer",
				u->entry);
		if (errno == ELOOP || errno == EXDEV)
			return ward_error_setk(err, WARD_E_DENIED, ELOOP,
					       "layer entry '%s': hardlink target goes through a "
					       "symlink",
					       u->entry);
		return ward_error_set(err, errno, "layer entry '%s': open hardlink target",
				      u->entry);
	}
	if (fstat(tfd, &st) < 0)
		return ward_error_set(err, errno, "layer entry '%s': stat hardlink target",
				      u->entry);
	if (S_ISDIR(st.st_mode))
		return ward_error_setk(err, WARD_E_INVALID, EPERM,
				       "layer entry '%s': hardlink to a directory", u->entry);
	r = clear_existing(u, pfd, name, false, err);
	if (r < 0)
		return r;
	if (linkat(tfd, "", pfd, name, AT_EMPTY_PATH) < 0) {
		char proc[64];

		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; without it, the
		 * O_PATH fd's magic link names the same inode. */
		if (errno != ENOENT && errno != EPERM)
			return ward_error_set(err, errno, "layer entry '%s': link", u->entry);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
		if (linkat(AT_FDCWD, proc, pfd, name, AT_SYMLINK_FOLLOW) < 0)
			return ward_error_set(err, errno, "layer entry '%s': link", u->entry);
	}
	return 0;
}

static int
write_node(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
	   struct ward_error **err)
{
	mode_t type = archive_entry_filetype(e);
	dev_t dev = 0;
	int r;

	if (type == AE_IFCHR || type == AE_IFBLK)
		dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
	r = clear_existing(u, pfd, name, false, err);
	if (r < 0)
		return r;
	if (mknodat(pfd, name, type | 0600, dev) < 0)
		return ward_error_set(err, errno, "layer entry '%s': mknod%s", u->entry,
				      errno == EPERM ? " (devices need root)" : "");
	return set_node_meta(u, e, pfd, name, false, err);
}

/* OCI whiteouts -> overlayfs: `.wh.name` is a 0:0 character device `name`,
 * `.wh..wh..opq` the xattr trusted.overlay.opaque=y on the directory. */
static int
write_whiteout(struct unpacker *u, int pfd, const char *base, struct ward_error **err)
{
	const char *victim = base + strlen(WHITEOUT_PREFIX);
	int r;

	if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
		if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return ward_error_set(err, errno, "layer entry '%s': mark directory opaque",
					      u->entry);
		return 0;
	}
	/* `.wh.`, `.wh..`, `.wh...` and AUFS metadata (`.wh..wh.plnk`) name
	 * nothing we could hide. */
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0 ||
	    ward_str_has_prefix(victim, WHITEOUT_PREFIX))
		return ward_error_setk(err, WARD_E_INVALID, 0, "layer entry '%s': invalid whiteout",
				       u->entry);
	r = clear_existing(u, pfd, victim, false, err);
	if (r < 0)
		return r;
	if (mknodat(pfd, victim, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return ward_error_set(err, errno, "layer entry '%s': create whiteout%s", u->entry,
				      errno == EPERM ? " (needs root)" : "");
	if (u->as_root && fchownat(pfd, victim, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
		return ward_error_set(err, errno, "layer entry '%s': chown whiteout", u->entry);
	return 0;
}

static int
unpack_entry(struct unpacker *u, struct archive *tar, struct archive_entry *e,
	     struct ward_error **err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *raw = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	const char *base, *slash, *p;
	mode_t type = archive_entry_filetype(e);
	int pfd, r;

	if (!raw)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "layer: entry %llu has no name (or one that cannot be "
				       "decoded)",
				       (unsigned long long)u->entries);
	set_entry_name(u, raw);
	r = clean_name(u, "path", raw, path, err);
	if (r < 0)
		return r;

	/* Hardlinks and whiteouts name a second path: wait for every
	 * pending file (both are rare). */
	p = strrchr(path, '/');
	r = writers_order(u, path, link || ward_str_has_prefix(p ? p + 1 : path, WHITEOUT_PREFIX),
			  err);
	if (r < 0)
		return r;

	if (path[0] == '\0') {
		/* "./" describes the layer root itself. */
		if (type != AE_IFDIR || link)
			return ward_error_setk(err, WARD_E_INVALID, EISDIR,
					       "layer entry '%s': would replace the layer root",
					       u->entry);
		return write_dir(u, e, u->root, "", "", err);
	}

	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	memcpy(dir, path, slash ? (size_t)(slash - path) : 0);
	dir[slash ? (size_t)(slash - path) : 0] = '\0';
	/* Whiteout names are markers, never real directories. */
	for (p = dir; *p; p = strchrnul(p, '/'), p += *p == '/') {
		if (ward_str_has_prefix(p, WHITEOUT_PREFIX))
			return ward_error_setk(
				err, WARD_E_INVALID, 0,
				"layer entry '%s': whiteout name used as a directory", u->entry);
	}

	pfd = open_parent(u, dir, err);
	if (pfd < 0)
		return pfd;

	if (ward_str_has_prefix(base, WHITEOUT_PREFIX))
		return write_whiteout(u, pfd, base, err);
	if (link)
		return write_hardlink(u, pfd, path, base, link, err);
	switch (type) {
	case AE_IFREG:
		r = clear_existing(u, pfd, base, false, err);
		if (r < 0)
			return r;
		return write_file(u, tar, e, pfd, path, base, err);
	case AE_IFDIR:
		return write_dir(u, e, pfd, path, base, err);
	case AE_IFLNK:
		return write_symlink(u, e, pfd, base, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return write_node(u, e, pfd, base, err);
	default:
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "layer entry '%s': unsupported file type 0%o", u->entry,
				       (unsigned)type);
	}
}

/* ---- driver ------------------------------------------------------------------ */

static const char *
compression_name(enum ward_layer_compression c)
{
	return c == WARD_LAYER_COMPRESSION_GZIP ? "gzip" : c == WARD_LAYER_COMPRESSION_ZSTD ? "zstd" : "un";
}

/* Read ahead until the magic can be told (or the stream ends). */
static int
read_ahead(struct unpacker *u, struct ward_error **err)
{
	u->in = malloc(READ_BLOCK);
	if (!u->in)
		return ward_error_set(err, ENOMEM, "layer: buffers");
	while (u->in_len < 4 && !u->in_eof) {
		ssize_t n = source_read(u, u->in + u->in_len, READ_BLOCK - u->in_len);

		if (n < 0)
			return ward_error_set(err, (int)-n, "layer: read");
		if (n == 0)
			u->in_eof = true;
		u->in_len += (size_t)n;
	}
	return 0;
}

static int
open_raw(struct unpacker *u, int src_fd, enum ward_layer_compression want,
	 enum ward_layer_compression *ret_got, struct ward_error **err)
{
	struct archive_entry *e;
	int code, r;

	u->src_fd = src_fd;
	r = read_ahead(u, err);
	if (r < 0)
		return r;
#ifdef WARD_HAVE_ISAL
	if (u->in_len >= 2 && u->in[0] == 0x1f && u->in[1] == 0x8b &&
	    (want == WARD_LAYER_COMPRESSION_AUTO || want == WARD_LAYER_COMPRESSION_GZIP)) {
		u->isal = malloc(sizeof(*u->isal));
		if (!u->isal)
			return ward_error_set(err, ENOMEM, "layer: decompressor");
		isal_inflate_init(u->isal);
		u->isal->crc_flag = ISAL_GZIP;
		/* ISAL_BLOCK_FINISH of a previous member: the worker's loop
		 * starts the first one the same way as the next ones */
		u->isal->block_state = ISAL_BLOCK_FINISH;
		*ret_got = WARD_LAYER_COMPRESSION_GZIP;
		return 0;
	}
#endif
	if (ward_dl_archive(err) < 0)
		return -ENOENT;
	u->raw = archive_read_new();
	if (!u->raw)
		return ward_error_set(err, ENOMEM, "layer: decompressor");
	if (want == WARD_LAYER_COMPRESSION_AUTO || want == WARD_LAYER_COMPRESSION_GZIP)
		archive_read_support_filter_gzip(u->raw);
	if (want == WARD_LAYER_COMPRESSION_AUTO || want == WARD_LAYER_COMPRESSION_ZSTD)
		archive_read_support_filter_zstd(u->raw);
	archive_read_support_format_raw(u->raw);
	if (archive_read_open(u->raw, u, NULL, raw_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &e) != ARCHIVE_OK)
		return ward_error_setk(err, WARD_E_INVALID, 0, "layer: open: %s",
				       archive_error_string(u->raw) ? archive_error_string(u->raw)
								    : "empty blob");
	code = archive_filter_code(u->raw, 0);
	*ret_got = code == ARCHIVE_FILTER_GZIP	 ? WARD_LAYER_COMPRESSION_GZIP
		   : code == ARCHIVE_FILTER_ZSTD ? WARD_LAYER_COMPRESSION_ZSTD
						 : WARD_LAYER_COMPRESSION_NONE;
	/* A blob whose media type says gzip must be gzip: otherwise a plain
	 * tar would pass under a compressed layer's name. */
	if (want != WARD_LAYER_COMPRESSION_AUTO && want != *ret_got)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "layer: blob is not %s-compressed as its media type says",
				       compression_name(want));
	return 0;
}

/* "Earlier entry of this layer" holds for hardlinks only if nothing was
 * there before us: refuse a non-empty destination. */
static int
check_empty(int dirfd, struct ward_error **err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	bool empty = true;

	if (fd < 0)
		return ward_error_set(err, errno, "layer: open destination");
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return ward_error_set(err, errno, "layer: open destination");
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = false;
			break;
		}
	closedir(d);
	if (!empty)
		return ward_error_setk(err, WARD_E_STATE, ENOTEMPTY,
				       "layer: destination directory is not empty");
	return 0;
}

static int
run(struct unpacker *u, int src_fd, const struct ward_unpack_opts *o,
    struct ward_unpack_result *res, struct ward_error **err)
{
	struct archive *tar = NULL;
	struct archive_entry *e;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r;

	r = check_empty(u->root, err);
	if (r < 0)
		return r;
	r = open_raw(u, src_fd, o ? o->compression : WARD_LAYER_COMPRESSION_AUTO, &res->compression,
		     err);
	if (r < 0)
		return r;

	r = pipeline_start(u, err);
	if (r < 0)
		return r;
	if (ward_dl_archive(err) < 0)
		return -ENOENT;
	tar = archive_read_new();
	if (!tar)
		return ward_error_set(err, ENOMEM, "layer: tar reader");
	/* Only tar: every other libarchive format (zip, cpio, iso9660...) is
	 * attack surface an OCI layer never needs. */
	archive_read_support_format_tar(tar);
	if (archive_read_open2(tar, u, NULL, tar_read_cb, NULL, NULL) != ARCHIVE_OK) {
		r = stream_error(u, tar, err);
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			r = stream_error(u, tar, err);
			goto out;
		}
		if (++u->entries > u->max_entries) {
			r = ward_error_setk(err, WARD_E_DENIED, E2BIG,
					    "layer: more than %llu entries",
					    (unsigned long long)u->max_entries);
			goto out;
		}
		r = unpack_entry(u, tar, e, err);
		if (r < 0)
			goto out;
	}
	/* every file written before the directory modes and times go on */
	r = writers_drain(u, err);
	if (r < 0)
		goto out;
	/* diff_id covers the whole uncompressed stream, including the padding
	 * after the end-of-archive blocks that tar writers add. */
	for (;;) {
		const void *buf;

		r = (int)tar_read_cb(tar, u, &buf);
		if (r == 0)
			break;
		if (r < 0) {
			r = stream_error(u, tar, err);
			goto out;
		}
	}
	r = apply_dir_fixups(u, err);
	if (r < 0)
		goto out;
	if (EVP_DigestFinal_ex(u->md, md, &mdlen) != 1 || mdlen != 32) {
		r = ward_error_set(err, EIO, "layer: sha256");
		goto out;
	}
	memcpy(res->diff_id, "sha256:", 7);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(res->diff_id + 7 + 2 * i, 3, "%02x", md[i]);
	res->entries = u->entries;
	res->tar_bytes = u->tar_bytes;
	res->file_bytes = u->file_bytes;
	r = 0;
out:
	archive_read_free(tar);
	return r;
}

static int
unpack_from(int src_fd, ward_layer_read_fn src_read, void *src_opaque, int dest_dirfd,
	    const struct ward_unpack_opts *o, struct ward_unpack_result *ret,
	    struct ward_error **err)
{
	struct unpacker u = {
		.src_read = src_read,
		.src_opaque = src_opaque,
		.root = dest_dirfd,
		.as_root = geteuid() == 0,
		.max_bytes = o && o->max_bytes ? o->max_bytes : WARD_LAYER_MAX_BYTES,
		.max_entries = o && o->max_entries ? o->max_entries : WARD_LAYER_MAX_ENTRIES,
		.cache_fd = -1,
		.src_fd = -1,
		.pipe = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER},
		.w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER},
	};
	struct ward_unpack_result res = {0};
	int r;

	u.md = EVP_MD_CTX_new();
	if (!u.md || EVP_DigestInit_ex(u.md, EVP_sha256(), NULL) != 1)
		r = ward_error_set(err, ENOMEM, "layer: sha256");
	else
		r = run(&u, src_fd, o, &res, err);

	writers_stop(&u);
	pipeline_stop(&u);
	cache_drop(&u);
	for (size_t i = 0; i < u.n_dirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	archive_read_free(u.raw);
	free(u.in);
#ifdef WARD_HAVE_ISAL
	free(u.isal);
#endif
	EVP_MD_CTX_free(u.md);
	if (r < 0)
		return r;
	*ret = res;
	return 0;
}

int
ward_layer_unpack(int src_fd, int dest_dirfd, const struct ward_unpack_opts *o,
		  struct ward_unpack_result *ret, struct ward_error **err)
{
	return unpack_from(src_fd, NULL, NULL, dest_dirfd, o, ret, err);
}

int
ward_layer_unpack_from(ward_layer_read_fn read, void *opaque, int dest_dirfd,
		       const struct ward_unpack_opts *o, struct ward_unpack_result *ret,
		       struct ward_error **err)
{
	return unpack_from(-1, read, opaque, dest_dirfd, o, ret, err);
}
