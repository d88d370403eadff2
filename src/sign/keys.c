/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing keys: ECDSA P-256 generation, cosign's encrypted key files (scrypt
 * + NaCl secretbox over PKCS#8, the layout of go-securesystemslib's
 * encrypted package that cosign uses), plain PEM private keys, and PEM
 * SubjectPublicKeyInfo public keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>

#include <ward/sign.h>

#include "internal.h"

#define SALT_LEN 32
#define SALT_MIN 8
#define SALT_MAX 64
#define BOX_KEY_LEN crypto_secretbox_KEYBYTES
#define BOX_NONCE_LEN crypto_secretbox_NONCEBYTES
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 4096 /* cosign's goodkey refuses larger ones too */

/* ---- the key object ------------------------------------------------------ */

void
ward_sign_key_free(struct ward_sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

enum ward_sign_key_type
ward_sign_key_type(const struct ward_sign_key *k)
{
	return k->type;
}

bool
ward_sign_key_has_private(const struct ward_sign_key *k)
{
	return k->priv;
}

const char *
ward_sign_key_describe(const struct ward_sign_key *k)
{
	return k->desc;
}

static bool
ec_is_p256(EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   &glen) != 1)
		return false;
	return !strcmp(group, "prime256v1") || !strcmp(group, "P-256");
}

/* Which of ward's key types pkey is, or an error naming what it is. */
static int
classify(EVP_PKEY *pkey, const char *name, enum ward_sign_key_type *ret, char *desc, size_t cap,
	 struct ward_error **err)
{
	int bits = EVP_PKEY_get_bits(pkey);

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		/* Signatures are ECDSA over SHA-256: P-384/P-521 keys would need
		 * their own hashes (cosign uses SHA-384/512 for them). */
		if (!ec_is_p256(pkey))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "%s: EC key on a curve other than P-256 (%d bits); "
					       "ward signs with ECDSA P-256 only",
					       name, bits);
		*ret = WARD_SIGN_KEY_ECDSA_P256;
		snprintf(desc, cap, "ecdsa-p256");
		return 0;
	case EVP_PKEY_ED25519:
		*ret = WARD_SIGN_KEY_ED25519;
		snprintf(desc, cap, "ed25519");
		return 0;
	case EVP_PKEY_RSA:
		if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "%s: RSA key of %d bits; ward accepts %d to %d bits",
					       name, bits, RSA_MIN_BITS, RSA_MAX_BITS);
		*ret = WARD_SIGN_KEY_RSA;
		snprintf(desc, cap, "rsa-%d", bits);
		return 0;
	default:
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s: unsupported key type '%s' (ward accepts ECDSA P-256, "
				       "Ed25519 and RSA)",
				       name, OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
	}
}

/* The public half must be a valid point/modulus (an off-curve point is the
 * invalid-curve attack); a private key must match its public half, so a
 * tampered file cannot sign with one key and advertise another. */
static int
check_key(EVP_PKEY *pkey, bool priv, enum ward_sign_key_type type, const char *name,
	  struct ward_error **err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	char why[256];
	int r;

	if (!ctx)
		return ward_error_set(err, ENOMEM, "%s", name);
	r = EVP_PKEY_public_check(ctx);
	/* Ed25519 public keys are any 32 bytes; OpenSSL has no check for them. */
	if (r == -2 && type == WARD_SIGN_KEY_ED25519)
		r = 1;
	if (r == 1 && priv && type != WARD_SIGN_KEY_ED25519)
		r = EVP_PKEY_pairwise_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	if (r != 1)
		return ward_error_set(err, EINVAL, "%s: the key fails validation (%s)", name,
				      sign_ossl_reason(why, sizeof(why)));
	ERR_clear_error();
	return 0;
}

/* Wrap pkey (taken, also on failure) after checking it is a key ward uses. */
static int
key_new(EVP_PKEY *pkey, bool priv, const char *name, struct ward_sign_key **ret,
	struct ward_error **err)
{
	struct ward_sign_key *k = calloc(1, sizeof(*k));
	int r;

