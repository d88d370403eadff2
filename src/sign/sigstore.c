/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where signatures live outside a registry's .sig tags: next to the image in
 * ward's store (both formats), and in GPG lookasides (a directory or a web
 * server laid out as BASE/REPO@sha256=HEX/signature-N, which skopeo and
 * podman read and write).
 *
 * Everything read back is bounded per file and per count; files are opened
 * without following symlinks (a planted link cannot make ward read
 * /etc/shadow as a "signature" or write through it), and a lookaside server
 * that never answers is cut off by connect and total timeouts.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <ward/image.h>
#include <ward/policy.h>
#include <ward/registry.h>
#include <ward/sign.h>

#include "internal.h"

#define LOOKASIDE_CONNECT_MS 5000L
#define LOOKASIDE_TIMEOUT_MS 15000L

void
ward_sign_list_clear(struct ward_sign_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].data);
		free(l->v[i].sig_b64);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Takes data and sig_b64 (freed on failure too). */
static int
list_push(struct ward_sign_list *l, enum ward_sign_kind kind, unsigned char *data, size_t len,
	  char *sig_b64, struct ward_error **err)
{
	struct ward_sign_stored *v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (!v) {
		free(data);
		free(sig_b64);
		return ward_error_set(err, ENOMEM, "signatures");
	}
	l->v = v;
	l->v[l->n++] = (struct ward_sign_stored){
		.kind = kind, .data = data, .len = len, .sig_b64 = sig_b64};
	return 0;
}

int
ward_sign_list_add(struct ward_sign_list *l, enum ward_sign_kind kind, const void *data, size_t len,
		   const char *sig_b64, struct ward_error **err)
{
	unsigned char *copy = malloc(len + 1);
	char *sig = NULL;

	if (!copy || (sig_b64 && !(sig = strdup(sig_b64)))) {
		free(copy);
		return ward_error_set(err, ENOMEM, "signatures");
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	return list_push(l, kind, copy, len, sig, err);
}

/* ---- the local store ------------------------------------------------------ */

static const char *
kind_dir(enum ward_sign_kind k)
{
	return k == WARD_SIGN_KIND_GPG ? "gpg" : "cosign";
}

/* The directory of d's signatures of one kind below root, opened for
 * reading (and flock); created when create is set. -ENOENT when absent. */
static int
open_sig_dir(const char *root, const struct ward_digest *d, enum ward_sign_kind kind, bool create,
	     struct ward_error **err)
{
	_cleanup_close_ int rootfd = -1, made = -1;
	char rel[160];

	snprintf(rel, sizeof(rel), "signatures/sha256/%s/%s", ward_digest_hex(d), kind_dir(kind));
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ward_error_set(err, errno, "signatures: open store '%s'", root);
	if (create) {
		made = ward_fs_mkdir_in_root(rootfd, rel, 0755, err);
		if (made < 0)
			return ward_error_wrap(err, "signatures: '%s'", root);
	}
	/* RESOLVE_IN_ROOT: a symlinked signatures/ cannot lead outside root. */
	return ward_fs_open_in_root(rootfd, rel, O_RDONLY | O_DIRECTORY, 0, err);
}

/* Read dirfd/name (no symlinks), at most max bytes; -ENOENT (err untouched)
 * when absent. */
static int
read_small(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
	   struct ward_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return ward_error_set(err, errno, "signature '%s'", name);
	}
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "signature '%s'", name);
	if (!S_ISREG(st.st_mode))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "signature '%s': not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "signature '%s': %lld bytes, more than the %zu allowed",
				       name, (long long)st.st_size, max);
	return ward_fs_read_fd(fd, max, name, ret, ret_len, err);
}

static int
check_stored(const struct ward_sign_stored *s, struct ward_error **err)
{
	if (s->kind == WARD_SIGN_KIND_GPG) {
		if (s->len == 0 || s->len > WARD_SIGN_GPG_SIG_MAX)
			return ward_error_setk(err, WARD_E_INVALID, EFBIG,
					       "GPG signature of %zu bytes (1..%u)", s->len,
					       WARD_SIGN_GPG_SIG_MAX);
		return 0;
	}
	if (s->len == 0 || s->len > WARD_SIGN_PAYLOAD_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "payload of %zu bytes (1..%u)",
				       s->len, WARD_SIGN_PAYLOAD_MAX);
	if (!s->sig_b64 || !*s->sig_b64 || strlen(s->sig_b64) > WARD_SIGN_SIG_B64_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "cosign signature: missing or over %u bytes",
				       WARD_SIGN_SIG_B64_MAX);
	return 0;
}

