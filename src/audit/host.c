/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host: ward's own files and keys (H1..H9, after CIS section 3, which
 * checks the same things for Docker's files). ward runs as root and trusts
 * its store, state, policy and keys; any of them writable by another user
 * is a path to root, a readable key or credential a path to forged images.
 * Nothing here follows a symlink into a directory walk, and walks are
 * bounded (HOST_WALK_MAX entries, HOST_KEY_DEPTH levels).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "internal.h"

#define HOST_WALK_MAX 100000u
#define HOST_KEY_DEPTH 4u
#define HOST_KEY_SNIFF 4096
#define HOST_REPORTED_MAX 64u /* failures listed per check */

struct host {
	struct ward_audit_report *r;
	const char *target;
	size_t walked;
	size_t reported[16];
};

static size_t
check_slot(const char *id)
{
	return (size_t)(id[1] - '0') & 15u;
}

static int hfail(struct host *h, const char *id, enum ward_audit_severity sev, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int
hfail(struct host *h, const char *id, enum ward_audit_severity sev, const char *path,
      const char *fmt, ...)
{
	va_list ap;
	char *ev = NULL, *fix = NULL;
	int r;

	if (h->reported[check_slot(id)]++ >= HOST_REPORTED_MAX)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&ev, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	/* The command that fixes this very file. */
	if (path) {
		char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
		audit_sanitize(path, clean, sizeof(clean));
		fix = strcmp(id, "H4") == 0 ? ward_strdup_printf("chmod 0600 '%s'", clean)
		      : strcmp(id, "H2") == 0 || strcmp(id, "H6") == 0
			      ? ward_strdup_printf("chown root:root '%s' && chmod 0600 '%s'", clean,
						   clean)
			      : ward_strdup_printf("chown root:root '%s' && chmod go-w '%s'", clean,
						   clean);
		if (!fix) {
			free(ev);
			return -ENOMEM;
		}
	}
	r = ward_audit_add(h->r, id, h->target, false, sev, path, 0, fix, "%s", ev);
	free(ev);
	free(fix);
	return r;
}

static int hpass(struct host *h, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
hpass(struct host *h, const char *id, const char *fmt, ...)
{
	va_list ap;
	char *ev = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&ev, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = ward_audit_add(h->r, id, h->target, true, WARD_AUDIT_INFO, NULL, 0, NULL, "%s", ev);
	free(ev);
	return r;
}

/* Owner root and no group/other write; *ret_bad says which. Returns 1 ok,
 * 0 bad, -1 absent. */
static int
owned_not_writable(const char *path, struct stat *st, bool follow)
{
	if ((follow ? stat(path, st) : lstat(path, st)) < 0)
		return -1;
	if (S_ISLNK(st->st_mode))
		return 1; /* a symlink's own mode means nothing; its target is checked by stat */
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static const char *
why_bad(const struct stat *st, char *buf, size_t size)
{
	(void)snprintf(buf, size, "mode %04o, owner uid %u%s%s", (unsigned)(st->st_mode & 07777),
		       (unsigned)st->st_uid, st->st_uid != 0 ? " (not root)" : "",
		       st->st_mode & S_IWOTH   ? ", world-writable"
		       : st->st_mode & S_IWGRP ? ", group-writable"
					       : "");
	return buf;
}

/* One path against "owned by root, not writable by others". */
static int
check_one(struct host *h, const char *id, const char *path, const char *what, bool *ok)
{
	struct stat st;
	char why[128], clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	int k = owned_not_writable(path, &st, true);

	audit_sanitize(path, clean, sizeof(clean));
	if (k < 0)
		return 0;
	if (k == 1)
		return 0;
	*ok = false;
	return hfail(h, id, ward_audit_check_find(id)->severity, path, "%s %s: %s", what, clean,
		     why_bad(&st, why, sizeof(why)));
}

static int
join(char *buf, size_t size, const char *a, const char *b)
{
	return (size_t)snprintf(buf, size, "%s/%s", a, b) >= size ? -ENAMETOOLONG : 0;
}

/* H1, H2, H3: the engine root, ward.db, the store. */
static int
check_root(struct host *h, const char *root)
{
	static const char *const dirs[] = {"blobs", "blobs/sha256", "layers", "containers",
					   "ingest"};
	static const char *const dbs[] = {"ward.db", "ward.db-wal", "ward.db-shm"};
	char p[4096], why[128], clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	struct stat st;
	bool ok = true;
	int r;

	audit_sanitize(root, clean, sizeof(clean));
	if (owned_not_writable(root, &st, true) < 0)
		return hpass(h, "H1", "%s does not exist", clean);
	if ((r = check_one(h, "H1", root, "the root directory", &ok)) < 0)
		return r;
	if (ok && (r = hpass(h, "H1", "%s is owned by root, mode %04o", clean,
			     (unsigned)(st.st_mode & 07777))) < 0)
		return r;
	ok = true;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(dbs); i++) {
		if ((r = join(p, sizeof(p), root, dbs[i])) < 0 || lstat(p, &st) < 0)
			continue;
		audit_sanitize(p, clean, sizeof(clean));
		if (S_ISLNK(st.st_mode)) {
			ok = false;
			r = hfail(
				h, "H2", WARD_AUDIT_HIGH, p,
				"%s is a symlink: whoever controls its target controls the records",
				clean);
		} else if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			ok = false;
			r = hfail(h, "H2", WARD_AUDIT_HIGH, p, "%s: %s", clean,
				  why_bad(&st, why, sizeof(why)));
		} else if (st.st_mode & (S_IRGRP | S_IROTH)) {
			ok = false;
			r = hfail(h, "H2", WARD_AUDIT_MEDIUM, p,
				  "%s is readable by others (mode %04o): container environments "
				  "and run flags leak",
				  clean, (unsigned)(st.st_mode & 07777));
		}
		if (r < 0)
			return r;
	}
	if (ok && (r = hpass(h, "H2", "ward.db is root's and private (or absent)")) < 0)
		return r;
	ok = true;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(dirs); i++) {
		if (join(p, sizeof(p), root, dirs[i]) < 0)
			continue;
		if ((r = check_one(h, "H3", p, "store directory", &ok)) < 0)
			return r;
	}
	/* Entries directly in the root and in blobs/sha256, containers/, layers/
	 * (not inside a layer: an image's own /tmp is 1777 by design). */
	{
		static const char *const scan[] = {"", "blobs/sha256", "containers", "layers"};
		for (size_t i = 0; i < WARD_ARRAY_SIZE(scan); i++) {
			_cleanup_close_ int dfd = -1;
			DIR *d;
			struct dirent *de;
			if (!*scan[i])
				(void)snprintf(p, sizeof(p), "%s", root);
			else if (join(p, sizeof(p), root, scan[i]) < 0)
				continue;
			dfd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0 || !(d = fdopendir(dup(dfd))))
				continue;
			while ((de = readdir(d)) && h->walked++ < HOST_WALK_MAX) {
				char child[4400];
				if (de->d_name[0] == '.' &&
				    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
					continue;
				if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
				    S_ISLNK(st.st_mode))
					continue;
				if (!(st.st_mode & (S_IWGRP | S_IWOTH)))
					continue;
				(void)snprintf(child, sizeof(child), "%s/%s", p, de->d_name);
				audit_sanitize(child, clean, sizeof(clean));
				ok = false;
				if ((r = hfail(h, "H3", WARD_AUDIT_HIGH, child, "%s: %s", clean,
					       why_bad(&st, why, sizeof(why)))) < 0) {
					closedir(d);
					return r;
				}
			}
			closedir(d);
		}
	}
	if (ok && (r = hpass(h, "H3",
			     "the store's directories and entries are not writable by "
			     "others")) < 0)
		return r;
	return 0;
}