	if (!k) {
		EVP_PKEY_free(pkey);
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	k->pkey = pkey;
	k->priv = priv;
	r = classify(pkey, name, &k->type, k->desc, sizeof(k->desc), err);
	if (r >= 0)
		r = check_key(pkey, priv, k->type, name, err);
	if (r < 0) {
		ward_sign_key_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

int
ward_sign_key_generate(struct ward_sign_key **ret, struct ward_error **err)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	char why[256];

	if (!pkey)
		return ward_error_set(err, EIO, "generate an ECDSA P-256 key: %s",
				      sign_ossl_reason(why, sizeof(why)));
	return key_new(pkey, true, "generated key", ret, err);
}

/* ---- DER ----------------------------------------------------------------- */

/* Every DER decoder below must consume its input exactly: trailing bytes
 * would be data no verifier looks at. */
static int
der_pkcs8(const unsigned char *der, size_t len, const char *name, EVP_PKEY **ret,
	  struct ward_error **err)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *pkey = NULL;
	char why[256];

	if (len > LONG_MAX)
		return ward_error_set(err, EFBIG, "%s: key too large", name);
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 && p == der + len)
		pkey = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (!pkey)
		return ward_error_set(err, EINVAL, "%s: not a valid PKCS#8 private key%s%s", name,
				      *sign_ossl_reason(why, sizeof(why)) ? ": " : "", why);
	*ret = pkey;
	return 0;
}

static int
der_typed(int type, const unsigned char *der, size_t len, const char *name, const char *what,
	  EVP_PKEY **ret, struct ward_error **err)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;
	char why[256];

	if (len > LONG_MAX)
		return ward_error_set(err, EFBIG, "%s: key too large", name);
	pkey = d2i_PrivateKey(type, NULL, &p, (long)len);
	if (pkey && p != der + len) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (!pkey)
		return ward_error_set(err, EINVAL, "%s: not a valid %s private key%s%s", name, what,
				      *sign_ossl_reason(why, sizeof(why)) ? ": " : "", why);
	*ret = pkey;
	return 0;
}

/* ---- cosign's encrypted key file ----------------------------------------- */

/* Bound the work before doing any: a key file is input, and scrypt with a
 * hostile N or r is a memory and CPU exhaustion attack. */
static int
scrypt_check(const struct sign_scrypt_params *s, const char *name, struct ward_error **err)
{
	if (s->n < 2 || (s->n & (s->n - 1)))
		return ward_error_set(err, EINVAL, "%s: scrypt N=%" PRIu64 " is not a power of two",
				      name, s->n);
	if (s->n > WARD_SIGN_SCRYPT_MAX_N)
		return ward_error_set(err, EINVAL,
				      "%s: scrypt N=%" PRIu64
				      " exceeds the limit 2^20 (bounds memory "
				      "and time); re-encrypt the key with cosign's parameters",
				      name, s->n);
	if (s->r < 1 || s->r > WARD_SIGN_SCRYPT_MAX_R || s->p < 1 || s->p > WARD_SIGN_SCRYPT_MAX_P)
		return ward_error_set(
			err, EINVAL,
			"%s: scrypt r=%" PRIu64 " p=%" PRIu64 " outside 1..%u and 1..%u", name,
			s->r, s->p, WARD_SIGN_SCRYPT_MAX_R, WARD_SIGN_SCRYPT_MAX_P);
	if (128 * s->r * s->n > WARD_SIGN_SCRYPT_MAX_MEM)
		return ward_error_set(err, EINVAL,
				      "%s: scrypt N=%" PRIu64 " r=%" PRIu64 " needs %" PRIu64
				      " MiB, more than the limit %llu MiB",
				      name, s->n, s->r, (128 * s->r * s->n) >> 20,
				      WARD_SIGN_SCRYPT_MAX_MEM >> 20);
	return 0;
}

