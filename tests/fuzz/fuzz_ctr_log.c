/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr.log is written by the monitor, but every byte of a record's text is
 * the container's: `ward logs` parses whatever is there. Arbitrary bytes
 * split at newlines into records -> ward_ctr_log_parse_line; each result
 * must lie inside its record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/containers.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct ward_ctr_log_line l;

		if (ward_ctr_log_parse_line(p, len, &l) == 0) {
			if (l.ts != p || l.ts_len == 0 || l.ts_len > len || l.text < p ||
			    l.text + l.text_len != p + len)
				abort();
		}
		p += len + 1;
	}
	return 0;
}
