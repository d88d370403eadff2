/* SPDX-License-Identifier: Apache-2.0 */
/* `exec --process FILE` reads a process object from the caller: parse
 * arbitrary bytes as one, and as an OCI state-style document, safely. */
#include <stddef.h>
#include <stdint.h>

#include <ward/runtime.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_process *p = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	if (ward_json_parse((const char *)data, size, "process.json", &j, &err) == 0) {
		if (ward_process_parse(j, "process", &p, &err) == 0)
			ward_process_free(p);
		json_decref(j);
	}
	ward_error_free(err);
	return 0;
}
