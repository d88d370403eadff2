/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp is hostile input: arbitrary bytes -> JSON -> the seccomp
 * parser, which also compiles the filter with libseccomp (and exports the
 * BPF to check its length). Nothing is loaded: the fuzzer's own process
 * must stay unfiltered.
 */
#include <stddef.h>
#include <stdint.h>

#include <ward/runtime.h>

#include "runtime/seccomp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_seccomp *s = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	if (ward_json_parse((const char *)data, size, "fuzz", &j, &err) < 0) {
		ward_error_free(err);
		return 0;
	}
	if (ward_seccomp_parse(j, "linux.seccomp", &s, &err) == 0) {
		char *const *unknown = ward_seccomp_unknown_names(s);
		size_t n = ward_strv_length(unknown);

		/* The accessors must agree with each other on any profile. */
		if (n > ward_seccomp_unknown_count(s) || n > WARD_SECCOMP_MAX_UNKNOWN_KEPT)
			__builtin_trap();
		if (ward_seccomp_wants_listener(s) && !ward_seccomp_listener_path(s))
			__builtin_trap();
		if (ward_seccomp_listener_metadata(s) && !ward_seccomp_listener_path(s))
			__builtin_trap();
		if (ward_seccomp_notifies(s, "sendmsg"))
			__builtin_trap();
		(void)ward_seccomp_notifies(s, "getppid");
		ward_seccomp_free(s);
	} else {
		/* Every failure says why. */
		if (!err || !err->msg)
			__builtin_trap();
		ward_error_free(err);
	}
	json_decref(j);
	return 0;
}
