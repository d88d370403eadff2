/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signatures: sign and verify with each key type; forged, tampered, replayed
 * and oversized signatures; ward_sign_verify's order (crypto, then the strict
 * parse, then digest, then identity).
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

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" D64
#define OTHER "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define REF "r.io/a/b:v1"

static struct ward_sign_key *
key(const char *pem, const char *password)
{
	struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_key_read_private(pem, strlen(pem), "k", password,
				       password ? strlen(password) : 0, &k, &err) < 0)
		fail_msg("key: %s", err->msg);
	return k;
}

static struct ward_sign_key *
public_of(const struct ward_sign_key *k)
{
	struct ward_sign_key *pub = NULL;
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(ward_sign_key_write_public(k, &pem, &len, NULL), 0);
	assert_int_equal(ward_sign_key_read_public(pem, len, "pub", &pub, NULL), 0);
	free(pem);
	return pub;
}

static char *
payload(const char *digest, const char *ref, size_t *len)
{
	struct ward_digest d;
	struct ward_sign_payload_spec spec = {
		.docker_reference = ref, .manifest_digest = &d, .timestamp = -1};
	char *out = NULL;

	assert_int_equal(ward_digest_parse(digest, &d, NULL), 0);
	assert_int_equal(ward_sign_payload_make(&spec, &out, len, NULL), 0);
	return out;
}

/* Takes errp, not *errp: the call in `r` sets it after arguments are read. */
static void
expect_denied(int r, struct ward_error **errp, const char *want)
{
	struct ward_error *err = *errp;

	if (r >= 0 || !err || err->kind != WARD_E_DENIED || !strstr(err->msg, want))
		fail_msg("want denial '%s', got r=%d '%s'", want, r, err ? err->msg : "(none)");
	ward_error_freep(errp);
}

static void
test_each_key_type_signs_and_verifies(void **state)
{
	const char *pems[] = {COSIGN_EC_P256, COSIGN_ED25519, COSIGN_RSA_PKCS1};
	size_t want_len[] = {0, 64, 256}; /* ECDSA DER varies (70..72) */

	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(pems); i++) {
		struct ward_sign_key *k = key(pems[i], NULL), *pub = public_of(k);
		struct ward_error *err = NULL;
		unsigned char *sig = NULL;
		size_t len = 0, sig_len = 0;
		char *p = payload(DIG, REF, &len);

		assert_int_equal(ward_sign_data(k, p, len, &sig, &sig_len, NULL), 0);
		if (want_len[i])
			assert_int_equal(sig_len, want_len[i]);
		else
			assert_true(sig_len >= 8 && sig_len <= 72 && sig[0] == 0x30);
		assert_int_equal(ward_sign_verify_data(pub, p, len, sig, sig_len, NULL), 0);
		/* The private key object verifies too. */
		assert_int_equal(ward_sign_verify_data(k, p, len, sig, sig_len, NULL), 0);
		/* One changed payload byte. */
		p[len / 2] ^= 1;
		expect_denied(ward_sign_verify_data(pub, p, len, sig, sig_len, &err), &err,
			      "signature does not verify");
		p[len / 2] ^= 1;
		/* One changed signature byte, and one appended. */
		sig[sig_len - 1] ^= 0x40;
		err = NULL;
		expect_denied(ward_sign_verify_data(pub, p, len, sig, sig_len, &err), &err,
			      "does not verify");
		sig[sig_len - 1] ^= 0x40;
		sig = realloc(sig, sig_len + 1);
		sig[sig_len] = 0;
		err = NULL;
		expect_denied(ward_sign_verify_data(pub, p, len, sig, sig_len + 1, &err), &err,
			      "does not verify");
		/* Signing needs the private key. */
		unsigned char *none = NULL;
		assert_int_equal(ward_sign_data(pub, p, len, &none, &sig_len, NULL), -EINVAL);
		free(sig);
		free(p);
		ward_sign_key_free(pub);
		ward_sign_key_free(k);
	}
}

static void
test_signature_from_another_key_is_denied(void **state)
{
	struct ward_sign_key *a = key(COSIGN_EC_P256, NULL), *b = NULL, *rsa;
	struct ward_error *err = NULL;
	unsigned char *sig = NULL;
	size_t len = 0, sig_len = 0;
	char *p = payload(DIG, REF, &len);

	(void)state;
	assert_int_equal(ward_sign_key_generate(&b, NULL), 0);
	assert_int_equal(ward_sign_data(a, p, len, &sig, &sig_len, NULL), 0);
	expect_denied(ward_sign_verify_data(b, p, len, sig, sig_len, &err), &err,
		      "signature does not verify with the ecdsa-p256 key");
	/* An ECDSA signature against an RSA key. */
	rsa = key(COSIGN_RSA_PKCS1, NULL);
	err = NULL;
	expect_denied(ward_sign_verify_data(rsa, p, len, sig, sig_len, &err), &err, "rsa-2048");
	/* Empty and oversized signatures never reach OpenSSL. */
	err = NULL;
	expect_denied(ward_sign_verify_data(a, p, len, sig, 0, &err), &err, "empty signature");
	unsigned char *big = calloc(1, WARD_SIGN_SIG_MAX + 1);
	err = NULL;
	expect_denied(ward_sign_verify_data(a, p, len, big, WARD_SIGN_SIG_MAX + 1, &err), &err,
		      "signature too long");
	free(big);
	free(sig);
	free(p);
	ward_sign_key_free(rsa);
	ward_sign_key_free(b);
	ward_sign_key_free(a);
}