static int
scrypt_derive(const char *password, size_t password_len, const unsigned char *salt, size_t salt_len,
	      const struct sign_scrypt_params *s, unsigned char key[BOX_KEY_LEN],
	      struct ward_error **err)
{
	/* OpenSSL needs 128*r*(N+2) for V plus 128*r*p for B. */
	uint64_t maxmem = 128 * s->r * (s->n + 2) + 128 * s->r * s->p + 4096;
	char why[256];

	if (EVP_PBE_scrypt(password ? password : "", password_len, salt, salt_len, s->n, s->r, s->p,
			   maxmem, key, BOX_KEY_LEN) != 1)
		return ward_error_set(err, ENOMEM, "scrypt: %s",
				      sign_ossl_reason(why, sizeof(why)));
	return 0;
}

/* A base64 member of obj (a string) decoded, between min and max bytes. */
static int
json_b64(json_t *obj, const char *where, const char *key, size_t min, size_t max,
	 unsigned char **ret, size_t *ret_len, struct ward_error **err)
{
	json_t *v = json_object_get(obj, key);
	_cleanup_free_ char *what = ward_strdup_printf("%s%s%s", where, *where ? "." : "", key);
	int r;

	if (!what)
		return ward_error_set(err, ENOMEM, "%s", where);
	if (!json_is_string(v))
		return ward_error_set(err, EINVAL, "%s: expected a base64 string, got %s", what,
				      ward_json_type_name(v));
	r = ward_base64_decode(json_string_value(v), json_string_length(v), max, what, ret, ret_len,
			       err);
	if (r < 0)
		return r;
	if (*ret_len < min) {
		free(*ret);
		*ret = NULL;
		return ward_error_set(err, EINVAL, "%s: %zu bytes, expected at least %zu", what,
				      *ret_len, min);
	}
	return 0;
}

static int
json_name_is(json_t *obj, const char *where, const char *want, struct ward_error **err)
{
	json_t *v = json_object_get(obj, "name");

	if (!json_is_string(v))
		return ward_error_set(err, EINVAL, "%s.name: expected a string, got %s", where,
				      ward_json_type_name(v));
	if (strcmp(json_string_value(v), want))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s.name: '%.64s' is not supported (only '%s')", where,
				       json_string_value(v), want);
	return 0;
}

