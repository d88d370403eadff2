/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign keys: cosign encrypted key files (real cosign vectors, round trip, the
 * exact JSON layout, wrong passwords, hostile scrypt parameters), plain PEM
 * private keys, public keys, strict base64 and PEM framing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/sign.h>

#include "sign_vectors.h"

static char *
pem_wrap(const char *type, const char *data, size_t len)
{
	char *b64 = NULL, *out;
	size_t blen, o = 0;

	assert_int_equal(ward_base64_encode(data, len, &b64, NULL), 0);
	blen = strlen(b64);
	out = malloc(blen + blen / 64 + 2 * strlen(type) + 64);
	assert_non_null(out);
	o += (size_t)sprintf(out, "-----BEGIN %s-----\n", type);
	for (size_t i = 0; i < blen; i += 64) {
		size_t n = blen - i < 64 ? blen - i : 64;
		memcpy(out + o, b64 + i, n);
		o += n;
		out[o++] = '\n';
	}
	sprintf(out + o, "-----END %s-----\n", type);
	free(b64);
	return out;
}

/* Read a private key and expect failure with `want` in the message. */
static void
check_private_fails(const char *pem, size_t len, const char *password, const char *want)
{
	struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;
	int r;

	r = ward_sign_key_read_private(pem, len, "k.pem", password, password ? strlen(password) : 0,
				       &k, &err);
	if (r >= 0 || !err || !strstr(err->msg, want))
		fail_msg("key: want failure with '%s', got r=%d '%s'", want, r,
			 err ? err->msg : "(none)");
	assert_null(k);
	ward_error_free(err);
}

static struct ward_sign_key *
read_private_ok(const char *pem, const char *password)
{
	struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_key_read_private(pem, strlen(pem), "k.pem", password,
				       password ? strlen(password) : 0, &k, &err) < 0)
		fail_msg("read key: %s", err->msg);
	return k;
}

static void
assert_fingerprint(const struct ward_sign_key *k, const char *want)
{
	struct ward_digest d;

	assert_int_equal(ward_sign_key_fingerprint(k, &d, NULL), 0);
	assert_string_equal(d.s, want);
}

/* ---- real cosign files --------------------------------------------------- */

static void
test_cosign_vectors_decrypt_to_known_keys(void **state)
{
	struct ward_sign_key *k;

	(void)state;
	k = read_private_ok(COSIGN_ENC_COSIGN, "hello");
	assert_int_equal(ward_sign_key_type(k), WARD_SIGN_KEY_ECDSA_P256);
	assert_true(ward_sign_key_has_private(k));
	assert_fingerprint(k, COSIGN_ENC_COSIGN_FP);
	ward_sign_key_free(k);
	k = read_private_ok(COSIGN_ENC_SIGSTORE, "hello");
	assert_fingerprint(k, COSIGN_ENC_SIGSTORE_FP);
	ward_sign_key_free(k);
	assert_true(ward_sign_key_is_encrypted(COSIGN_ENC_COSIGN, strlen(COSIGN_ENC_COSIGN)));
	assert_true(ward_sign_key_is_encrypted(COSIGN_ENC_SIGSTORE, strlen(COSIGN_ENC_SIGSTORE)));
	assert_false(ward_sign_key_is_encrypted(COSIGN_EC_P256, strlen(COSIGN_EC_P256)));
}

static void
test_cosign_vector_wrong_password_is_denied(void **state)
{
	struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;
	int r;

	(void)state;
	r = ward_sign_key_read_private(COSIGN_ENC_COSIGN, strlen(COSIGN_ENC_COSIGN), "cosign.key",
				       "hellO", 5, &k, &err);
	assert_int_equal(r, -EKEYREJECTED);
	assert_non_null(err);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "cosign.key: wrong password"));
	ward_error_free(err);
	check_private_fails(COSIGN_ENC_COSIGN, strlen(COSIGN_ENC_COSIGN), "", "wrong password");
}

/* cosign refuses a SEC1 key inside the box (it wants PKCS#8);
 * so does ward, with the reason. */
static void
test_cosign_vector_with_sec1_inside_is_refused(void **state)
{
	(void)state;
	check_private_fails(COSIGN_ENC_SEC1, strlen(COSIGN_ENC_SEC1), "hello",
			    "decrypted key: not a valid PKCS#8 private key");
}

/* ---- ward-written files -------------------------------------------------- */