static int
check_authfile(struct host *h, const char *path)
{
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	struct stat st;

	if (!path)
		return 0;
	audit_sanitize(path, clean, sizeof(clean));
	if (stat(path, &st) < 0)
		return hpass(h, "H4", "%s does not exist", clean);
	if (st.st_mode & 077)
		return hfail(h, "H4", st.st_mode & 066 ? WARD_AUDIT_HIGH : WARD_AUDIT_MEDIUM, path,
			     "%s has mode %04o: registry credentials are open to %s", clean,
			     (unsigned)(st.st_mode & 07777),
			     st.st_mode & 06 ? "every user" : "the file's group");
	if (st.st_uid != 0 && st.st_uid != getuid())
		return hfail(h, "H4", WARD_AUDIT_MEDIUM, path,
			     "%s is owned by uid %u, not by root or the user running ward", clean,
			     (unsigned)st.st_uid);
	return hpass(h, "H4", "%s is mode %04o", clean, (unsigned)(st.st_mode & 07777));
}

enum key_kind { KEY_NONE, KEY_PRIVATE, KEY_PUBLIC };

static enum key_kind
classify_key(int dfd, const char *name)
{
	char buf[HOST_KEY_SNIFF + 1];
	size_t n = strlen(name);
	ssize_t got;
	_cleanup_close_ int fd =
		openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0 && (got = read(fd, buf, HOST_KEY_SNIFF)) > 0) {
		buf[got] = '\0';
		if (strstr(buf, "PRIVATE KEY"))
			return KEY_PRIVATE;
		if (strstr(buf, "PUBLIC KEY"))
			return KEY_PUBLIC;
	}
	if (n > 4 && strcmp(name + n - 4, ".key") == 0)
		return KEY_PRIVATE;
	if (n > 4 && (strcmp(name + n - 4, ".pub") == 0 || strcmp(name + n - 4, ".gpg") == 0))
		return KEY_PUBLIC;
	return KEY_NONE;
}

struct key_walk {
	size_t priv, pub;
	bool priv_ok, pub_ok, etc_ok;
};