static int
json_param(json_t *params, const char *where, const char *key, uint64_t *ret,
	   struct ward_error **err)
{
	json_t *v = json_object_get(params, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return ward_error_set(err, EINVAL, "%s.%s: expected a positive integer, got %s",
				      where, key, ward_json_type_name(v));
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

static int
parse_kdf(json_t *kdf, const char *name, struct sign_scrypt_params *s, unsigned char **salt,
	  size_t *salt_len, struct ward_error **err)
{
	static const char *const kdf_keys[] = {"name", "params", "salt", NULL};
	static const char *const param_keys[] = {"N", "r", "p", NULL};
	json_t *params;
	int r;

	if (!json_is_object(kdf))
		return ward_error_set(err, EINVAL, "%s: kdf: expected an object, got %s", name,
				      ward_json_type_name(kdf));
	r = sign_json_exact(kdf, "kdf", kdf_keys, err);
	if (r >= 0)
		r = json_name_is(kdf, "kdf", "scrypt", err);
	params = json_object_get(kdf, "params");
	if (r >= 0 && !json_is_object(params))
		r = ward_error_set(err, EINVAL, "kdf.params: expected an object, got %s",
				   ward_json_type_name(params));
	if (r >= 0)
		r = sign_json_exact(params, "kdf.params", param_keys, err);
	if (r >= 0)
		r = json_param(params, "kdf.params", "N", &s->n, err);
	if (r >= 0)
		r = json_param(params, "kdf.params", "r", &s->r, err);
	if (r >= 0)
		r = json_param(params, "kdf.params", "p", &s->p, err);
	if (r < 0)
		return ward_error_wrap(err, "%s", name);
	r = scrypt_check(s, name, err);
	if (r < 0)
		return r;
	r = json_b64(kdf, "kdf", "salt", SALT_MIN, SALT_MAX, salt, salt_len, err);
	return r < 0 ? ward_error_wrap(err, "%s", name) : 0;
}

static int
parse_cipher(json_t *cipher, const char *name, unsigned char **nonce, size_t *nonce_len,
	     struct ward_error **err)
{
	static const char *const keys[] = {"name", "nonce", NULL};
	int r;

	if (!json_is_object(cipher))
		return ward_error_set(err, EINVAL, "%s: cipher: expected an object, got %s", name,
				      ward_json_type_name(cipher));
	r = sign_json_exact(cipher, "cipher", keys, err);
	if (r >= 0)
		r = json_name_is(cipher, "cipher", "nacl/secretbox", err);
	if (r >= 0)
		r = json_b64(cipher, "cipher", "nonce", BOX_NONCE_LEN, BOX_NONCE_LEN, nonce,
			     nonce_len, err);
	return r < 0 ? ward_error_wrap(err, "%s", name) : 0;
}

void
sign_cosign_box_free(struct sign_cosign_box *b)
{
	free(b->salt);
	free(b->nonce);
	free(b->box);
	*b = (struct sign_cosign_box){0};
}

int
sign_cosign_parse(const unsigned char *doc, size_t doc_len, const char *name,
		  struct sign_cosign_box *ret, struct ward_error **err)
{
	static const char *const top_keys[] = {"kdf", "cipher", "ciphertext", NULL};
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_(sign_cosign_box_free) struct sign_cosign_box b = {0};
	int r;

	r = ward_json_parse((const char *)doc, doc_len, "encrypted key JSON", &j, err);
	if (r < 0)
		return ward_error_wrap(err, "%s", name);
	if (!json_is_object(j))
		return ward_error_set(err, EINVAL, "%s: expected a JSON object", name);
	r = sign_json_exact(j, name, top_keys, err);
	if (r >= 0)
		r = parse_kdf(json_object_get(j, "kdf"), name, &b.scrypt, &b.salt, &b.salt_len,
			      err);
	if (r >= 0)
		r = parse_cipher(json_object_get(j, "cipher"), name, &b.nonce, &b.nonce_len, err);
	if (r >= 0) {
		r = json_b64(j, "", "ciphertext", crypto_secretbox_MACBYTES + 1, WARD_SIGN_PEM_MAX,
			     &b.box, &b.box_len, err);
		if (r < 0)
			ward_error_wrap(err, "%s", name);
	}
	if (r < 0)
		return r;
	*ret = b;
	b = (struct sign_cosign_box){0};
	return 0;
}

/* The JSON inside the PEM block to the PKCS#8 DER it seals. */
static int
cosign_open(const unsigned char *doc, size_t doc_len, const char *name, const char *password,
	    size_t password_len, struct sign_secret *ret, struct ward_error **err)
{
	_cleanup_(sign_cosign_box_free) struct sign_cosign_box b = {0};
	unsigned char key[BOX_KEY_LEN];
	struct sign_secret plain = {0};
	int r;

	r = sign_cosign_parse(doc, doc_len, name, &b, err);
	if (r < 0)
		return r;
	if (sodium_init() < 0)
		return ward_error_set(err, EIO, "%s: libsodium failed to initialise", name);
	r = scrypt_derive(password, password_len, b.salt, b.salt_len, &b.scrypt, key, err);
	if (r < 0)
		return ward_error_wrap(err, "%s", name);
	plain.len = b.box_len - crypto_secretbox_MACBYTES;
	plain.p = malloc(plain.len);
	if (!plain.p) {
		sodium_memzero(key, sizeof(key));
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	r = crypto_secretbox_open_easy(plain.p, b.box, b.box_len, b.nonce, key);
	sodium_memzero(key, sizeof(key));
	if (r != 0) {
		sign_secret_wipe(&plain);
		ward_error_setk(err, WARD_E_DENIED, 0,
				"%s: wrong password (or the key file was altered): decryption "
				"failed",
				name);
		return -EKEYREJECTED;
	}
	*ret = plain;
	return 0;
}

static int
read_cosign(const unsigned char *doc, size_t doc_len, const char *name, const char *password,
	    size_t password_len, struct ward_sign_key **ret, struct ward_error **err)
{
	_cleanup_(sign_secret_wipe) struct sign_secret plain = {0};
	EVP_PKEY *pkey = NULL;
	int r;

	r = cosign_open(doc, doc_len, name, password, password_len, &plain, err);
	if (r < 0)
		return r;
	/* cosign only ever seals PKCS#8; a SEC1 key inside is refused by cosign
	 * too, so accepting it would make files only ward can read. */
	r = der_pkcs8(plain.p, plain.len, "decrypted key", &pkey, err);
	if (r < 0)
		return ward_error_wrap(err, "%s", name);
	return key_new(pkey, true, name, ret, err);
}

bool
ward_sign_key_is_encrypted(const char *buf, size_t len)
{
	/* The block may be a plain private key: wipe what was decoded. */
	_cleanup_(sign_secret_wipe) struct sign_secret der = {0};
	char type[SIGN_PEM_TYPE_MAX];
	size_t pos = 0;

	if (sign_pem_next(buf, len, &pos, "key", type, &der.p, &der.len, NULL) < 0)
		return false;
	return !strcmp(type, WARD_SIGN_PEM_COSIGN) || !strcmp(type, WARD_SIGN_PEM_SIGSTORE);
}

static int
read_plain(const char *type, const unsigned char *der, size_t der_len, const char *name,
	   EVP_PKEY **ret, struct ward_error **err)
{
	if (!strcmp(type, "PRIVATE KEY"))
		return der_pkcs8(der, der_len, name, ret, err);
	if (!strcmp(type, "EC PRIVATE KEY"))
		return der_typed(EVP_PKEY_EC, der, der_len, name, "SEC1 EC", ret, err);
	if (!strcmp(type, "RSA PRIVATE KEY"))
		return der_typed(EVP_PKEY_RSA, der, der_len, name, "PKCS#1 RSA", ret, err);
	if (!strcmp(type, "ENCRYPTED PRIVATE KEY"))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "%s: PKCS#8-encrypted keys are not supported; decrypt with "
				       "'openssl pkey' or import it as a cosign key",
				       name);
	if (!strcmp(type, "PUBLIC KEY"))
		return ward_error_set(err, EINVAL, "%s: is a public key; a private key is needed",
				      name);
	return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
			       "%s: PEM type '%s' is not a supported private key (PRIVATE KEY, EC "
			       "PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED COSIGN PRIVATE KEY)",
			       name, type);
}

int
ward_sign_key_read_private(const char *buf, size_t len, const char *name, const char *password,
			   size_t password_len, struct ward_sign_key **ret, struct ward_error **err)
{
	_cleanup_(sign_secret_wipe) struct sign_secret der = {0};
	char type[SIGN_PEM_TYPE_MAX];
	EVP_PKEY *pkey = NULL;
	size_t pos = 0;
	int r;

	r = sign_pem_next(buf, len, &pos, name, type, &der.p, &der.len, err);
	/* `openssl ecparam -genkey` writes the curve first; it says nothing
	 * the key itself does not. */
	if (r >= 0 && !strcmp(type, "EC PARAMETERS")) {
		sign_secret_wipe(&der);
		r = sign_pem_next(buf, len, &pos, name, type, &der.p, &der.len, err);
	}
	if (r < 0)
		return r;
	if (!sign_pem_rest_blank(buf, len, pos))
		return ward_error_set(
			err, EINVAL, "%s: data after the key's PEM block; a key file holds one key",
			name);
	if (!strcmp(type, WARD_SIGN_PEM_COSIGN) || !strcmp(type, WARD_SIGN_PEM_SIGSTORE))
		return read_cosign(der.p, der.len, name, password, password_len, ret, err);
	r = read_plain(type, der.p, der.len, name, &pkey, err);
	if (r < 0)
		return r;
	return key_new(pkey, true, name, ret, err);
}

static int
random_bytes(unsigned char *buf, size_t len, struct ward_error **err)
{
	char why[256];

	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		return ward_error_set(err, EIO, "random bytes: %s",
				      sign_ossl_reason(why, sizeof(why)));
	return 0;
}

static int
pkcs8_der(const struct ward_sign_key *k, struct sign_secret *ret, struct ward_error **err)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k->pkey);
	unsigned char *der = NULL;
	char why[256];
	int n = -1;

	if (p8)
		n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (n <= 0)
		return ward_error_set(err, EIO, "encode the private key as PKCS#8: %s",
				      sign_ossl_reason(why, sizeof(why)));
	/* Copy into our buffer so one wipe-and-free path handles it. */
	ret->p = malloc((size_t)n);
	if (ret->p) {
		memcpy(ret->p, der, (size_t)n);
		ret->len = (size_t)n;
	}
	OPENSSL_clear_free(der, (size_t)n);
	return ret->p ? 0 : ward_error_set(err, ENOMEM, "PKCS#8");
}

