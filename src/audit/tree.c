/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 4.8 (setuid/setgid) and 4.10 (secrets) over an unpacked layer or a root
 * filesystem. The tree belongs to whoever built the image: every entry is
 * looked at with fstatat(AT_SYMLINK_NOFOLLOW) and opened by its single name
 * below its parent's fd (openat2 RESOLVE_IN_ROOT, O_NOFOLLOW), so a symlink
 * such as etc/shadow -> /etc/shadow on the host is reported, never read;
 * other file systems are not entered; FIFOs and devices are never opened.
 * Every size, count and depth is bounded, and reaching a bound is a warning
 * in the report, never a reason to stop the audit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "internal.h"

#define SNIFF_BYTES 8192 /* a NUL in the first bytes marks a binary */
#define PATH_BUF 4096

struct walk {
	struct ward_audit_report *r;
	const char *target, *label;
	const struct ward_audit_opts *o;
	dev_t dev;
	uint64_t file_max, max_files, scan_bytes;
	uint64_t visited, setuid_found;
	bool warned_files, warned_bytes, warned_depth, warned_path, warned_setuid;
	char path[PATH_BUF];
};

static int
scan_file(struct walk *w, int dfd, const char *name, const struct stat *st)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char where[PATH_BUF + 128];
	struct stat fst;
	size_t len = 0;
	int r;

	if ((uint64_t)st->st_size > w->file_max) {
		/* A 1 GiB sparse file costs nothing to make and would cost the
		 * audit a gigabyte of reads: skipped by its size, unread. */
		w->r->files_skipped++;
		return 0;
	}
	if (w->r->bytes_scanned + (uint64_t)st->st_size > w->scan_bytes) {
		w->r->files_skipped++;
		if (!w->warned_bytes) {
			w->warned_bytes = true;
			return ward_audit_warn(w->r,
					       "%s: %s: more than %llu bytes read for secrets, "
					       "the remaining files were not read",
					       w->target, w->label,
					       (unsigned long long)w->scan_bytes);
		}
		return 0;
	}
	fd = ward_fs_open_in_root(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0,
				  NULL);
	/* Swapped for something else between fstatat and open: skip it. */
	if (fd < 0 || fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino ||
	    (uint64_t)fst.st_size > w->file_max) {
		w->r->files_skipped++;
		return 0;
	}
	buf = malloc((size_t)fst.st_size + 1);
	if (!buf)
		return -ENOMEM;
	/* The first bytes decide: a NUL there marks a binary, whose rest is
	 * never read (most of an image's bytes are binaries). */
	while (len < (size_t)fst.st_size) {
		size_t want = (size_t)fst.st_size - len;
		ssize_t n;
		if (len < SNIFF_BYTES && want > SNIFF_BYTES - len)
			want = SNIFF_BYTES - len;
		n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == SNIFF_BYTES && memchr(buf, '\0', SNIFF_BYTES))
			break;
	}
	w->r->bytes_scanned += len;
	if (memchr(buf, '\0', len < SNIFF_BYTES ? len : SNIFF_BYTES)) {
		w->r->files_skipped++;
		return 0;
	}
	w->r->files_scanned++;
	(void)snprintf(where, sizeof(where), "%s:%s", w->label, w->path);
	struct audit_secret_ctx sc = {
		.r = w->r, .target = w->target, .path = w->path, .where = where};
	r = ward_secrets_scan(buf, len, audit_secret_record, &sc);
	explicit_bzero(buf, len);
	return r < 0 ? r : 0;
}

