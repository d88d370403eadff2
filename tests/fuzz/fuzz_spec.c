/* SPDX-License-Identifier: Apache-2.0 */
/* config.json is hostile input: parse arbitrary bytes without crashing. */
#include <stddef.h>
#include <stdint.h>

#include <ward/runtime.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;

	if (ward_spec_parse((const char *)data, size, &s, &err) == 0)
		ward_spec_free(s);
	ward_error_free(err);
	return 0;
}
