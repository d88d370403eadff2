/* SPDX-License-Identifier: Apache-2.0 */
/* Signature payloads come from registries (the layer of a .sig image) and are
 * parsed once their signature verifies: parse arbitrary bytes as both types,
 * and check that what parses survives a make/parse round trip unchanged. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <ward/sign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const struct ward_sign_payload *p)
{
	struct ward_sign_payload_spec spec = {
		.type = p->type,
		.docker_reference = p->docker_reference,
		.manifest_digest = &p->manifest_digest,
		.creator = p->creator,
		.timestamp = p->has_timestamp && p->timestamp >= 0 ? p->timestamp : -1,
	};
	struct ward_sign_payload *back = NULL;
	struct ward_error *err = NULL;
	char *out = NULL;
	size_t len = 0;

	if (ward_sign_payload_make(&spec, &out, &len, &err) < 0) {
		ward_error_free(err);
		return;
	}
	/* ward must read back what it writes, with the same meaning. */
	assert(ward_sign_payload_parse(out, len, p->type, &back, NULL) == 0);
	assert(!strcmp(back->docker_reference, p->docker_reference));
	assert(!strcmp(back->manifest_digest.s, p->manifest_digest.s));
	ward_sign_payload_free(back);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	for (int t = WARD_SIGN_PAYLOAD_COSIGN; t <= WARD_SIGN_PAYLOAD_ATOMIC; t++) {
		struct ward_sign_payload *p = NULL;
		struct ward_error *err = NULL;
		if (ward_sign_payload_parse(buf, size, (enum ward_sign_payload_type)t, &p, &err) ==
		    0) {
			round_trip(p);
			ward_sign_payload_free(p);
		}
		ward_error_free(err);
	}
	return 0;
}