static int
check_setuid(struct walk *w, const struct stat *st)
{
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	bool ww = st->st_mode & S_IWOTH;

	if (!(st->st_mode & (S_ISUID | S_ISGID)))
		return 0;
	if (w->setuid_found++ >= WARD_AUDIT_SETUID_MAX) {
		if (w->warned_setuid)
			return 0;
		w->warned_setuid = true;
		return ward_audit_warn(w->r,
				       "%s: %s: more than %u setuid/setgid files, the rest "
				       "not listed",
				       w->target, w->label, WARD_AUDIT_SETUID_MAX);
	}
	audit_sanitize(w->path, clean, sizeof(clean));
	return ward_audit_add(w->r, "4.8", w->target, false,
			      ww					   ? WARD_AUDIT_HIGH
			      : (st->st_mode & S_ISUID) && st->st_uid == 0 ? WARD_AUDIT_MEDIUM
									   : WARD_AUDIT_LOW,
			      w->path, 0, NULL, "%s in %s is %s%s%s (mode %04o, owner %u)%s", clean,
			      w->label, st->st_mode & S_ISUID ? "setuid" : "",
			      (st->st_mode & S_ISUID) && (st->st_mode & S_ISGID) ? "+" : "",
			      st->st_mode & S_ISGID ? "setgid" : "",
			      (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
			      ww ? " and world-writable" : "");
}

static int walk_dir(struct walk *w, int dfd, unsigned depth);

static int
visit(struct walk *w, int dfd, const char *name, unsigned depth)
{
	size_t plen = strlen(w->path), nlen = strlen(name);
	struct stat st;
	int r = 0;

	if (w->visited++ >= w->max_files) {
		if (!w->warned_files) {
			w->warned_files = true;
			return ward_audit_warn(w->r,
					       "%s: %s: more than %llu entries, the rest not "
					       "audited",
					       w->target, w->label,
					       (unsigned long long)w->max_files);
		}
		return 0;
	}
	if (plen + 1 + nlen >= sizeof(w->path)) {
		if (!w->warned_path) {
			w->warned_path = true;
			return ward_audit_warn(w->r,
					       "%s: %s: a path longer than %d bytes was not "
					       "audited",
					       w->target, w->label, PATH_BUF);
		}
		return 0;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != w->dev)
		return 0;
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, name, nlen + 1);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sub = -1;
		if (depth + 1 > WARD_AUDIT_MAX_DEPTH) {
			if (!w->warned_depth) {
				w->warned_depth = true;
				r = ward_audit_warn(w->r,
						    "%s: %s: directories deeper than %u levels "
						    "were not audited",
						    w->target, w->label, WARD_AUDIT_MAX_DEPTH);
			}
		} else if ((sub = ward_fs_open_in_root(dfd, name,
						       O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
						       NULL)) >= 0) {
			r = walk_dir(w, sub, depth + 1);
		}
	} else if (S_ISREG(st.st_mode)) {
		r = check_setuid(w, &st);
		if (r >= 0 && !(w->o && w->o->no_secrets))
			r = scan_file(w, dfd, name, &st);
	}
	w->path[plen] = '\0';
	return r;
}

static int
walk_dir(struct walk *w, int dfd, unsigned depth)
{
	int fd2 = dup(dfd);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd2 < 0)
		return -errno;
	if (!(d = fdopendir(fd2))) {
		(void)close(fd2);
		return 0;
	}
	/* The dup shares the caller's file offset: a second walk of the same
	 * fd would otherwise start at the end and see nothing. */
	rewinddir(d);
	while (r >= 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = visit(w, dfd, de->d_name, depth);
	}
	closedir(d);
	return r;
}

int
ward_audit_tree(struct ward_audit_report *r, const char *target, const char *label, int dirfd,
		const struct ward_audit_opts *o, struct ward_error **err)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct stat st;
	size_t before = r->n;
	int rc;

	if (!w)
		return ward_error_set(err, ENOMEM, "%s", target);
	if (fstat(dirfd, &st) < 0) {
		rc = ward_error_set(err, errno, "%s: %s", target, label);
		goto out;
	}
	w->r = r;
	w->target = target;
	w->label = label;
	w->o = o;
	w->dev = st.st_dev;
	w->file_max = o && o->file_max ? o->file_max : WARD_AUDIT_FILE_MAX;
	w->max_files = o && o->max_files ? o->max_files : WARD_AUDIT_MAX_FILES;
	w->scan_bytes = o && o->scan_bytes ? o->scan_bytes : WARD_AUDIT_SCAN_BYTES;
	rc = walk_dir(w, dirfd, 0);
	if (rc >= 0 && !w->setuid_found)
		rc = ward_audit_add(r, "4.8", target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
				    "no setuid or setgid file in %s", label);
	if (rc >= 0 && !(o && o->no_secrets)) {
		bool any = false;
		for (size_t i = before; i < r->n && !any; i++)
			any = !r->v[i].passed && strcmp(r->v[i].check->id, "4.10") == 0;
		if (!any)
			rc = ward_audit_add(r, "4.10", target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
					    "no secret found in the files of %s", label);
	}
	if (rc < 0)
		rc = ward_error_set(err, -rc, "%s: %s", target, label);
out:
	free(w);
	return rc;
}
