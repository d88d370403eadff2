/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz `ward top`'s parsers of container-written text: the first byte picks
 * /proc/PID/stat, /proc/PID/status or /etc/passwd; the rest is the text.
 * Checks what they promise: a parsed comm or user name holds no control
 * character and is NUL-terminated within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/runtime.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		struct ward_proc_stat st;
		if (ward_proc_parse_stat(buf, len, &st) == 0)
			check_clean(st.comm, sizeof(st.comm));
		break;
	}
	case 1: {
		struct ward_proc_status st;
		ward_proc_parse_status(buf, len, &st);
		if (st.ns_pid < 0)
			abort();
		break;
	}
	default: {
		char name[33];
		for (uid_t uid = 0; uid < 3; uid++)
			if (ward_passwd_name(buf, len, uid, name, sizeof(name)))
				check_clean(name, sizeof(name));
		break;
	}
	}
	return 0;
}
