/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward utilities: errors, ownership helpers, the context every call takes,
 * JSON accessors that name the offending field, and files under a root.
 */
#ifndef WARD_UTIL_H
#define WARD_UTIL_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <unistd.h>

#define WARD_PUBLIC __attribute__((visibility("default")))

/* ---- ownership ---------------------------------------------------------- */

static inline void
ward_freep(void *p)
{
	free(*(void **)p);
}

static inline void
ward_closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
}

void ward_strv_free(char **v);
static inline void
ward_strv_freep(char ***v)
{
	ward_strv_free(*v);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(ward_freep)
#define _cleanup_close_ _cleanup_(ward_closep)
#define _cleanup_strv_ _cleanup_(ward_strv_freep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

#define WARD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors ------------------------------------------------------------- */

/* What went wrong, in the terms the CLI maps to an exit status. */
enum ward_error_kind {
	WARD_E_SYSTEM = 0, /* a system call failed */
	WARD_E_INVALID,    /* the input is malformed or refers to something impossible */
	WARD_E_NOTFOUND,   /* container, file or object does not exist */
	WARD_E_EXISTS,     /* already exists */
	WARD_E_DENIED,     /* a security check refused it */
	WARD_E_UNSUPPORTED, /* valid, but this host or ward cannot do it */
	WARD_E_STATE,      /* the object is in the wrong state for the operation */
};

struct ward_error {
	int errnum;              /* positive errno, 0 when none */
	enum ward_error_kind kind;
	char *msg;               /* "outer: inner: innermost" */
};

/*
 * Record an error. Returns -errnum (or -EINVAL when errnum is 0) so a caller
 * can `return ward_error_set(...)`. When errnum is non-zero its strerror is
 * appended. If *err already holds an error it is replaced.
 */
WARD_PUBLIC int ward_error_set(struct ward_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
WARD_PUBLIC int ward_error_setk(struct ward_error **err, enum ward_error_kind kind, int errnum,
				const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prefix context to an existing error; returns its negative errno. */
WARD_PUBLIC int ward_error_wrap(struct ward_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
WARD_PUBLIC void ward_error_free(struct ward_error *e);
static inline void
ward_error_freep(struct ward_error **e)
{
	/* Callers pass the err they were given, which may be NULL (no report wanted). */
	if (!e)
		return;
	ward_error_free(*e);
	*e = NULL;
}
/* The negative errno an error stands for (-EINVAL when it carries none). */
WARD_PUBLIC int ward_error_code(const struct ward_error *e);

/* ---- logging ------------------------------------------------------------ */

enum ward_log_level { WARD_LOG_ERROR, WARD_LOG_WARNING, WARD_LOG_INFO, WARD_LOG_DEBUG };
enum ward_log_format { WARD_LOG_TEXT, WARD_LOG_JSON };

struct ward_log {
	int fd;                     /* -1: discard */
	enum ward_log_format format;
	enum ward_log_level level;  /* highest level written */
};

WARD_PUBLIC void ward_log_write(const struct ward_log *log, enum ward_log_level level,
				const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- strings ------------------------------------------------------------ */

WARD_PUBLIC char *ward_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
WARD_PUBLIC size_t ward_strv_length(char *const *v);
/* Parse a decimal unsigned integer that must fill the whole string. */
WARD_PUBLIC int ward_parse_u64(const char *s, uint64_t *ret);
WARD_PUBLIC bool ward_str_has_prefix(const char *s, const char *prefix);
/* "512m", "1G", "100k", "4096", "2gb" -> bytes (1024-based, as docker). */
WARD_PUBLIC int ward_parse_size(const char *s, int64_t *ret);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
WARD_PUBLIC long ward_now_ms(void);

/* libcurl and libarchive are loaded on first use (src/util/dl.c): 0 when
 * loaded, else WARD_E_UNSUPPORTED naming the library and its package. */
WARD_PUBLIC int ward_dl_curl(struct ward_error **err);
WARD_PUBLIC int ward_dl_archive(struct ward_error **err);

/* ---- JSON with field-naming errors --------------------------------------
 * `where` is the dotted path of the object (e.g. "process.user"); errors
 * read "process.user.uid: expected an integer, got string".
 */
#define WARD_JSON_MAX_DEPTH 64

/* Parse JSON from (buf, len); rejects NULs, depth past WARD_JSON_MAX_DEPTH. */
WARD_PUBLIC int ward_json_parse(const char *buf, size_t len, const char *name, json_t **ret,
				struct ward_error **err);
WARD_PUBLIC int ward_json_load_file(int dirfd, const char *path, size_t max, json_t **ret,
				    struct ward_error **err);

/* Each getter: absent key => returns 0 and leaves *ret untouched (so callers
 * pre-set defaults); present with the wrong type => error naming the field.
 * Returns 1 when the key was present. */
WARD_PUBLIC int ward_json_get_string(json_t *obj, const char *where, const char *key,
				     const char **ret, struct ward_error **err);
WARD_PUBLIC int ward_json_dup_string(json_t *obj, const char *where, const char *key, char **ret,
				     struct ward_error **err);
WARD_PUBLIC int ward_json_get_bool(json_t *obj, const char *where, const char *key, bool *ret,
				   struct ward_error **err);
WARD_PUBLIC int ward_json_get_int64(json_t *obj, const char *where, const char *key,
				    int64_t *ret, struct ward_error **err);
/* Integer within [min, max]. */
WARD_PUBLIC int ward_json_get_range(json_t *obj, const char *where, const char *key, int64_t min,
				    int64_t max, int64_t *ret, struct ward_error **err);
WARD_PUBLIC int ward_json_get_uint64(json_t *obj, const char *where, const char *key,
				     uint64_t *ret, struct ward_error **err);
WARD_PUBLIC int ward_json_get_object(json_t *obj, const char *where, const char *key,
				     json_t **ret, struct ward_error **err);
WARD_PUBLIC int ward_json_get_array(json_t *obj, const char *where, const char *key,
				    size_t max, json_t **ret, struct ward_error **err);
/* Array of strings (max entries) into a NULL-terminated vector. */
WARD_PUBLIC int ward_json_get_strv(json_t *obj, const char *where, const char *key, size_t max,
				   char ***ret, struct ward_error **err);
WARD_PUBLIC const char *ward_json_type_name(const json_t *j);

/* ---- unix sockets ------------------------------------------------------- */

/* sendmsg of (data, len) with fd attached (fd < 0: none). Bytes sent or
 * negative errno. */
WARD_PUBLIC ssize_t ward_unix_send_fd(int sock, int fd, const void *data, size_t len);
/* recvmsg into buf; *ret_fd is the passed descriptor (close-on-exec) or -1.
 * Bytes received (0 at EOF) or negative errno. */
WARD_PUBLIC ssize_t ward_unix_recv_fd(int sock, void *buf, size_t cap, int *ret_fd);

/* ---- files -------------------------------------------------------------- */

/*
 * Open `path` inside the tree rooted at `rootfd`: absolute names, `..` and
 * symlinks all resolve inside it (openat2 RESOLVE_IN_ROOT, no magic links).
 * Fails closed without openat2. Returns the fd.
 */
WARD_PUBLIC int ward_fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode,
				     struct ward_error **err);
/* mkdir -p of `path` inside `rootfd`, each component resolved in root. Returns
 * an O_PATH|O_DIRECTORY fd of the last component. */
WARD_PUBLIC int ward_fs_mkdir_in_root(int rootfd, const char *path, mode_t mode,
				      struct ward_error **err);
/* Write atomically: temp file in the same dir, fsync, rename, fsync dir. */
WARD_PUBLIC int ward_fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len,
				     mode_t mode, struct ward_error **err);
/* Replace atomically (temp file + rename) without fsync: for runtime state
 * under /run that does not outlive a reboot, where readers must never see a
 * half-written file but durability buys nothing. */
WARD_PUBLIC int ward_fs_write_replace(int dirfd, const char *name, const void *buf, size_t len,
				      mode_t mode, struct ward_error **err);
/* Read a whole file of at most max bytes; NUL-terminates. */
WARD_PUBLIC int ward_fs_read_all(int dirfd, const char *path, size_t max, char **ret,
				 size_t *ret_len, struct ward_error **err);
WARD_PUBLIC int ward_fs_read_fd(int fd, size_t max, const char *name, char **ret, size_t *ret_len,
				struct ward_error **err);
WARD_PUBLIC int ward_fs_write_all(int fd, const void *buf, size_t len);
WARD_PUBLIC int ward_fs_mkdir_p(const char *path, mode_t mode, struct ward_error **err);
/* rm -rf below dirfd/name without following symlinks or crossing mounts. */
WARD_PUBLIC int ward_fs_remove_tree(int dirfd, const char *name, struct ward_error **err);

#endif