static char *
pem_body_json(const char *pem)
{
	const char *p = strchr(pem, '\n') + 1, *end = strstr(pem, "-----END");
	char *b64 = calloc(1, (size_t)(end - p) + 1);
	unsigned char *json = NULL;
	size_t n = 0, jlen = 0;

	assert_non_null(b64);
	for (; p < end; p++)
		if (*p != '\n')
			b64[n++] = *p;
	assert_int_equal(ward_base64_decode(b64, n, 65536, "body", &json, &jlen, NULL), 0);
	free(b64);
	json = realloc(json, jlen + 1);
	json[jlen] = '\0';
	return (char *)json;
}

static void
test_generate_write_read_round_trip(void **state)
{
	struct ward_sign_key *k = NULL, *back = NULL;
	struct ward_digest a, b;
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ward_sign_key_generate(&k, NULL), 0);
	assert_int_equal(ward_sign_key_type(k), WARD_SIGN_KEY_ECDSA_P256);
	assert_string_equal(ward_sign_key_describe(k), "ecdsa-p256");
	assert_int_equal(ward_sign_key_write_cosign(k, "pw", 2, &pem, &len, NULL), 0);
	assert_int_equal(strlen(pem), len);
	assert_true(ward_str_has_prefix(pem, "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"));
	/* 64-column lines, as Go's encoding/pem writes them. */
	assert_int_equal(strchr(pem + 45, '\n') - (pem + 45), 64);
	back = read_private_ok(pem, "pw");
	assert_int_equal(ward_sign_key_fingerprint(k, &a, NULL), 0);
	assert_int_equal(ward_sign_key_fingerprint(back, &b, NULL), 0);
	assert_string_equal(a.s, b.s);
	check_private_fails(pem, len, "pW", "wrong password");
	free(pem);
	ward_sign_key_free(back);
	/* cosign allows an empty password; so does ward. */
	assert_int_equal(ward_sign_key_write_cosign(k, "", 0, &pem, &len, NULL), 0);
	back = read_private_ok(pem, "");
	ward_sign_key_free(back);
	free(pem);
	ward_sign_key_free(k);
}

/* The JSON inside, member by member, as go-securesystemslib writes it. */
static void
test_written_key_has_cosign_json_layout(void **state)
{
	struct ward_sign_key *k = NULL;
	char *pem = NULL, *json, *p;
	size_t len = 0;

	(void)state;
	assert_int_equal(ward_sign_key_generate(&k, NULL), 0);
	assert_int_equal(ward_sign_key_write_cosign(k, "x", 1, &pem, &len, NULL), 0);
	json = pem_body_json(pem);
	p = json;
#define EXPECT(lit)                                                               \
	do {                                                                      \
		if (strncmp(p, lit, strlen(lit)))                                 \
			fail_msg("at '%.40s' expected '%s' in %s", p, lit, json); \
		p += strlen(lit);                                                 \
	} while (0)
#define SKIP_B64(n)                          \
	do {                                 \
		size_t l = strcspn(p, "\""); \
		assert_int_equal(l, n);      \
		p += l;                      \
	} while (0)
	EXPECT("{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
	       "\"salt\":\"");
	SKIP_B64(44); /* 32 bytes */
	EXPECT("\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"");
	SKIP_B64(32); /* 24 bytes */
	EXPECT("\"},\"ciphertext\":\"");
	/* PKCS#8 of a P-256 key (OpenSSL: 138 bytes) + 16-byte tag */
	SKIP_B64(4 * ((138 + 16 + 2) / 3));
	EXPECT("\"}");
	assert_int_equal(*p, '\0');
#undef EXPECT
#undef SKIP_B64
	free(json);
	free(pem);
	ward_sign_key_free(k);
}

/* ---- hostile encrypted files --------------------------------------------- */

#define SALT "\"salt\":\"xYghsOIMLTXcNODlrSH9CJsQe9Qgfcure+1yKtxuNY0=\""
#define NONCE "\"nonce\":\"4q/OJUfirdII+R6tj6A2g2CBj/nqtSbp\""
#define CT "\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""
#define PARAMS "\"params\":{\"N\":32768,\"r\":8,\"p\":1}"
#define KDF "\"kdf\":{\"name\":\"scrypt\"," PARAMS "," SALT "}"
#define CIPHER "\"cipher\":{\"name\":\"nacl/secretbox\"," NONCE "}"

struct bad_json {
	const char *json, *why;
};

/* Every one is refused before scrypt runs (the test stays fast with N up to
 * 2^30 because of that). */
static const struct bad_json bad_jsons[] = {
	{"{" KDF "," CIPHER "}", "missing field 'ciphertext'"},
	{"{" KDF "," CIPHER "," CT ",\"extra\":1}", "unknown field 'extra'"},
	{"{\"kdf\":{\"name\":\"argon2\"," PARAMS "," SALT "}," CIPHER "," CT "}", "'argon2'"},
	{"{" KDF ",\"cipher\":{\"name\":\"aes\"," NONCE "}," CT "}", "'aes' is not supported"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":2097152,\"r\":8,\"p\":1}," SALT
	 "}," CIPHER "," CT "}",
	 "N=2097152 exceeds the limit 2^20"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1073741824,\"r\":8,\"p\":1}," SALT
	 "}," CIPHER "," CT "}",
	 "exceeds the limit"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1048576,\"r\":8,\"p\":1}," SALT
	 "}," CIPHER "," CT "}",
	 "needs 1024 MiB, more than the limit 256 MiB"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":30000,\"r\":8,\"p\":1}," SALT "}," CIPHER
	 "," CT "}",
	 "not a power of two"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":64,\"p\":1}," SALT "}," CIPHER
	 "," CT "}",
	 "r=64 p=1 outside"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":100}," SALT
	 "}," CIPHER "," CT "}",
	 "outside"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":\"32768\",\"r\":8,\"p\":1}," SALT
	 "}," CIPHER "," CT "}",
	 "kdf.params.N: expected a positive integer"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8}," SALT "}," CIPHER "," CT
	 "}",
	 "missing field 'p'"},
	{"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1,\"x\":1}," SALT
	 "}," CIPHER "," CT "}",
	 "unknown field 'x'"},
	{"{" KDF ",\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"}," CT "}",
	 "cipher.nonce: 3 bytes, expected at least 24"},
	{"{" KDF ",\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"4q/OJUfirdII+R6tj6A2g2CB"
	 "j/nqtSbpAAAA\"}," CT "}",
	 "cipher.nonce: more than 24 bytes"},
	{"{" KDF "," CIPHER ",\"ciphertext\":\"AAAA\"}", "ciphertext: 3 bytes"},
	{"{" KDF "," CIPHER ",\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	 "truncated base64"},
	{"{" KDF "," CIPHER ",\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAA\"}",
	 "invalid base64 at character 25"},
	{"{\"kdf\":{\"name\":\"scrypt\"," PARAMS ",\"salt\":\"AA==\"}," CIPHER "," CT "}",
	 "kdf.salt: 1 bytes"},
	{"{" KDF "," KDF "," CIPHER "," CT "}", "duplicate"},
	{"[1]", "expected a JSON object"},
	{"{" KDF "," CIPHER "," CT "} x", "end of file expected"},
};

