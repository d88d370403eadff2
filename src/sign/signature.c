/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures over simple-signing payloads: ECDSA P-256 with SHA-256 (DER),
 * Ed25519 (pure) or RSASSA-PKCS1-v1_5 with SHA-256, as `openssl dgst -sha256
 * -sign` and cosign produce them; and verification in the order policy type
 * sigstoreSigned requires.
 */
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>

#include <ward/sign.h>

#include "internal.h"

/* Ed25519 hashes internally (pure EdDSA): no digest is given to OpenSSL. */
static const EVP_MD *
key_md(const struct ward_sign_key *k)
{
	return k->type == WARD_SIGN_KEY_ED25519 ? NULL : EVP_sha256();
}

int
ward_sign_data(const struct ward_sign_key *k, const void *data, size_t len, unsigned char **ret_sig,
	       size_t *ret_sig_len, struct ward_error **err)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char why[256];
	int r = -EIO;

	if (!k->priv)
		return ward_error_set(err, EINVAL, "sign: the %s key has no private part", k->desc);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ward_error_set(err, ENOMEM, "sign");
	if (EVP_DigestSignInit(ctx, NULL, key_md(k), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, data, len) != 1)
		goto fail;
	sig = malloc(sig_len ? sig_len : 1);
	if (!sig) {
		EVP_MD_CTX_free(ctx);
		return ward_error_set(err, ENOMEM, "sign");
	}
	if (EVP_DigestSign(ctx, sig, &sig_len, data, len) != 1)
		goto fail;
	EVP_MD_CTX_free(ctx);
	*ret_sig = sig;
	*ret_sig_len = sig_len;
	return 0;
fail:
	r = ward_error_set(err, EIO, "sign with the %s key: %s", k->desc,
			   sign_ossl_reason(why, sizeof(why)));
	EVP_MD_CTX_free(ctx);
	free(sig);
	return r;
}

int
ward_sign_data_base64(const struct ward_sign_key *k, const void *data, size_t len, char **ret_b64,
		      struct ward_error **err)
{
	_cleanup_free_ unsigned char *sig = NULL;
	size_t sig_len = 0;
	int r;

	r = ward_sign_data(k, data, len, &sig, &sig_len, err);
	if (r < 0)
		return r;
	return ward_base64_encode(sig, sig_len, ret_b64, err);
}

static int
rejected(struct ward_error **err, const struct ward_sign_key *k, const char *why)
{
	ward_error_setk(err, WARD_E_DENIED, 0, "signature does not verify with the %s key%s%s",
			k->desc, *why ? ": " : "", why);
	return -EKEYREJECTED;
}

int
ward_sign_verify_data(const struct ward_sign_key *k, const void *data, size_t len,
		      const unsigned char *sig, size_t sig_len, struct ward_error **err)
{
	EVP_MD_CTX *ctx;
	int ok;

	/* A forged "signature" of megabytes would only cost parser time. */
	if (sig_len == 0 || sig_len > WARD_SIGN_SIG_MAX)
		return rejected(err, k, sig_len ? "signature too long" : "empty signature");
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ward_error_set(err, ENOMEM, "verify");
	/* OpenSSL 3 re-encodes an ECDSA signature and compares it, so only
	 * DER (no BER variants, no trailing bytes) verifies: a signature has
	 * one spelling, as with Go's ecdsa.VerifyASN1. */
	ok = EVP_DigestVerifyInit(ctx, NULL, key_md(k), NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	/* The reason (bad DER, wrong length) says nothing a forger can use
	 * that the refusal itself does not, but it is noise: drop it. */
	ERR_clear_error();
	if (!ok)
		return rejected(err, k, "");
	return 0;
}

int
ward_sign_identity_exact(const char *docker_reference, void *userdata, struct ward_error **err)
{
	const char *want = userdata;

	if (want && !strcmp(docker_reference, want))
		return 0;
	ward_error_setk(err, WARD_E_DENIED, 0,
			"signed identity '%.256s' is not the accepted '%.256s'", docker_reference,
			want ? want : "(none)");
	return -EKEYREJECTED;
}

static int
decode_sig(const char *sig_b64, unsigned char **ret, size_t *ret_len, struct ward_error **err)
{
	/* Base64 of WARD_SIGN_SIG_MAX bytes plus room to notice more. */
	size_t cap = (WARD_SIGN_SIG_MAX + 2) / 3 * 4 + 4;
	size_t n = sig_b64 ? strnlen(sig_b64, cap + 1) : 0;

	if (n > cap)
		return ward_error_set(err, EFBIG, "signature: more than %u bytes",
				      WARD_SIGN_SIG_MAX);
	return ward_base64_decode(sig_b64 ? sig_b64 : "", n, WARD_SIGN_SIG_MAX, "signature", ret,
				  ret_len, err);
}

int
ward_sign_verify(const struct ward_sign_key *key, const char *payload, size_t payload_len,
		 const char *sig_b64, const struct ward_sign_verify_opts *opts,
		 struct ward_sign_payload **ret_payload, struct ward_error **err)
{
	_cleanup_(ward_sign_payload_freep) struct ward_sign_payload *p = NULL;
	_cleanup_free_ unsigned char *sig = NULL;
	size_t sig_len = 0;
	int r;

	if (!opts || !opts->manifest_digest || !opts->accept_identity)
		return ward_error_set(
			err, EINVAL, "verify: a manifest digest and an identity rule are required");
	if (payload_len > WARD_SIGN_PAYLOAD_MAX)
		return ward_error_set(err, EFBIG, "signature payload: %zu bytes, more than %u",
				      payload_len, WARD_SIGN_PAYLOAD_MAX);
	r = decode_sig(sig_b64, &sig, &sig_len, err);
	if (r < 0)
		return r;
	/* The payload is attacker-controlled until its signature verifies:
	 * verify first, parse after. */
	r = ward_sign_verify_data(key, payload, payload_len, sig, sig_len, err);
	if (r < 0)
		return r;
	r = ward_sign_payload_parse(payload, payload_len, opts->type, &p, err);
	if (r < 0)
		return r;
	/* A valid signature of another image (replay) is still not one of
	 * this image. */
	if (strcmp(p->manifest_digest.s, opts->manifest_digest->s)) {
		ward_error_setk(err, WARD_E_DENIED, 0,
				"signature is for manifest %s, not %s: refusing a signature of "
				"another image",
				p->manifest_digest.s, opts->manifest_digest->s);
		return -EKEYREJECTED;
	}
	r = opts->accept_identity(p->docker_reference, opts->identity_userdata, err);
	if (r < 0)
		return r;
	if (ret_payload)
		*ret_payload = TAKE_PTR(p);
	return 0;
}
