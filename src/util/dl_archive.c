/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, loaded on first use (see dl.c for why). Each function ward
 * calls is defined here with libarchive's prototype and forwards to the
 * library. The constructors (archive_read_new, archive_write_new,
 * archive_entry_new) return NULL when the library cannot be loaded, and
 * every other function needs an object one of them made, so no forwarder
 * below can reach an unloaded table; ward_dl_archive() gives callers the
 * error that names the missing package. To call another libarchive
 * function, add it to ARCHIVE_FUNCS and define its forwarder.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>

#include <ward/util.h>

#include "dl.h"

#define ARCHIVE_FUNCS(X)                           \
	X(archive_entry_atime)                     \
	X(archive_entry_atime_is_set)              \
	X(archive_entry_atime_nsec)                \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_gid)                       \
	X(archive_entry_hardlink)                  \
	X(archive_entry_mode)                      \
	X(archive_entry_mtime)                     \
	X(archive_entry_mtime_nsec)                \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_rdevmajor)                 \
	X(archive_entry_rdevminor)                 \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_uid)                   \
	X(archive_entry_size)                      \
	X(archive_entry_size_is_set)               \
	X(archive_entry_sparse_count)              \
	X(archive_entry_symlink)                   \
	X(archive_entry_uid)                       \
	X(archive_entry_xattr_count)               \
	X(archive_entry_xattr_next)                \
	X(archive_entry_xattr_reset)               \
	X(archive_errno)                           \
	X(archive_error_string)                    \
	X(archive_filter_code)                     \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_open)                       \
	X(archive_read_open2)                      \
	X(archive_read_open_fd)                    \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_format_tar)         \
	X(archive_read_support_format_zip)         \
	X(archive_write_add_filter_none)           \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open_fd)                   \
	X(archive_write_set_format_pax_restricted) \
	X(archive_set_error)

#define AS_ENUM(n) SYM_##n,
#define AS_NAME(n) #n,
enum { ARCHIVE_FUNCS(AS_ENUM) N_SYMS };
static const char *const names[N_SYMS] = {ARCHIVE_FUNCS(AS_NAME)};

static void load_archive(void);
/* Filled once by load_archive under lib.once, then only read (dl.c). */
static void *syms[N_SYMS];
static struct ward_dl_lib lib = {
	.soname = "libarchive.so.13",
	.package = "Debian package libarchive13",
	.names = names,
	.n_names = N_SYMS,
	.syms = syms,
	.once = PTHREAD_ONCE_INIT,
	.init = load_archive,
};

static void
load_archive(void)
{
	ward_dl_load_once(&lib);
}

int
ward_dl_archive(struct ward_error **err)
{
	return ward_dl_load(&lib, err);
}

#define FN(n) ((__typeof__(&n))ward_dl_sym(&lib, SYM_##n))

time_t
archive_entry_atime(struct archive_entry *a0)
{
	return FN(archive_entry_atime)(a0);
}

int
archive_entry_atime_is_set(struct archive_entry *a0)
{
	return FN(archive_entry_atime_is_set)(a0);
}

long
archive_entry_atime_nsec(struct archive_entry *a0)
{
	return FN(archive_entry_atime_nsec)(a0);
}

__LA_MODE_T
archive_entry_filetype(struct archive_entry *a0)
{
	return FN(archive_entry_filetype)(a0);
}

void
archive_entry_free(struct archive_entry *a0)
{
	FN(archive_entry_free)(a0);
}

la_int64_t
archive_entry_gid(struct archive_entry *a0)
{
	return FN(archive_entry_gid)(a0);
}

const char *
archive_entry_hardlink(struct archive_entry *a0)
{
	return FN(archive_entry_hardlink)(a0);
}

__LA_MODE_T
archive_entry_mode(struct archive_entry *a0)
{
	return FN(archive_entry_mode)(a0);
}

time_t
archive_entry_mtime(struct archive_entry *a0)
{
	return FN(archive_entry_mtime)(a0);
}

long
archive_entry_mtime_nsec(struct archive_entry *a0)
{
	return FN(archive_entry_mtime_nsec)(a0);
}

struct archive_entry *
archive_entry_new(void)
{
	return FN(archive_entry_new) ? FN(archive_entry_new)() : NULL;
}

const char *
archive_entry_pathname(struct archive_entry *a0)
{
	return FN(archive_entry_pathname)(a0);
}

dev_t
archive_entry_rdevmajor(struct archive_entry *a0)
{
	return FN(archive_entry_rdevmajor)(a0);
}

dev_t
archive_entry_rdevminor(struct archive_entry *a0)
{
	return FN(archive_entry_rdevminor)(a0);
}

void
archive_entry_set_filetype(struct archive_entry *a0, unsigned int a1)
{
	FN(archive_entry_set_filetype)(a0, a1);
}

void
archive_entry_set_gid(struct archive_entry *a0, la_int64_t a1)
{
	FN(archive_entry_set_gid)(a0, a1);
}

void
archive_entry_set_mtime(struct archive_entry *a0, time_t a1, long a2)
{
	FN(archive_entry_set_mtime)(a0, a1, a2);
}

