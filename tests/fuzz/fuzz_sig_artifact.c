/* SPDX-License-Identifier: Apache-2.0 */
/* The .sig manifest comes from a registry before anything in it is trusted:
 * parse arbitrary bytes as a cosign signature artifact within its bounds; what
 * parses must take one more signature, serialise, and parse back with the
 * same layers plus the new one. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <ward/sign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
append_round_trip(struct ward_sign_artifact *a)
{
	static const char payload[] = "{\"fuzz\":true}";
	struct ward_sign_artifact *back = NULL;
	struct ward_error *err = NULL;
	char *m = NULL, *c = NULL;
	size_t ml = 0, cl = 0, before = a->n_layers;
	bool added = false;

	if (ward_sign_artifact_add(a, payload, sizeof(payload) - 1, "AAAA", &added, &err) < 0) {
		/* Only a full artifact refuses. */
		assert(before >= WARD_SIGN_ARTIFACT_SIGS_MAX);
		ward_error_free(err);
		return;
	}
	if (ward_sign_artifact_serialize(a, &m, &ml, &c, &cl, &err) < 0) {
		ward_error_free(err);
		return;
	}
	assert(ward_sign_artifact_parse(m, ml, &back, NULL) == 0);
	assert(back->n_layers == before + (added ? 1 : 0));
	for (size_t i = 0; i < back->n_layers; i++)
		assert(!strcmp(back->layers[i].digest.s, a->layers[i].digest.s));
	ward_sign_artifact_free(back);
	free(m);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_sign_artifact *a = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_artifact_parse((const char *)data, size, &a, &err) < 0) {
		assert(err && err->msg);
		ward_error_free(err);
		return 0;
	}
	for (size_t i = 0; i < a->n_layers; i++) {
		assert(a->layers[i].size >= 0);
		assert(!a->layers[i].simplesigning || a->layers[i].size <= WARD_SIGN_PAYLOAD_MAX);
		assert(!a->layers[i].sig_b64 ||
		       strlen(a->layers[i].sig_b64) <= WARD_SIGN_SIG_B64_MAX);
	}
	append_round_trip(a);
	ward_sign_artifact_free(a);
	return 0;
}
