/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GPG simple signing (policy type signedBy) through GPGME: a private,
 * throw-away GnuPG home per keyring holding only the keys the caller added,
 * verification of OpenPGP signed messages against it, and signing with a
 * secret key of a given home, as skopeo/podman `--sign-by` do.
 *
 * The acceptance rule is the one containers/image's GPGME mechanism uses:
 * exactly one signature, a status of "no error" (which excludes bad, expired
 * and revoked signatures and keys, and keys not in the keyring), a validity
 * other than "never", no chain model and no wrong key usage. Trust in the key
 * comes from it being in this keyring (which the policy filled), not from
 * GnuPG's web of trust.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ward/sign.h>

#include "internal.h"

#define GPG_HOME_TEMPLATE "ward-gpg-XXXXXX"
/* GnuPG puts its sockets in the home when /run/user/UID is absent; a unix
 * socket path is at most 107 bytes, so a long TMPDIR is not used. */
#define GPG_HOME_PATH_MAX 80
#define GPG_FPR_MAX 128 /* v4: 40 hex, v5: 64 hex */

extern char **environ;

struct ward_gpg_keyring {
	char home[GPG_HOME_PATH_MAX];
	gpgme_ctx_t ctx;
	size_t n_keys; /* keys imported or already present */
};

static pthread_once_t gpgme_once = PTHREAD_ONCE_INIT;
static const char *gpgme_version; /* NULL: GPGME or the gpg engine is unusable */

static void
gpgme_setup(void)
{
	const char *v = gpgme_check_version(NULL);

	if (v && gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR)
		gpgme_version = v;
}

static int
gpg_fail(struct ward_error **err, enum ward_error_kind kind, gpgme_error_t ge, const char *what)
{
	return ward_error_setk(err, kind, 0, "%s: %s", what, gpgme_strerror(ge));
}

/* A context bound to one GnuPG home (NULL: the user's), OpenPGP, binary. */
static int
new_ctx(const char *home, gpgme_ctx_t *ret, struct ward_error **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t ge;

	(void)pthread_once(&gpgme_once, gpgme_setup);
	if (!gpgme_version)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOSYS,
				       "gpg: GPGME cannot find a usable gpg (install gnupg)");
	ge = gpgme_new(&ctx);
	if (ge)
		return gpg_fail(err, WARD_E_SYSTEM, ge, "gpg: new context");
	ge = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
	/* Per context, so the process environment ($GNUPGHOME) and the user's
	 * keyring are never consulted for verification. */
	if (!ge && home)
		ge = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (ge) {
		gpgme_release(ctx);
		return gpg_fail(err, WARD_E_SYSTEM, ge, "gpg: set up context");
	}
	gpgme_set_armor(ctx, 0);
	gpgme_set_offline(ctx, 1); /* never fetch keys (auto-key-retrieve) */
	*ret = ctx;
	return 0;
}

int
ward_gpg_keyring_new(struct ward_gpg_keyring **ret, struct ward_error **err)
{
	_cleanup_free_ struct ward_gpg_keyring *kr = NULL;
	const char *tmp = secure_getenv("TMPDIR");
	int n, r;

	if (!tmp || !*tmp || tmp[0] != '/' || strlen(tmp) > GPG_HOME_PATH_MAX - 20)
		tmp = "/tmp";
	kr = calloc(1, sizeof(*kr));
	if (!kr)
		return ward_error_set(err, ENOMEM, "gpg keyring");
	n = snprintf(kr->home, sizeof(kr->home), "%s/" GPG_HOME_TEMPLATE, tmp);
	if (n < 0 || (size_t)n >= sizeof(kr->home))
		return ward_error_set(err, ENAMETOOLONG, "gpg keyring: '%s'", tmp);
	/* mkdtemp makes it 0700: GnuPG refuses a home others can write, and
	 * nobody else may plant keys in it between creation and use. */
	if (!mkdtemp(kr->home))
		return ward_error_set(err, errno, "gpg keyring: mkdtemp in %s", tmp);
	r = new_ctx(kr->home, &kr->ctx, err);
	if (r < 0) {
		(void)rmdir(kr->home);
		return r;
	}
	*ret = TAKE_PTR(kr);
	return 0;
}