static void
test_hostile_cosign_json_is_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad_jsons); i++) {
		char *pem = pem_wrap(WARD_SIGN_PEM_COSIGN, bad_jsons[i].json,
				     strlen(bad_jsons[i].json));
		check_private_fails(pem, strlen(pem), "hello", bad_jsons[i].why);
		free(pem);
	}
}

/* A flipped ciphertext byte fails the Poly1305 tag: the same refusal as a
 * wrong password, never a parse of garbage. */
static void
test_tampered_ciphertext_is_denied(void **state)
{
	char *json, *pem, *ct;

	(void)state;
	json = pem_body_json(COSIGN_ENC_COSIGN);
	ct = strstr(json, "\"ciphertext\":\"") + 20;
	*ct = *ct == 'A' ? 'B' : 'A';
	pem = pem_wrap(WARD_SIGN_PEM_COSIGN, json, strlen(json));
	check_private_fails(pem, strlen(pem), "hello",
			    "wrong password (or the key file was altered)");
	free(pem);
	free(json);
}

/* ---- plain PEM private keys ---------------------------------------------- */

static void
test_plain_private_keys_are_read(void **state)
{
	static const struct {
		const char *pem;
		enum ward_sign_key_type type;
		const char *desc;
	} cases[] = {
		{COSIGN_EC_P256, WARD_SIGN_KEY_ECDSA_P256, "ecdsa-p256"},
		{COSIGN_ED25519, WARD_SIGN_KEY_ED25519, "ed25519"},
		{COSIGN_RSA_PKCS1, WARD_SIGN_KEY_RSA, "rsa-2048"},
		{"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC "
		 "PARAMETERS-----\n" COSIGN_EC_P256,
		 WARD_SIGN_KEY_ECDSA_P256, "ecdsa-p256"},
		{"\n\r\n" COSIGN_ED25519 "\n\n", WARD_SIGN_KEY_ED25519, "ed25519"},
	};

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		struct ward_sign_key *k = read_private_ok(cases[i].pem, NULL);
		assert_int_equal(ward_sign_key_type(k), cases[i].type);
		assert_string_equal(ward_sign_key_describe(k), cases[i].desc);
		assert_true(ward_sign_key_has_private(k));
		/* Any private key can be re-sealed in cosign's format. */
		char *pem = NULL;
		size_t len = 0;
		assert_int_equal(ward_sign_key_write_cosign(k, "a", 1, &pem, &len, NULL), 0);
		struct ward_sign_key *back = read_private_ok(pem, "a");
		assert_int_equal(ward_sign_key_type(back), cases[i].type);
		ward_sign_key_free(back);
		free(pem);
		ward_sign_key_free(k);
	}
}