static int
json_set_b64(json_t *obj, const char *key, const unsigned char *buf, size_t len,
	     struct ward_error **err)
{
	_cleanup_free_ char *b64 = NULL;
	int r = ward_base64_encode(buf, len, &b64, err);

	if (r < 0)
		return r;
	if (json_object_set_new(obj, key, json_string(b64)) < 0)
		return ward_error_set(err, ENOMEM, "key file JSON");
	return 0;
}

/* {"kdf":{"name":"scrypt","params":{"N":..,"r":..,"p":..},"salt":..},
 *  "cipher":{"name":"nacl/secretbox","nonce":..},"ciphertext":..}, in the
 * member order Go's encoding/json writes the struct. */
static int
cosign_json(const unsigned char *salt, const unsigned char *nonce, const unsigned char *box,
	    size_t box_len, char **ret, struct ward_error **err)
{
	_cleanup_(json_decrefp) json_t *j = json_object();
	json_t *kdf = json_object(), *cipher = json_object(), *params = json_object();
	int r = 0;

	if (!j || json_object_set_new(j, "kdf", kdf) < 0 ||
	    json_object_set_new(j, "cipher", cipher) < 0 ||
	    json_object_set_new(kdf, "name", json_string("scrypt")) < 0 ||
	    json_object_set_new(kdf, "params", params) < 0 ||
	    json_object_set_new(params, "N", json_integer(WARD_SIGN_SCRYPT_N)) < 0 ||
	    json_object_set_new(params, "r", json_integer(WARD_SIGN_SCRYPT_R)) < 0 ||
	    json_object_set_new(params, "p", json_integer(WARD_SIGN_SCRYPT_P)) < 0 ||
	    json_object_set_new(cipher, "name", json_string("nacl/secretbox")) < 0)
		return ward_error_set(err, ENOMEM, "key file JSON");
	r = json_set_b64(kdf, "salt", salt, SALT_LEN, err);
	if (r >= 0)
		r = json_set_b64(cipher, "nonce", nonce, BOX_NONCE_LEN, err);
	if (r >= 0)
		r = json_set_b64(j, "ciphertext", box, box_len, err);
	if (r < 0)
		return r;
	*ret = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "key file JSON");
}