int
ward_sigstore_add(const char *root, const struct ward_digest *d, const struct ward_sign_stored *sig,
		  bool *ret_added, struct ward_error **err)
{
	_cleanup_close_ int dfd = -1;
	bool gpg = sig->kind == WARD_SIGN_KIND_GPG;
	int r;

	if ((r = check_stored(sig, err)) < 0)
		return r;
	dfd = open_sig_dir(root, d, sig->kind, true, err);
	if (dfd < 0)
		return dfd;
	/* Numbering and the duplicate check must see one state: concurrent
	 * `ward sign` runs on the same image would otherwise both take N. */
	if (flock(dfd, LOCK_EX) < 0)
		return ward_error_set(err, errno, "signatures: lock");
	for (unsigned n = 1; n <= WARD_SIGN_STORED_MAX; n++) {
		char name[64], pname[64];
		_cleanup_free_ char *have = NULL, *have_p = NULL;
		size_t have_len = 0, hp_len = 0;

		if (gpg)
			snprintf(name, sizeof(name), "signature-%u", n);
		else
			snprintf(name, sizeof(name), "%u.sig", n);
		snprintf(pname, sizeof(pname), "%u.payload", n);
		r = read_small(dfd, name, gpg ? WARD_SIGN_GPG_SIG_MAX : WARD_SIGN_SIG_B64_MAX,
			       &have, &have_len, err);
		if (r == -ENOENT) {
			/* The payload first, the .sig last: a reader takes N only
			 * once N.sig exists, so it never sees half an entry. */
			if (!gpg && (r = ward_fs_write_atomic(dfd, pname, sig->data, sig->len, 0644,
							      err)) < 0)
				return ward_error_wrap(err, "signatures of %s", d->s);
			r = gpg ? ward_fs_write_atomic(dfd, name, sig->data, sig->len, 0644, err)
				: ward_fs_write_atomic(dfd, name, sig->sig_b64,
						       strlen(sig->sig_b64), 0644, err);
			if (r < 0)
				return ward_error_wrap(err, "signatures of %s", d->s);
			if (ret_added)
				*ret_added = true;
			return 0;
		}
		if (r < 0)
			return ward_error_wrap(err, "signatures of %s", d->s);
		if (gpg) {
			if (have_len == sig->len && memcmp(have, sig->data, have_len) == 0)
				goto dup;
			continue;
		}
		if (strcmp(have, sig->sig_b64) != 0)
			continue;
		r = read_small(dfd, pname, WARD_SIGN_PAYLOAD_MAX, &have_p, &hp_len, err);
		if (r < 0 && r != -ENOENT)
			return ward_error_wrap(err, "signatures of %s", d->s);
		if (r == 0 && hp_len == sig->len && memcmp(have_p, sig->data, hp_len) == 0)
			goto dup;
	}
	return ward_error_setk(err, WARD_E_INVALID, E2BIG,
			       "signatures of %s: already %u %s signatures, the most ward keeps",
			       d->s, WARD_SIGN_STORED_MAX, kind_dir(sig->kind));
dup:
	if (ret_added)
		*ret_added = false;
	return 0;
}

static int
list_kind(const char *root, const struct ward_digest *d, enum ward_sign_kind kind,
	  struct ward_sign_list *l, struct ward_error **err)
{
	_cleanup_close_ int dfd = -1;
	bool gpg = kind == WARD_SIGN_KIND_GPG;
	struct ward_error *e = NULL;
	int r;

