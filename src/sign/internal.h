/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/sign: PEM framing, strict JSON shapes, secret buffers. */
#ifndef WARD_SIGN_INTERNAL_H
#define WARD_SIGN_INTERNAL_H

#include <openssl/evp.h>

#include <ward/sign.h>

#define SIGN_PEM_TYPE_MAX 64

struct ward_sign_key {
	EVP_PKEY *pkey;
	bool priv;
	enum ward_sign_key_type type;
	char desc[32];
};

/* A heap buffer that held a secret: wiped, then freed. */
struct sign_secret {
	unsigned char *p;
	size_t len;
};
void sign_secret_wipe(struct sign_secret *s);

/*
 * The next PEM block of (buf, len) from *pos: "-----BEGIN T-----", base64
 * lines, "-----END T-----". Only blank lines may precede it; PEM headers
 * (legacy "Proc-Type: 4,ENCRYPTED") are refused. *ret_der is strictly
 * decoded and the caller's to free (wipe it when it may be a secret);
 * *pos moves past the END line. `name` prefixes errors.
 */
int sign_pem_next(const char *buf, size_t len, size_t *pos, const char *name,
		  char ret_type[SIGN_PEM_TYPE_MAX], unsigned char **ret_der, size_t *ret_len,
		  struct ward_error **err);
/* true when only whitespace follows *pos. */
bool sign_pem_rest_blank(const char *buf, size_t len, size_t pos);
/* PEM-encode der under `type`, 64-column lines (Go encoding/pem, OpenSSL). */
int sign_pem_encode(const char *type, const unsigned char *der, size_t der_len, char **ret,
		    size_t *ret_len, struct ward_error **err);

/* obj must hold exactly the members in keys (NULL-terminated): a missing or
 * an unknown member is an error naming it under `where`. */
int sign_json_exact(json_t *obj, const char *where, const char *const *keys,
		    struct ward_error **err);

/* The parsed JSON of a cosign key file: bounded scrypt parameters and the
 * decoded salt, nonce and sealed box. Nothing is derived or opened yet. */
struct sign_scrypt_params {
	uint64_t n, r, p;
};
struct sign_cosign_box {
	struct sign_scrypt_params scrypt;
	unsigned char *salt, *nonce, *box;
	size_t salt_len, nonce_len, box_len;
};
int sign_cosign_parse(const unsigned char *doc, size_t doc_len, const char *name,
		      struct sign_cosign_box *ret, struct ward_error **err);
void sign_cosign_box_free(struct sign_cosign_box *b);

/* OpenSSL's reason for the last failure ("" when none); clears the queue. */
const char *sign_ossl_reason(char *buf, size_t cap);

#endif