static struct ward_sign_verify_opts
opts(const struct ward_digest *d, const char *identity)
{
	return (struct ward_sign_verify_opts){.manifest_digest = d,
					      .accept_identity = ward_sign_identity_exact,
					      .identity_userdata = (void *)identity};
}

static void
test_verify_accepts_then_refuses_in_order(void **state)
{
	struct ward_sign_key *k = key(COSIGN_ENC_COSIGN, "hello"), *pub = public_of(k);
	struct ward_sign_payload *got = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d, other;
	size_t len = 0;
	char *p = payload(DIG, REF, &len), *b64 = NULL;
	struct ward_sign_verify_opts o;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	assert_int_equal(ward_digest_parse(OTHER, &other, NULL), 0);
	assert_int_equal(ward_sign_data_base64(k, p, len, &b64, NULL), 0);

	o = opts(&d, REF);
	assert_int_equal(ward_sign_verify(pub, p, len, b64, &o, &got, NULL), 0);
	assert_string_equal(got->docker_reference, REF);
	assert_string_equal(got->manifest_digest.s, DIG);
	ward_sign_payload_free(got);

	/* A valid signature of another image: replay. */
	o = opts(&other, REF);
	expect_denied(ward_sign_verify(pub, p, len, b64, &o, NULL, &err), &err,
		      "signature is for manifest " DIG ", not " OTHER);
	/* The identity rule refuses. */
	err = NULL;
	o = opts(&d, "r.io/a/b:v2");
	expect_denied(ward_sign_verify(pub, p, len, b64, &o, NULL, &err), &err,
		      "signed identity 'r.io/a/b:v1' is not the accepted 'r.io/a/b:v2'");
	/* No identity rule: fail closed. */
	o = opts(&d, REF);
	o.accept_identity = NULL;
	assert_int_equal(ward_sign_verify(pub, p, len, b64, &o, NULL, &err), -EINVAL);
	ward_error_freep(&err);
	/* The wrong payload type is a parse failure after a good signature. */
	o = opts(&d, REF);
	o.type = WARD_SIGN_PAYLOAD_ATOMIC;
	assert_true(ward_sign_verify(pub, p, len, b64, &o, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_INVALID);
	assert_non_null(strstr(err->msg, "critical.type"));
	ward_error_freep(&err);
	free(b64);
	free(p);
	ward_sign_key_free(pub);
	ward_sign_key_free(k);
}

/* An unsigned hostile payload is refused by the signature check, before any
 * JSON parsing; a signed malformed payload is refused by the strict parse. */
static void
test_verify_checks_signature_before_parsing(void **state)
{
	static const char junk[] = "{\"critical\":{},\"optional\":null,\"x\":[[[[[[";
	struct ward_sign_key *k = key(COSIGN_EC_P256, NULL);
	struct ward_error *err = NULL;
	struct ward_digest d;
	size_t len = 0;
	char *p = payload(DIG, REF, &len), *b64 = NULL;
	struct ward_sign_verify_opts o;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	o = opts(&d, REF);
	assert_int_equal(ward_sign_data_base64(k, p, len, &b64, NULL), 0);
	expect_denied(ward_sign_verify(k, junk, strlen(junk), b64, &o, NULL, &err), &err,
		      "signature does not verify");
	free(b64);
	assert_int_equal(ward_sign_data_base64(k, junk, strlen(junk), &b64, NULL), 0);
	assert_true(ward_sign_verify(k, junk, strlen(junk), b64, &o, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_INVALID);
	assert_true(ward_str_has_prefix(err->msg, "invalid signature payload"));
	ward_error_freep(&err);
	free(b64);
	free(p);
	ward_sign_key_free(k);
}

static void
test_verify_refuses_malformed_base64(void **state)
{
	static const struct {
		const char *b64, *why;
	} cases[] = {
		{"", "signature: empty base64"},
		{"MEUCIQ", "truncated base64"},
		{"MEUC IQ=", "invalid base64 at character 5"},
		{"MEUC\nIQ=", "invalid base64"},
		{"MEUCIR==", "invalid base64"},
	};
	struct ward_sign_key *k = key(COSIGN_EC_P256, NULL);
	struct ward_digest d;
	size_t len = 0;
	char *p = payload(DIG, REF, &len);
	struct ward_sign_verify_opts o;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	o = opts(&d, REF);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(cases); i++) {
		struct ward_error *err = NULL;
		if (ward_sign_verify(k, p, len, cases[i].b64, &o, NULL, &err) >= 0 ||
		    !strstr(err->msg, cases[i].why))
			fail_msg("'%s': want '%s', got '%s'", cases[i].b64, cases[i].why,
				 err ? err->msg : "success");
		ward_error_free(err);
	}
	size_t n = 4 * WARD_SIGN_SIG_MAX;
	char *huge = malloc(n + 1);
	memset(huge, 'A', n);
	huge[n] = '\0';
	struct ward_error *err = NULL;
	assert_int_equal(ward_sign_verify(k, p, len, huge, &o, NULL, &err), -EFBIG);
	assert_non_null(strstr(err->msg, "signature: more than 1024 bytes"));
	ward_error_free(err);
	free(huge);
	free(p);
	ward_sign_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_key_type_signs_and_verifies),
		cmocka_unit_test(test_signature_from_another_key_is_denied),
		cmocka_unit_test(test_verify_accepts_then_refuses_in_order),
		cmocka_unit_test(test_verify_checks_signature_before_parsing),
		cmocka_unit_test(test_verify_refuses_malformed_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
