/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the process-attributes parser: bytes -> ward_json_parse ->
 * ward_procattr_parse on the object (or on its "process" member, so whole
 * config.json seeds work), then the exec overrides on what parsed. Nothing
 * is applied: the apply functions change the fuzzer's own credentials.
 */
#include <stddef.h>
#include <stdint.h>

#include <ward/runtime.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
overrides(struct ward_procattr *p, json_t *proc)
{
	struct ward_error *err = NULL;
	json_t *v;

	/* Optional "x-user" / "x-cap" members feed the exec-flag parsers with
	 * fuzzer-chosen strings. */
	v = json_object_get(proc, "x-user");
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		(void)ward_procattr_set_user(p, json_string_value(v), &err);
	ward_error_free(err);
	err = NULL;
	v = json_object_get(proc, "x-cap");
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		(void)ward_procattr_add_cap(p, json_string_value(v), &err);
	ward_error_free(err);
	err = NULL;
	(void)ward_procattr_add_cap(p, "CAP_NET_BIND_SERVICE", &err);
	ward_error_free(err);
	ward_procattr_set_no_new_privs(p, !ward_procattr_no_new_privs(p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_procattr *p = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL, *proc;

	if (size > WARD_SPEC_MAX_SIZE)
		return 0;
	if (ward_json_parse((const char *)data, size, "fuzz", &j, &err) < 0)
		goto out;
	proc = json_object_get(j, "process");
	if (!proc)
		proc = j;
	if (ward_procattr_parse(proc, "process", &p, &err) == 0) {
		overrides(p, proc);
		ward_procattr_free(p);
	} else if (!err || !err->msg) {
		/* Every failure must say why. */
		__builtin_trap();
	}
out:
	ward_error_free(err);
	json_decref(j);
	return 0;
}
