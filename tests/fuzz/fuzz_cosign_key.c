/* SPDX-License-Identifier: Apache-2.0 */
/* Key files and signatures are user- or registry-supplied: PEM framing,
 * plain private and public keys, the JSON of cosign's encrypted key file
 * (parsed directly, so scrypt's deliberate cost does not stall the fuzzer),
 * and base64 signatures against a fixed key. */
#include <stddef.h>
#include <stdint.h>

#include <ward/sign.h>

#include "sign/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded once: OpenSSL 3's decoders cost milliseconds per key, which would
 * be most of every run. Read-only after LLVMFuzzerInitialize. */
static struct ward_sign_key *fixed_key;

/* An Ed25519 key from cosign's tests: cheap to verify against. */
static const char ed_key[] = "-----BEGIN PRIVATE KEY-----\n"
			     "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv\n"
			     "-----END PRIVATE KEY-----\n";

static void
fuzz_pem(const char *buf, size_t size)
{
	char type[SIGN_PEM_TYPE_MAX];
	unsigned char *der = NULL;
	size_t pos = 0, len = 0;

	while (sign_pem_next(buf, size, &pos, "fuzz", type, &der, &len, NULL) == 0) {
		free(der);
		der = NULL;
	}
}

static void
fuzz_keys(const char *buf, size_t size)
{
	struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_key_read_public(buf, size, "fuzz", &k, &err) == 0)
		ward_sign_key_free(k);
	ward_error_freep(&err);
	/* Encrypted ones would run scrypt at full cost; their JSON is fuzzed
	 * below instead. */
	if (!ward_sign_key_is_encrypted(buf, size) &&
	    ward_sign_key_read_private(buf, size, "fuzz", "pw", 2, &k, &err) == 0)
		ward_sign_key_free(k);
	ward_error_freep(&err);
}

static void
fuzz_cosign_json(const char *buf, size_t size)
{
	struct sign_cosign_box b = {0};

	if (sign_cosign_parse((const unsigned char *)buf, size, "fuzz", &b, NULL) == 0)
		sign_cosign_box_free(&b);
}

static void
fuzz_signature(const char *buf, size_t size)
{
	struct ward_digest d;
	struct ward_sign_verify_opts o = {.accept_identity = ward_sign_identity_exact,
					  .identity_userdata = "r.io/a"};
	char *sig = strndup(buf, size);

	if (!sig)
		return;
	ward_digest_of("x", 1, &d);
	o.manifest_digest = &d;
	(void)ward_sign_verify(fixed_key, "{}", 2, sig, &o, NULL, NULL);
	free(sig);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (ward_sign_key_read_private(ed_key, sizeof(ed_key) - 1, "k", NULL, 0, &fixed_key, NULL) <
	    0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	fuzz_pem(buf, size);
	fuzz_keys(buf, size);
	fuzz_cosign_json(buf, size);
	fuzz_signature(buf, size);
	return 0;
}