	dfd = open_sig_dir(root, d, kind, false, &e);
	if (dfd < 0) {
		if (dfd == -ENOENT) {
			ward_error_free(e);
			return 0;
		}
		if (err)
			*err = e;
		else
			ward_error_free(e);
		return dfd;
	}
	if (flock(dfd, LOCK_SH) < 0)
		return ward_error_set(err, errno, "signatures: lock");
	for (unsigned n = 1; n <= WARD_SIGN_STORED_MAX; n++) {
		char name[64], pname[64];
		char *data = NULL, *sig = NULL;
		size_t len = 0, sl = 0;

		snprintf(name, sizeof(name), gpg ? "signature-%u" : "%u.sig", n);
		snprintf(pname, sizeof(pname), "%u.payload", n);
		r = read_small(dfd, name, gpg ? WARD_SIGN_GPG_SIG_MAX : WARD_SIGN_SIG_B64_MAX,
			       gpg ? &data : &sig, gpg ? &len : &sl, err);
		if (r == -ENOENT)
			return 0;
		if (r == 0 && !gpg) {
			r = read_small(dfd, pname, WARD_SIGN_PAYLOAD_MAX, &data, &len, err);
			if (r == -ENOENT)
				r = ward_error_setk(err, WARD_E_INVALID, ENOENT,
						    "signature '%s': its payload is missing", name);
		}
		if (r < 0) {
			free(data);
			free(sig);
			return ward_error_wrap(err, "signatures of %s", d->s);
		}
		if ((r = list_push(l, kind, (unsigned char *)data, len, sig, err)) < 0)
			return r;
	}
	return 0;
}

int
ward_sigstore_list(const char *root, const struct ward_digest *d, struct ward_sign_list *l,
		   struct ward_error **err)
{
	int r = list_kind(root, d, WARD_SIGN_KIND_GPG, l, err);

	return r < 0 ? r : list_kind(root, d, WARD_SIGN_KIND_COSIGN, l, err);
}

static int
open_image_dir(const char *root, const struct ward_digest *d, bool create, struct ward_error **err)
{
	_cleanup_close_ int rootfd = -1, made = -1;
	char rel[128];

	snprintf(rel, sizeof(rel), "signatures/sha256/%s", ward_digest_hex(d));
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ward_error_set(err, errno, "signatures: open store '%s'", root);
	if (create && (made = ward_fs_mkdir_in_root(rootfd, rel, 0755, err)) < 0)
		return ward_error_wrap(err, "signatures: '%s'", root);
	return ward_fs_open_in_root(rootfd, rel, O_RDONLY | O_DIRECTORY, 0, err);
}

int
ward_sigstore_set_index(const char *root, const struct ward_digest *manifest,
			const struct ward_digest *index, struct ward_error **err)
{
	_cleanup_close_ int dfd = open_image_dir(root, manifest, true, err);

	if (dfd < 0)
		return dfd;
	return ward_fs_write_atomic(dfd, "index", index->s, strlen(index->s), 0644, err);
}