struct bad_pem {
	const char *pem, *why;
};

static const struct bad_pem bad_pems[] = {
	{"", "no PEM block"},
	{"\n\n", "no PEM block"},
	{"hello", "not PEM: expected a '-----BEGIN <TYPE>-----' line, got 'hello'"},
	{"-----BEGIN PRIVATE "
	 "KEY-----\nMC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv\n",
	 "truncated PEM: no '-----END PRIVATE KEY-----' line"},
	{"-----BEGIN PRIVATE "
	 "KEY-----\nMC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVd\n"
	 "-----END PRIVATE KEY-----\n",
	 "truncated base64"},
	{"-----BEGIN PRIVATE "
	 "KEY-----\nMC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFo\n"
	 "-----END PRIVATE KEY-----\n",
	 "not a valid PKCS#8 private key"},
	{"-----BEGIN PRIVATE "
	 "KEY-----\nMC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv\n"
	 "-----END EC PRIVATE KEY-----\n",
	 "PEM block 'PRIVATE KEY' ends as 'EC PRIVATE KEY'"},
	{"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
	 "AES-128-CBC,00\n\nAAAA\n"
	 "-----END RSA PRIVATE KEY-----\n",
	 "PEM headers (legacy OpenSSL encryption) are not supported"},
	{"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
	 "PKCS#8-encrypted keys are not supported"},
	{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	 "PEM type 'CERTIFICATE' is not a supported private key"},
	{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "is a public key"},
	{COSIGN_ED25519 "trailing", "data after the key's PEM block"},
	{COSIGN_ED25519 COSIGN_EC_P256, "data after the key's PEM block"},
	{COSIGN_EC_P384, "EC key on a curve other than P-256 (384 bits)"},
	{COSIGN_RSA_1024, "RSA key of 1024 bits; ward accepts 2048 to 4096 bits"},
	{"-----BEGIN EC PRIVATE KEY-----\n" /* PKCS#8 bytes under a SEC1 label */
	 "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv\n"
	 "-----END EC PRIVATE KEY-----\n",
	 "not a valid SEC1 EC private key"},
	{"-----BEGIN PRIVATE KEY-----\n" /* trailing DER byte after the key */
	 "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdvAA==\n"
	 "-----END PRIVATE KEY-----\n",
	 "not a valid PKCS#8 private key"},
	{"-----BEGIN PRIVATE KEY-----\n"
	 "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv"
	 "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv"
	 "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv\n"
	 "-----END PRIVATE KEY-----\n",
	 "PEM line 2 is longer than 128 characters"},
	{"-----BEGIN lower-----\nAAAA\n-----END lower-----\n", "not PEM"},
};

static void
test_malformed_pem_is_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad_pems); i++)
		check_private_fails(bad_pems[i].pem, strlen(bad_pems[i].pem), NULL,
				    bad_pems[i].why);
	/* A NUL inside, and a file past the 64 KiB bound. */
	check_private_fails(COSIGN_ED25519, strlen(COSIGN_ED25519) + 1, NULL, "NUL byte");
	size_t big = WARD_SIGN_PEM_MAX + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '\n', big);
	check_private_fails(huge, big, NULL, "more than the 65536 a key file may have");
	free(huge);
}

/* ---- public keys ----------------------------------------------------------- */

