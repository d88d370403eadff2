/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers auth.json ({"auths":{"host":{"auth":"base64(user:pass)"}}}),
 * the file podman, skopeo and buildah share. Passwords are wiped when
 * freed; the file is written 0600 atomically so a crash never leaves a
 * half-written or world-readable copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <ward/registry.h>

#include "internal.h"

struct ward_authfile {
	json_t *root; /* whole document, unknown members kept */
};

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct ward_authfile *
ward_authfile_new(void)
{
	struct ward_authfile *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->root = json_object();
	if (!a->root) {
		free(a);
		return NULL;
	}
	return a;
}

void
ward_authfile_free(struct ward_authfile *a)
{
	if (!a)
		return;
	/* jansson frees without wiping; the strings were copied out wiped. */
	json_decref(a->root);
	free(a);
}

int
ward_authfile_load(const char *path, struct ward_authfile **ret, struct ward_error **err)
{
	struct ward_authfile *a;
	char *buf = NULL;
	size_t len = 0;
	json_t *auths;
	int rc;

	a = ward_authfile_new();
	if (!a)
		return ward_error_set(err, ENOMEM, "auth file '%s'", path);
	rc = ward_fs_read_all(AT_FDCWD, path, WARD_AUTHFILE_MAX, &buf, &len, err);
	if (rc == -ENOENT) {
		ward_error_freep(err);
		*ret = a;
		return 0;
	}
	if (rc < 0)
		goto fail;
	json_decref(a->root);
	a->root = NULL;
	rc = ward_json_parse(buf, len, path, &a->root, err);
	explicit_bzero(buf, len);
	free(buf);
	if (rc < 0)
		goto fail;
	if (!json_is_object(a->root)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0, "%s: expected an object, got %s", path,
				     ward_json_type_name(a->root));
		goto fail;
	}
	auths = json_object_get(a->root, "auths");
	if (auths && !json_is_object(auths)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "%s: auths: expected an object, got %s", path,
				     ward_json_type_name(auths));
		goto fail;
	}
	*ret = a;
	return 0;
fail:
	ward_authfile_free(a);
	return rc;
}

/* auth.json keys may be "host", "host/namespace" or a URL
 * ("https://index.docker.io/v1/"). */
static json_t *
find_entry(const struct ward_authfile *a, const char *host)
{
	json_t *auths = json_object_get(a->root, "auths"), *e;

	if (!json_is_object(auths))
		return NULL;
	e = json_object_get(auths, host);
	if (e)
		return e;
	if (!strcmp(host, "docker.io")) {
		e = json_object_get(auths, "https://index.docker.io/v1/");
		if (e)
			return e;
		return json_object_get(auths, "index.docker.io");
	}
	return NULL;
}

int
ward_authfile_get(const struct ward_authfile *a, const char *host, char **ret_user, char **ret_pass,
		  struct ward_error **err)
{
	const char *b64, *colon;
	char *dec = NULL, *user, *pass;
	size_t len;
	json_t *e, *v;
	int rc;

	e = find_entry(a, host);
	if (!e)
		return -ENOENT;
	if (!json_is_object(e))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "auth file: auths.%s: expected an object, got %s", host,
				       ward_json_type_name(e));
	v = json_object_get(e, "auth");
	if (!v)
		return -ENOENT; /* e.g. only "identitytoken": not supported, act anonymous */
	if (!json_is_string(v))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "auth file: auths.%s.auth: expected a string, got %s", host,
				       ward_json_type_name(v));
	b64 = json_string_value(v);
	rc = ward_registry_b64_decode(b64, &dec, &len);
	if (rc < 0)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "auth file: auths.%s.auth: not valid base64", host);
	colon = memchr(dec, ':', len);
	if (!colon || memchr(dec, '\0', len)) {
		explicit_bzero(dec, len);
		free(dec);
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "auth file: auths.%s.auth: expected base64(user:password)",
				       host);
	}
	user = strndup(dec, (size_t)(colon - dec));
	pass = strdup(colon + 1);
	explicit_bzero(dec, len);
	free(dec);
	if (!user || !pass) {
		wipe_free(user);
		wipe_free(pass);
		return ward_error_set(err, ENOMEM, "auth file");
	}
	*ret_user = user;
	*ret_pass = pass;
	return 0;
}

int
ward_authfile_set(struct ward_authfile *a, const char *host, const char *user, const char *pass,
		  struct ward_error **err)
{
	char *plain, *b64;
	json_t *auths, *e;
	size_t n;

	if (!host || !*host || strchr(user, ':'))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "auth file: user name '%s' for '%s' may not contain ':'",
				       user, host ? host : "");
	plain = ward_strdup_printf("%s:%s", user, pass);
	if (!plain)
		return ward_error_set(err, ENOMEM, "auth file");
	n = strlen(plain);
	b64 = ward_registry_b64_encode(plain, n);
	explicit_bzero(plain, n);
	free(plain);
	if (!b64)
		return ward_error_set(err, ENOMEM, "auth file");
	auths = json_object_get(a->root, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		if (!auths || json_object_set_new(a->root, "auths", auths) < 0)
			goto nomem;
	}
	e = json_object();
	if (!e || json_object_set_new(e, "auth", json_string(b64)) < 0 ||
	    json_object_set_new(auths, host, e) < 0)
		goto nomem;
	wipe_free(b64);
	return 0;
nomem:
	wipe_free(b64);
	return ward_error_set(err, ENOMEM, "auth file");
}

int
ward_authfile_remove(struct ward_authfile *a, const char *host, struct ward_error **err)
{
	json_t *auths = json_object_get(a->root, "auths");

	(void)err;
	if (!json_is_object(auths) || json_object_del(auths, host) < 0)
		return -ENOENT;
	return 0;
}

int
ward_authfile_save(const struct ward_authfile *a, const char *path, struct ward_error **err)
{
	_cleanup_free_ char *d1 = strdup(path), *d2 = strdup(path);
	_cleanup_close_ int dfd = -1;
	char *text;
	int rc;

	if (!d1 || !d2)
		return ward_error_set(err, ENOMEM, "save '%s'", path);
	dfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ward_error_set(err, errno, "save '%s'", path);
	text = json_dumps(a->root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text)
		return ward_error_set(err, ENOMEM, "save '%s'", path);
	/* 0600: the file holds passwords (what podman writes). */
	rc = ward_fs_write_atomic(dfd, basename(d2), text, strlen(text), 0600, err);
	wipe_free(text);
	if (rc < 0)
		return ward_error_wrap(err, "save auth file '%s'", path);
	return 0;
}