int
ward_sigstore_get_index(const char *root, const struct ward_digest *manifest,
			struct ward_digest *ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int dfd = -1;
	struct ward_error *e = NULL;
	size_t len = 0;
	int r;

	dfd = open_image_dir(root, manifest, false, &e);
	if (dfd == -ENOENT) {
		ward_error_free(e);
		return -ENOENT;
	}
	if (dfd < 0) {
		if (err)
			*err = e;
		else
			ward_error_free(e);
		return dfd;
	}
	r = read_small(dfd, "index", WARD_DIGEST_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	if (ward_digest_parse(buf, ret, err) < 0)
		return ward_error_wrap(err, "signatures of %s: index", manifest->s);
	return 0;
}

/* ---- removing what no image uses -------------------------------------------- */

#define SIGSTORE_PRUNE_MAX 65536u /* signature directories looked at per prune */

/* The hex names under signatures/sha256 (64 lowercase hex), at most
 * SIGSTORE_PRUNE_MAX; *ret_fd is that directory. */
static int
list_sig_dirs(const char *root, int *ret_fd, char ***ret, size_t *ret_n, struct ward_error **err)
{
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dfd = -1;
	struct ward_digest d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	DIR *dir;

	if (rootfd < 0)
		return ward_error_set(err, errno, "signatures: open store '%s'", root);
	dfd = ward_fs_open_in_root(rootfd, "signatures/sha256", O_RDONLY | O_DIRECTORY, 0, NULL);
	if (dfd < 0) {
		*ret_fd = -1;
		*ret = NULL;
		*ret_n = 0;
		return 0; /* nothing was ever signed here */
	}
	dir = fdopendir(dup(dfd));
	if (!dir)
		return ward_error_set(err, errno, "signatures: list '%s'", root);
	while ((de = readdir(dir)) && n < SIGSTORE_PRUNE_MAX) {
		char name[8 + 64 + 1];
		char **nv;

		if (snprintf(name, sizeof(name), "sha256:%s", de->d_name) >= (int)sizeof(name) ||
		    ward_digest_parse(name, &d, NULL) < 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			closedir(dir);
			v = nv ? nv : v;
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return ward_error_set(err, ENOMEM, "signatures: prune");
		}
		v = nv;
		n++;
	}
	closedir(dir);
	*ret_fd = TAKE_FD(dfd);
	*ret = v;
	*ret_n = n;
	return 0;
}

int
ward_sigstore_prune(const char *root, struct ward_store *s, size_t *ret_removed,
		    struct ward_error **err)
{
	_cleanup_close_ int dfd = -1;
	char **names = NULL;
	bool *keep = NULL;
	size_t n = 0, removed = 0;
	int r;

	if ((r = list_sig_dirs(root, &dfd, &names, &n, err)) < 0)
		return r;
	if (n && !(keep = calloc(n, sizeof(*keep)))) {
		r = ward_error_set(err, ENOMEM, "signatures: prune");
		goto out;
	}
	/* Kept: the manifests the store still holds... */
	for (size_t i = 0; i < n; i++) {
		struct ward_digest d;
		snprintf(d.s, sizeof(d.s), "sha256:%s", names[i]);
		keep[i] = ward_store_has_blob(s, &d);
	}
	/* ...and the indexes those were pulled through (the store may keep the
	 * platform's manifest only). */
	for (size_t i = 0; i < n; i++) {
		struct ward_digest d, index;
		if (!keep[i])
			continue;
		snprintf(d.s, sizeof(d.s), "sha256:%s", names[i]);
		if (ward_sigstore_get_index(root, &d, &index, NULL) < 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if (strcmp(names[j], ward_digest_hex(&index)) == 0)
				keep[j] = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (keep[i])
			continue;
		if ((r = ward_fs_remove_tree(dfd, names[i], err)) < 0) {
			ward_error_wrap(err, "signatures: remove sha256:%s", names[i]);
			goto out;
		}
		removed++;
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(keep);
	if (ret_removed)
		*ret_removed = removed;
	return r;
}

/* ---- lookasides ------------------------------------------------------------ */

struct fetch_buf {
	char *buf;
	size_t len;
	size_t max;
	bool overflow;
};

static size_t
fetch_write(char *p, size_t size, size_t nmemb, void *opaque)
{
	struct fetch_buf *b = opaque;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->overflow = true;
		return 0; /* aborts the transfer */
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

/* GET url into a buffer of at most max bytes: 0, -ENOENT on 404 (err
 * untouched), else an error naming the URL. */
static int
http_get(CURL *c, const char *url, const struct ward_lookaside_opts *o, size_t max, char **ret,
	 size_t *ret_len, struct ward_error **err)
{
	struct fetch_buf b = {.max = max};
	long code = 0;
	CURLcode cc;

	b.buf = malloc(max + 1);
	if (!b.buf)
		return ward_error_set(err, ENOMEM, "lookaside %s", url);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	/* Both timeouts: a server that accepts and then never answers (or
	 * drips a byte a minute) must not hold `ward pull` forever. */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms
							: LOOKASIDE_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 o && o->timeout_ms > 0 ? o->timeout_ms : LOOKASIDE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ward");
	if (o && o->cert_dir) {
		char ca[PATH_MAX];
		if (snprintf(ca, sizeof(ca), "%s/ca.crt", o->cert_dir) < (int)sizeof(ca))
			curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (b.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
		free(b.buf);
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "lookaside %s: more than %zu bytes", url, max);
	}
	if (cc != CURLE_OK) {
		free(b.buf);
		return ward_error_setk(err, WARD_E_SYSTEM,
				       cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO,
				       "lookaside %s: %s", url, curl_easy_strerror(cc));
	}
	if (code == 404) {
		free(b.buf);
		return -ENOENT;
	}
	if (code != 200) {
		free(b.buf);
		return ward_error_setk(err, WARD_E_SYSTEM, EIO, "lookaside %s: HTTP %ld", url,
				       code);
	}
	b.buf[b.len] = '\0';
	*ret = b.buf;
	*ret_len = b.len;
	return 0;
}

static int
file_get(const char *path, size_t max, char **ret, size_t *ret_len, struct ward_error **err)
{
	_cleanup_free_ char *dir = strdup(path), *base = strdup(path);
	_cleanup_close_ int dfd = -1;

	if (!dir || !base)
		return ward_error_set(err, ENOMEM, "lookaside");
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return ward_error_set(err, errno, "lookaside '%s'", path);
	}
	return read_small(dfd, basename(base), max, ret, ret_len, err);
}

static bool
is_file_url(const char *base)
{
	return ward_str_has_prefix(base, "file://");
}

int
ward_lookaside_read(const char *base, const char *docker_reference, const struct ward_digest *d,
		    const struct ward_lookaside_opts *o, struct ward_sign_list *l,
		    struct ward_error **err)
{
	bool file = is_file_url(base);
	CURL *c = NULL;
	int r = 0;

	if (!file && (r = ward_registry_init(err)) < 0)
		return r;
	if (!file && !(c = curl_easy_init()))
		return ward_error_set(err, ENOMEM, "lookaside");
	for (unsigned n = 1; n <= WARD_SIGN_LOOKASIDE_MAX; n++) {
		_cleanup_free_ char *loc = NULL;
		char *buf = NULL;
		size_t len = 0;

		r = file ? ward_lookaside_path(base, docker_reference, d, n, &loc, err)
			 : ward_lookaside_url(base, docker_reference, d, n, &loc, err);
		if (r < 0)
			break;
		if (o && o->log)
			ward_log_write(o->log, WARD_LOG_DEBUG, "lookaside: reading %s", loc);
		r = file ? file_get(loc, WARD_SIGN_GPG_SIG_MAX, &buf, &len, err)
			 : http_get(c, loc, o, WARD_SIGN_GPG_SIG_MAX, &buf, &len, err);
		if (r == -ENOENT) {
			r = 0;
			break;
		}
		if (r < 0)
			break;
		if (len == 0) {
			free(buf);
			r = ward_error_setk(err, WARD_E_INVALID, EINVAL, "lookaside %s: empty",
					    loc);
			break;
		}
		if ((r = list_push(l, WARD_SIGN_KIND_GPG, (unsigned char *)buf, len, NULL, err)) <
		    0)
			break;
	}
	if (c)
		curl_easy_cleanup(c);
	return r;
}

int
ward_lookaside_write(const char *base, const char *docker_reference, const struct ward_digest *d,
		     const void *sig, size_t len, unsigned *ret_index, struct ward_error **err)
{
	int r;

	if (!is_file_url(base))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOTSUP,
				       "lookaside-staging '%s': ward writes only to file:// "
				       "locations",
				       base);
	if (len == 0 || len > WARD_SIGN_GPG_SIG_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "GPG signature of %zu bytes (1..%u)", len,
				       WARD_SIGN_GPG_SIG_MAX);
	for (unsigned n = 1; n <= WARD_SIGN_LOOKASIDE_MAX; n++) {
		_cleanup_free_ char *path = NULL, *dir = NULL, *name = NULL, *have = NULL;
		_cleanup_close_ int dfd = -1;
		size_t have_len = 0;

		if ((r = ward_lookaside_path(base, docker_reference, d, n, &path, err)) < 0)
			return r;
		dir = strdup(path);
		name = strdup(path);
		if (!dir || !name)
			return ward_error_set(err, ENOMEM, "lookaside");
		if ((r = ward_fs_mkdir_p(dirname(dir), 0755, err)) < 0)
			return ward_error_wrap(err, "lookaside-staging");
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			return ward_error_set(err, errno, "lookaside-staging '%s'", dir);
		if (flock(dfd, LOCK_EX) < 0)
			return ward_error_set(err, errno, "lookaside-staging: lock");
		r = read_small(dfd, basename(name), WARD_SIGN_GPG_SIG_MAX, &have, &have_len, err);
		if (r == -ENOENT) {
			r = ward_fs_write_atomic(dfd, basename(name), sig, len, 0644, err);
			if (r < 0)
				return ward_error_wrap(err, "lookaside-staging");
			if (ret_index)
				*ret_index = n;
			return 0;
		}
		if (r < 0)
			return ward_error_wrap(err, "lookaside-staging");
		if (have_len == len && memcmp(have, sig, len) == 0) {
			if (ret_index)
				*ret_index = n;
			return 0;
		}
	}
	return ward_error_setk(err, WARD_E_INVALID, E2BIG,
			       "lookaside-staging: already %u signatures for %s",
			       WARD_SIGN_LOOKASIDE_MAX, d->s);
}