int
ward_sign_key_write_cosign(const struct ward_sign_key *k, const char *password, size_t password_len,
			   char **ret, size_t *ret_len, struct ward_error **err)
{
	static const struct sign_scrypt_params s = {WARD_SIGN_SCRYPT_N, WARD_SIGN_SCRYPT_R,
						    WARD_SIGN_SCRYPT_P};
	_cleanup_(sign_secret_wipe) struct sign_secret der = {0};
	_cleanup_free_ unsigned char *box = NULL;
	_cleanup_free_ char *doc = NULL;
	unsigned char salt[SALT_LEN], nonce[BOX_NONCE_LEN], key[BOX_KEY_LEN];
	int r;

	if (!k->priv)
		return ward_error_set(err, EINVAL, "write cosign key: no private key");
	if (sodium_init() < 0)
		return ward_error_set(err, EIO, "write cosign key: libsodium failed to initialise");
	r = pkcs8_der(k, &der, err);
	if (r >= 0)
		r = random_bytes(salt, sizeof(salt), err);
	if (r >= 0)
		r = random_bytes(nonce, sizeof(nonce), err);
	if (r >= 0)
		r = scrypt_derive(password, password_len, salt, sizeof(salt), &s, key, err);
	if (r < 0)
		return ward_error_wrap(err, "write cosign key");
	box = malloc(der.len + crypto_secretbox_MACBYTES);
	if (!box) {
		sodium_memzero(key, sizeof(key));
		return ward_error_set(err, ENOMEM, "write cosign key");
	}
	r = crypto_secretbox_easy(box, der.p, der.len, nonce, key);
	sodium_memzero(key, sizeof(key));
	if (r != 0)
		return ward_error_set(err, EIO, "write cosign key: secretbox failed");
	r = cosign_json(salt, nonce, box, der.len + crypto_secretbox_MACBYTES, &doc, err);
	if (r < 0)
		return ward_error_wrap(err, "write cosign key");
	return sign_pem_encode(WARD_SIGN_PEM_COSIGN, (const unsigned char *)doc, strlen(doc), ret,
			       ret_len, err);
}