static bool
home_has_sockets(const char *home)
{
	DIR *d = opendir(home);
	struct dirent *e;
	bool any = false;

	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = ward_str_has_prefix(e->d_name, "S.");
	closedir(d);
	return any;
}

/* Stop the gpg-agent/dirmngr a home's operations started, so none is left
 * running once the home is gone. */
static void
kill_daemons(const char *home)
{
	char *argv[] = {"gpgconf", "--homedir", (char *)home, "--kill", "all", NULL};
	pid_t pid;
	int st;

	if (!home_has_sockets(home))
		return;
	if (posix_spawnp(&pid, "gpgconf", NULL, NULL, argv, environ) != 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

void
ward_gpg_keyring_free(struct ward_gpg_keyring *kr)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int dfd = -1;
	const char *slash;

	if (!kr)
		return;
	if (kr->ctx)
		gpgme_release(kr->ctx);
	kill_daemons(kr->home);
	slash = strrchr(kr->home, '/');
	parent = strndup(kr->home, slash && slash != kr->home ? (size_t)(slash - kr->home) : 1);
	if (parent && (dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		(void)ward_fs_remove_tree(dfd, slash + 1, NULL);
	free(kr);
}

int
ward_gpg_keyring_add(struct ward_gpg_keyring *kr, const void *data, size_t len, const char *name,
		     struct ward_error **err)
{
	gpgme_data_t in = NULL;
	gpgme_import_result_t res;
	gpgme_import_status_t st;
	gpgme_error_t ge;
	size_t n = 0;

	if (len > WARD_SIGN_GPG_KEYS_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "%s: %zu bytes of keys, more than the %u allowed", name, len,
				       WARD_SIGN_GPG_KEYS_MAX);
	if (len == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: no GPG keys (empty)",
				       name);
	ge = gpgme_data_new_from_mem(&in, data, len, 0);
	if (ge)
		return gpg_fail(err, WARD_E_SYSTEM, ge, name);
	ge = gpgme_op_import(kr->ctx, in);
	gpgme_data_release(in);
	if (ge)
		return gpg_fail(err, WARD_E_INVALID, ge, name);
	res = gpgme_op_import_result(kr->ctx);
	for (st = res ? res->imports : NULL; st; st = st->next)
		if (st->result == GPG_ERR_NO_ERROR && st->fpr)
			n++;
	if (!res || n == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: no GPG public key in it (%d considered)", name,
				       res ? res->considered : 0);
	if (res->secret_imported > 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: holds a secret key; give the public key only", name);
	kr->n_keys += n;
	return 0;
}

/* Signed content is collected here, and refused past WARD_SIGN_PAYLOAD_MAX:
 * a compressed OpenPGP message of a few KiB can inflate to gigabytes. */
struct bounded_sink {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static ssize_t
sink_write(void *handle, const void *buf, size_t size)
{
	struct bounded_sink *s = handle;

	if (size > WARD_SIGN_PAYLOAD_MAX - s->len) {
		s->overflow = true;
		errno = EFBIG;
		return -1;
	}
	memcpy(s->buf + s->len, buf, size);
	s->len += size;
	return (ssize_t)size;
}

static const char *
sig_problem(gpgme_signature_t sig)
{
	switch (gpgme_err_code(sig->status)) {
	case GPG_ERR_NO_ERROR:
		break;
	case GPG_ERR_NO_PUBKEY:
		return "signed by a key that is not trusted here";
	case GPG_ERR_BAD_SIGNATURE:
		return "bad signature (the content or the signature was altered)";
	case GPG_ERR_SIG_EXPIRED:
		return "the signature has expired";
	case GPG_ERR_KEY_EXPIRED:
		return "the signing key has expired";
	case GPG_ERR_CERT_REVOKED:
		return "the signing key is revoked";
	default:
		return gpgme_strerror(sig->status);
	}
	if (sig->validity == GPGME_VALIDITY_NEVER)
		return "the signing key's validity is 'never'";
	if (sig->chain_model)
		return "chain-model signature";
	if (sig->wrong_key_usage)
		return "the key is not allowed to sign";
	if (!sig->fpr || !*sig->fpr)
		return "no fingerprint";
	return NULL;
}

static int
denied(struct ward_error **err, const char *why)
{
	ward_error_setk(err, WARD_E_DENIED, 0, "GPG signature does not verify: %s", why);
	return -EKEYREJECTED;
}

int
ward_gpg_verify(struct ward_gpg_keyring *kr, const void *sig, size_t sig_len, char **ret_payload,
		size_t *ret_payload_len, char **ret_fingerprint, struct ward_error **err)
{
	struct bounded_sink sink = {0};
	struct gpgme_data_cbs cbs = {.write = sink_write};
	gpgme_data_t in = NULL, out = NULL;
	gpgme_verify_result_t res;
	gpgme_signature_t s;
	gpgme_key_t key = NULL;
	_cleanup_free_ char *fpr = NULL;
	const char *why;
	gpgme_error_t ge;
	size_t n = 0;
	int r;

	if (sig_len > WARD_SIGN_GPG_SIG_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "GPG signature: %zu bytes, more than the %u allowed",
				       sig_len, WARD_SIGN_GPG_SIG_MAX);
	if (sig_len == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "GPG signature: empty");
	if (kr->n_keys == 0)
		return denied(err, "no keys to verify with");
	sink.buf = malloc(WARD_SIGN_PAYLOAD_MAX + 1);
	if (!sink.buf)
		return ward_error_set(err, ENOMEM, "GPG signature");
	ge = gpgme_data_new_from_mem(&in, sig, sig_len, 0);
	if (!ge)
		ge = gpgme_data_new_from_cbs(&out, &cbs, &sink);
	if (ge) {
		r = gpg_fail(err, WARD_E_SYSTEM, ge, "GPG signature");
		goto out;
	}
	ge = gpgme_op_verify(kr->ctx, in, NULL, out);
	if (sink.overflow) {
		r = ward_error_setk(err, WARD_E_INVALID, EFBIG,
				    "GPG signature: signed content over %u bytes",
				    WARD_SIGN_PAYLOAD_MAX);
		goto out;
	}
	if (ge) {
		r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
				    "GPG signature: not an OpenPGP signed message: %s",
				    gpgme_strerror(ge));
		goto out;
	}
	res = gpgme_op_verify_result(kr->ctx);
	for (s = res ? res->signatures : NULL; s; s = s->next)
		n++;
	/* One signature only, as containers/image requires: with several, which
	 * key "signed" the content would be ambiguous. */
	if (n != 1) {
		r = n == 0 ? denied(err, "no signature in the message")
			   : denied(err, "more than one signature in the message");
		goto out;
	}
	s = res->signatures;
	if ((why = sig_problem(s))) {
		r = denied(err, why);
		goto out;
	}
	/* The key must be in this keyring (the status above implies it; asking
	 * again also maps a subkey's fingerprint to its primary key's). */
	ge = gpgme_get_key(kr->ctx, s->fpr, &key, 0);
	if (ge || !key || !key->subkeys || !key->subkeys->fpr) {
		r = denied(err, "signed by a key that is not trusted here");
		goto out;
	}
	if (strlen(key->subkeys->fpr) > GPG_FPR_MAX || !(fpr = strdup(key->subkeys->fpr))) {
		r = ward_error_set(err, ENOMEM, "GPG signature");
		goto out;
	}
	for (char *p = fpr; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (memchr(sink.buf, '\0', sink.len)) {
		r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
				    "GPG signature: signed content holds a NUL byte");
		goto out;
	}
	sink.buf[sink.len] = '\0';
	*ret_payload = TAKE_PTR(sink.buf);
	*ret_payload_len = sink.len;
	*ret_fingerprint = TAKE_PTR(fpr);
	r = 0;
out:
	if (key)
		gpgme_key_unref(key);
	gpgme_data_release(in);
	gpgme_data_release(out);
	free(sink.buf);
	return r;
}

/* The one secret key key_id names (fingerprint, key id, e-mail, user id). */
static int
find_secret_key(gpgme_ctx_t ctx, const char *key_id, gpgme_key_t *ret, struct ward_error **err)
{
	gpgme_key_t key = NULL, other = NULL;
	gpgme_error_t ge;

	ge = gpgme_op_keylist_start(ctx, key_id, 1);
	if (!ge)
		ge = gpgme_op_keylist_next(ctx, &key);
	if (ge) {
		(void)gpgme_op_keylist_end(ctx);
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "gpg: no secret key '%s': %s",
				       key_id, gpgme_strerror(ge));
	}
	if (gpgme_op_keylist_next(ctx, &other) == GPG_ERR_NO_ERROR) {
		gpgme_key_unref(other);
		gpgme_key_unref(key);
		(void)gpgme_op_keylist_end(ctx);
		return ward_error_setk(
			err, WARD_E_INVALID, EINVAL,
			"gpg: '%s' names more than one secret key; give a fingerprint", key_id);
	}
	(void)gpgme_op_keylist_end(ctx);
	if (!key->can_sign || key->revoked || key->expired || key->disabled) {
		gpgme_key_unref(key);
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "gpg: key '%s' cannot sign (revoked, expired or disabled)",
				       key_id);
	}
	*ret = key;
	return 0;
}

int
ward_gpg_sign(const char *gnupg_home, const char *key_id, const void *payload, size_t len,
	      unsigned char **ret_sig, size_t *ret_sig_len, struct ward_error **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_sign_result_t res;
	gpgme_error_t ge;
	unsigned char *sig = NULL;
	char *mem = NULL;
	size_t mem_len = 0;
	int r;

	if (len > WARD_SIGN_PAYLOAD_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "gpg sign: payload over %u bytes", WARD_SIGN_PAYLOAD_MAX);
	if ((r = new_ctx(gnupg_home, &ctx, err)) < 0)
		return r;
	if ((r = find_secret_key(ctx, key_id, &key, err)) < 0)
		goto out;
	ge = gpgme_signers_add(ctx, key);
	if (!ge)
		ge = gpgme_data_new_from_mem(&in, payload, len, 0);
	if (!ge)
		ge = gpgme_data_new(&out);
	if (!ge)
		ge = gpgme_op_sign(ctx, in, out, GPGME_SIG_MODE_NORMAL);
	if (ge) {
		r = ward_error_setk(err, WARD_E_SYSTEM, 0, "gpg sign with '%s': %s", key_id,
				    gpgme_strerror(ge));
		goto out;
	}
	res = gpgme_op_sign_result(ctx);
	if (!res || res->invalid_signers || !res->signatures || res->signatures->next) {
		r = ward_error_setk(err, WARD_E_SYSTEM, 0, "gpg sign with '%s': no signature made",
				    key_id);
		goto out;
	}
	mem = gpgme_data_release_and_get_mem(out, &mem_len);
	out = NULL;
	if (!mem || mem_len == 0 || mem_len > WARD_SIGN_GPG_SIG_MAX || !(sig = malloc(mem_len))) {
		r = ward_error_set(err, mem ? ENOMEM : EIO, "gpg sign with '%s'", key_id);
		goto out;
	}
	memcpy(sig, mem, mem_len);
	*ret_sig = sig;
	*ret_sig_len = mem_len;
	r = 0;
out:
	if (mem)
		gpgme_free(mem);
	gpgme_data_release(in);
	gpgme_data_release(out);
	if (key)
		gpgme_key_unref(key);
	gpgme_release(ctx);
	return r;
}