static int
walk_keys(struct host *h, int dfd, const char *dir, unsigned depth, struct key_walk *kw)
{
	DIR *d;
	struct dirent *de;
	int r = 0, fd2 = dup(dfd);

	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			(void)close(fd2);
		return 0;
	}
	while (r >= 0 && (de = readdir(d)) && h->walked++ < HOST_WALK_MAX) {
		char p[4400], clean[AUDIT_EVIDENCE_VALUE_MAX + 8], why[128];
		struct stat st;
		enum key_kind k;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		audit_sanitize(p, clean, sizeof(clean));
		k = S_ISREG(st.st_mode) ? classify_key(dfd, de->d_name) : KEY_NONE;
		/* Keys have their own checks (H6, H7); everything else is H5. */
		if (k == KEY_NONE && !S_ISLNK(st.st_mode) &&
		    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
			kw->etc_ok = false;
			r = hfail(h, "H5", WARD_AUDIT_HIGH, p, "%s: %s", clean,
				  why_bad(&st, why, sizeof(why)));
			if (r < 0)
				break;
		}
		if (S_ISDIR(st.st_mode) && depth < HOST_KEY_DEPTH) {
			_cleanup_close_ int sub = openat(
				dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = walk_keys(h, sub, p, depth + 1, kw);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (k == KEY_PRIVATE) {
			kw->priv++;
			if (st.st_uid != 0 || (st.st_mode & 077)) {
				kw->priv_ok = false;
				r = hfail(h, "H6", WARD_AUDIT_CRITICAL, p,
					  "private key %s: mode %04o, owner uid %u", clean,
					  (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
			}
		} else if (k == KEY_PUBLIC) {
			kw->pub++;
			if (st.st_mode & (S_IWGRP | S_IWOTH)) {
				kw->pub_ok = false;
				r = hfail(h, "H7", WARD_AUDIT_HIGH, p, "public key %s: %s", clean,
					  why_bad(&st, why, sizeof(why)));
			}
		}
	}
	closedir(d);
	return r;
}

static int
check_etc(struct host *h, const char *etc)
{
	struct key_walk kw = {.priv_ok = true, .pub_ok = true, .etc_ok = true};
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	_cleanup_close_ int dfd = -1;
	int r;

	audit_sanitize(etc, clean, sizeof(clean));
	if ((r = check_one(h, "H5", etc, "the configuration directory", &kw.etc_ok)) < 0)
		return r;
	dfd = open(etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if ((r = hpass(h, "H5", "%s does not exist", clean)) < 0)
			return r;
		if ((r = hpass(h, "H6", "no private key under %s", clean)) < 0)
			return r;
		return hpass(h, "H7", "no public key under %s", clean);
	}
	if ((r = walk_keys(h, dfd, etc, 0, &kw)) < 0)
		return r;
	if (kw.etc_ok && (r = hpass(h, "H5",
				    "%s and its files are root's, not writable by "
				    "others",
				    clean)) < 0)
		return r;
	if (kw.priv_ok && (r = hpass(h, "H6", "%zu private key(s) under %s, all root's and 0600",
				     kw.priv, clean)) < 0)
		return r;
	if (kw.pub_ok && (r = hpass(h, "H7",
				    "%zu public key(s) under %s, none writable by "
				    "others",
				    kw.pub, clean)) < 0)
		return r;
	return 0;
}

static int
check_binaries(struct host *h, char *const *bins)
{
	bool ok = true;
	int r;

	if (!bins || !bins[0])
		return 0;
	for (size_t i = 0; bins[i]; i++) {
		_cleanup_free_ char *copy = strdup(bins[i]);
		struct stat st;
		if (!copy)
			return -ENOMEM;
		if (stat(bins[i], &st) < 0)
			continue;
		if ((r = check_one(h, "H8", bins[i], "binary", &ok)) < 0 ||
		    (r = check_one(h, "H8", dirname(copy), "the directory of binary", &ok)) < 0)
			return r;
	}
	return ok ? hpass(h, "H8",
			  "ward's binaries and their directories are root's, not "
			  "writable by others")
		  : 0;
}

static int
check_runroot(struct host *h, const char *run_root)
{
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	struct stat st;
	bool ok = true;
	int r;

	audit_sanitize(run_root, clean, sizeof(clean));
	if (stat(run_root, &st) < 0)
		return hpass(h, "H9", "%s does not exist (no container has run since boot)", clean);
	if ((r = check_one(h, "H9", run_root, "the state directory", &ok)) < 0)
		return r;
	return ok ? hpass(h, "H9", "%s is root's, mode %04o", clean, (unsigned)(st.st_mode & 07777))
		  : 0;
}

int
ward_audit_host(struct ward_audit_report *r, const struct ward_audit_host_paths *p,
		struct ward_error **err)
{
	struct host h = {.r = r, .target = "host"};
	int rc;

	if ((rc = ward_audit_add_target(r, "host")) < 0 ||
	    (rc = check_root(&h, p->root ? p->root : "/var/lib/ward")) < 0 ||
	    (rc = check_authfile(&h, p->authfile)) < 0 ||
	    (rc = check_etc(&h, p->etc_dir ? p->etc_dir : "/etc/ward")) < 0 ||
	    (rc = check_binaries(&h, p->binaries)) < 0 ||
	    (rc = check_runroot(&h, p->run_root ? p->run_root : "/run/ward")) < 0)
		return ward_error_set(err, -rc, "audit of the host");
	return 0;
}