void
archive_entry_set_pathname(struct archive_entry *a0, const char *a1)
{
	FN(archive_entry_set_pathname)(a0, a1);
}

void
archive_entry_set_perm(struct archive_entry *a0, __LA_MODE_T a1)
{
	FN(archive_entry_set_perm)(a0, a1);
}

void
archive_entry_set_size(struct archive_entry *a0, la_int64_t a1)
{
	FN(archive_entry_set_size)(a0, a1);
}

void
archive_entry_set_uid(struct archive_entry *a0, la_int64_t a1)
{
	FN(archive_entry_set_uid)(a0, a1);
}

la_int64_t
archive_entry_size(struct archive_entry *a0)
{
	return FN(archive_entry_size)(a0);
}

int
archive_entry_size_is_set(struct archive_entry *a0)
{
	return FN(archive_entry_size_is_set)(a0);
}

int
archive_entry_sparse_count(struct archive_entry *a0)
{
	return FN(archive_entry_sparse_count)(a0);
}

const char *
archive_entry_symlink(struct archive_entry *a0)
{
	return FN(archive_entry_symlink)(a0);
}

la_int64_t
archive_entry_uid(struct archive_entry *a0)
{
	return FN(archive_entry_uid)(a0);
}

int
archive_entry_xattr_count(struct archive_entry *a0)
{
	return FN(archive_entry_xattr_count)(a0);
}

int
archive_entry_xattr_next(struct archive_entry *a0, const char **a1, const void **a2, size_t *a3)
{
	return FN(archive_entry_xattr_next)(a0, a1, a2, a3);
}

int
archive_entry_xattr_reset(struct archive_entry *a0)
{
	return FN(archive_entry_xattr_reset)(a0);
}

int
archive_errno(struct archive *a0)
{
	return FN(archive_errno)(a0);
}

const char *
archive_error_string(struct archive *a0)
{
	return FN(archive_error_string)(a0);
}

int
archive_filter_code(struct archive *a0, int a1)
{
	return FN(archive_filter_code)(a0, a1);
}

la_ssize_t
archive_read_data(struct archive *a0, void *a1, size_t a2)
{
	return FN(archive_read_data)(a0, a1, a2);
}

int
archive_read_data_block(struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3)
{
	return FN(archive_read_data_block)(a0, a1, a2, a3);
}

int
archive_read_free(struct archive *a0)
{
	return FN(archive_read_free)(a0);
}

struct archive *
archive_read_new(void)
{
	return FN(archive_read_new) ? FN(archive_read_new)() : NULL;
}

int
archive_read_next_header(struct archive *a0, struct archive_entry **a1)
{
	return FN(archive_read_next_header)(a0, a1);
}

int
archive_read_open(struct archive *a0, void *a1, archive_open_callback *a2,
		  archive_read_callback *a3, archive_close_callback *a4)
{
	return FN(archive_read_open)(a0, a1, a2, a3, a4);
}

int
archive_read_open2(struct archive *a0, void *a1, archive_open_callback *a2,
		   archive_read_callback *a3, archive_skip_callback *a4, archive_close_callback *a5)
{
	return FN(archive_read_open2)(a0, a1, a2, a3, a4, a5);
}

int
archive_read_open_fd(struct archive *a0, int a1, size_t a2)
{
	return FN(archive_read_open_fd)(a0, a1, a2);
}

int
archive_read_support_filter_gzip(struct archive *a0)
{
	return FN(archive_read_support_filter_gzip)(a0);
}

int
archive_read_support_filter_zstd(struct archive *a0)
{
	return FN(archive_read_support_filter_zstd)(a0);
}

int
archive_read_support_format_raw(struct archive *a0)
{
	return FN(archive_read_support_format_raw)(a0);
}

int
archive_read_support_format_tar(struct archive *a0)
{
	return FN(archive_read_support_format_tar)(a0);
}

int
archive_read_support_format_zip(struct archive *a0)
{
	return FN(archive_read_support_format_zip)(a0);
}

int
archive_write_add_filter_none(struct archive *a0)
{
	return FN(archive_write_add_filter_none)(a0);
}

int
archive_write_close(struct archive *a0)
{
	return FN(archive_write_close)(a0);
}

la_ssize_t
archive_write_data(struct archive *a0, const void *a1, size_t a2)
{
	return FN(archive_write_data)(a0, a1, a2);
}

int
archive_write_free(struct archive *a0)
{
	return FN(archive_write_free)(a0);
}

int
archive_write_header(struct archive *a0, struct archive_entry *a1)
{
	return FN(archive_write_header)(a0, a1);
}

struct archive *
archive_write_new(void)
{
	return FN(archive_write_new) ? FN(archive_write_new)() : NULL;
}

int
archive_write_open_fd(struct archive *a0, int a1)
{
	return FN(archive_write_open_fd)(a0, a1);
}

int
archive_write_set_format_pax_restricted(struct archive *a0)
{
	return FN(archive_write_set_format_pax_restricted)(a0);
}

/* Variadic: format here, hand libarchive the finished message. */
void
archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	FN(archive_set_error)(a, err, "%s", msg);
}