/* ---- public keys --------------------------------------------------------- */

static int
spki_der(const struct ward_sign_key *k, unsigned char **ret, size_t *ret_len,
	 struct ward_error **err)
{
	unsigned char *der = NULL;
	char why[256];
	int n = i2d_PUBKEY(k->pkey, &der);

	if (n <= 0)
		return ward_error_set(err, EIO, "encode the public key: %s",
				      sign_ossl_reason(why, sizeof(why)));
	*ret = der;
	*ret_len = (size_t)n;
	return 0;
}

int
ward_sign_key_write_public(const struct ward_sign_key *k, char **ret, size_t *ret_len,
			   struct ward_error **err)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	r = spki_der(k, &der, &len, err);
	if (r < 0)
		return r;
	r = sign_pem_encode("PUBLIC KEY", der, len, ret, ret_len, err);
	OPENSSL_free(der);
	return r;
}

int
ward_sign_key_fingerprint(const struct ward_sign_key *k, struct ward_digest *ret,
			  struct ward_error **err)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	r = spki_der(k, &der, &len, err);
	if (r < 0)
		return r;
	ward_digest_of(der, len, ret);
	OPENSSL_free(der);
	return 0;
}

int
ward_sign_key_read_public(const char *buf, size_t len, const char *name, struct ward_sign_key **ret,
			  struct ward_error **err)
{
	_cleanup_free_ unsigned char *der = NULL;
	char type[SIGN_PEM_TYPE_MAX], why[256];
	const unsigned char *p;
	EVP_PKEY *pkey;
	size_t pos = 0, der_len = 0;
	int r;

	r = sign_pem_next(buf, len, &pos, name, type, &der, &der_len, err);
	if (r < 0)
		return r;
	if (strcmp(type, "PUBLIC KEY"))
		return ward_error_set(err, EINVAL,
				      "%s: PEM type '%s' where a 'PUBLIC KEY' was expected%s", name,
				      type,
				      strstr(type, "PRIVATE") ? " (this is a private key: give the "
								"public one)"
							      : "");
	if (!sign_pem_rest_blank(buf, len, pos))
		return ward_error_set(err, EINVAL, "%s: data after the public key's PEM block",
				      name);
	p = der;
	pkey = der_len <= LONG_MAX ? d2i_PUBKEY(NULL, &p, (long)der_len) : NULL;
	if (pkey && p != der + der_len) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (!pkey)
		return ward_error_set(err, EINVAL, "%s: not a valid SubjectPublicKeyInfo%s%s", name,
				      *sign_ossl_reason(why, sizeof(why)) ? ": " : "", why);
	return key_new(pkey, false, name, ret, err);
}