static void
test_public_key_round_trip_and_refusals(void **state)
{
	struct ward_sign_key *k, *pub = NULL;
	struct ward_error *err = NULL;
	struct ward_digest a, b;
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	k = read_private_ok(COSIGN_ENC_COSIGN, "hello");
	assert_int_equal(ward_sign_key_write_public(k, &pem, &len, NULL), 0);
	assert_true(ward_str_has_prefix(pem, "-----BEGIN PUBLIC KEY-----\n"));
	assert_int_equal(ward_sign_key_read_public(pem, len, "cosign.pub", &pub, NULL), 0);
	assert_false(ward_sign_key_has_private(pub));
	assert_int_equal(ward_sign_key_fingerprint(k, &a, NULL), 0);
	assert_int_equal(ward_sign_key_fingerprint(pub, &b, NULL), 0);
	assert_string_equal(a.s, b.s);
	/* Sealing a public key is meaningless. */
	char *x = NULL;
	assert_int_equal(ward_sign_key_write_cosign(pub, "a", 1, &x, &len, &err), -EINVAL);
	ward_error_freep(&err);
	ward_sign_key_free(pub);
	pub = NULL;
	free(pem);
	ward_sign_key_free(k);

	assert_true(ward_sign_key_read_public(COSIGN_EC_P256, strlen(COSIGN_EC_P256), "k", &pub,
					      &err) < 0);
	assert_non_null(strstr(err->msg, "this is a private key: give the public one"));
	ward_error_freep(&err);
	/* A P-256 SubjectPublicKeyInfo whose point is not on the curve (the
	 * invalid-curve attack): y of a real key with one bit flipped. */
	static const char off_curve[] =
		"-----BEGIN PUBLIC KEY-----\n"
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERU519oBi11dnEm5BPh2ibxVT3oOm\n"
		"QlS+CdevAQKsRDrGAjDyCX7ENO/W8i4o6bJw4amQ/9ho9+zQqtkYlwOM6Q==\n"
		"-----END PUBLIC KEY-----\n";
	assert_true(ward_sign_key_read_public(off_curve, strlen(off_curve), "k", &pub, &err) < 0);
	assert_null(pub);
	assert_non_null(strstr(err->msg, "k: not a valid SubjectPublicKeyInfo"));
	ward_error_freep(&err);
}

/* ---- base64 ---------------------------------------------------------------- */

static void
test_base64_is_strict(void **state)
{
	static const struct {
		const char *in, *out;
	} goods[] = {{"QQ==", "A"}, {"QUI=", "AB"}, {"QUJD", "ABC"}, {"QUJDRA==", "ABCD"}};
	static const struct {
		const char *in, *why;
	} bads[] = {
		{"", "empty"},
		{"QQ=", "truncated base64"},
		{"QR==", "invalid base64 at character 1"}, /* non-zero unused bits */
		{"QUJ=", "invalid base64"},		   /* likewise for one '=' */
		{"Q===", "invalid base64"},
		{"QQ==QQ==", "invalid base64 at character 1"},
		{"Q=Q=", "invalid base64"},
		{"QU\nI", "invalid base64"},
		{"QU I", "invalid base64"},
		{"QU-_", "invalid base64"}, /* URL alphabet */
	};

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(goods); i++) {
		unsigned char *out = NULL;
		size_t n = 0;
		char *back = NULL;
		assert_int_equal(ward_base64_decode(goods[i].in, strlen(goods[i].in), 16, "t", &out,
						    &n, NULL),
				 0);
		assert_int_equal(n, strlen(goods[i].out));
		assert_memory_equal(out, goods[i].out, n);
		assert_int_equal(ward_base64_encode(out, n, &back, NULL), 0);
		assert_string_equal(back, goods[i].in);
		free(back);
		free(out);
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bads); i++) {
		unsigned char *out = NULL;
		size_t n = 0;
		struct ward_error *err = NULL;
		if (ward_base64_decode(bads[i].in, strlen(bads[i].in), 16, "t", &out, &n, &err) >=
			    0 ||
		    !strstr(err->msg, bads[i].why))
			fail_msg("'%s': want '%s', got '%s'", bads[i].in, bads[i].why,
				 err ? err->msg : "success");
		ward_error_free(err);
	}
	unsigned char *out = NULL;
	size_t n = 0;
	struct ward_error *err = NULL;
	assert_int_equal(ward_base64_decode("QUJDRA==", 8, 3, "sig", &out, &n, &err), -EFBIG);
	assert_non_null(strstr(err->msg, "sig: more than 3 bytes"));
	ward_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosign_vectors_decrypt_to_known_keys),
		cmocka_unit_test(test_cosign_vector_wrong_password_is_denied),
		cmocka_unit_test(test_cosign_vector_with_sec1_inside_is_refused),
		cmocka_unit_test(test_generate_write_read_round_trip),
		cmocka_unit_test(test_written_key_has_cosign_json_layout),
		cmocka_unit_test(test_hostile_cosign_json_is_refused),
		cmocka_unit_test(test_tampered_ciphertext_is_denied),
		cmocka_unit_test(test_plain_private_keys_are_read),
		cmocka_unit_test(test_malformed_pem_is_refused),
		cmocka_unit_test(test_public_key_round_trip_and_refusals),
		cmocka_unit_test(test_base64_is_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
