/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.json is hostile input (anyone who can pass --policy or edit /etc):
 * arbitrary bytes -> ward_policy_parse, then evaluation of fixed images
 * (docker by tag and by digest, an oci-archive path) with no signatures,
 * which walks scope selection and every requirement's refusal path; and
 * the line scanner on the raw bytes, valid JSON or not.
 */
#include <stddef.h>
#include <stdint.h>

#include <ward/policy.h>

#include "policy/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const refs[] = {
		"docker.io/library/busybox:latest",
		("127.0.0.1:5000/app@sha256:"
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		"a.b.example.com/ns/app:v1",
	};
	struct jpath paths[3] = {
		{.n = 2, .e = {{.key = "default"}, {.idx = 0}}},
		{.n = 4, .e = {{.key = "transports"}, {.key = "docker"}, {.key = ""}, {.idx = 1}}},
		{.n = 3, .e = {{.key = "default"}, {.idx = 2}, {.key = "keyPath"}}},
	};
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d;

	for (size_t i = 0; i < 3; i++)
		(void)policy_json_line((const char *)data, size, &paths[i]);
	if (ward_policy_parse((const char *)data, size, "fuzz.json", &p, &err) < 0) {
		ward_error_free(err);
		return 0;
	}
	ward_digest_of(data, size, &d);
	for (size_t i = 0; i < 4; i++) {
		struct ward_policy_image img = {
			.transport = i < 3 ? "docker" : "oci-archive",
			.docker_reference = i < 3 ? refs[i] : NULL,
			.path = "/srv/images/app.tar",
			.manifest_digest = &d,
		};
		struct ward_policy_decision dec = {0};
		bool needs = false;

		err = NULL;
		(void)ward_policy_needs_signatures(p, &img, &needs, &err);
		ward_error_freep(&err);
		if (ward_policy_evaluate(p, &img, &dec, &err) == 0)
			ward_policy_decision_clear(&dec);
		ward_error_freep(&err);
	}
	ward_policy_free(p);
	return 0;
}
