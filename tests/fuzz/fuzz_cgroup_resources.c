/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources is hostile input: arbitrary bytes -> JSON -> resources
 * parser, then the device rules through the emulator and the eBPF compiler
 * (pure, nothing is loaded), and the same JSON as a forged state.json
 * cgroup entry (validation only: it stats paths, never writes).
 */
#include <stddef.h>
#include <stdint.h>

#include <ward/runtime.h>

#include "runtime/cgroup_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_cgroup_resources *r = NULL;
	struct ward_cgroup *cg = NULL;
	struct ward_error *err = NULL;
	json_t *j = NULL;

	if (ward_json_parse((const char *)data, size, "fuzz", &j, &err) < 0) {
		ward_error_free(err);
		return 0;
	}
	if (ward_cgroup_resources_parse(j, "linux.resources", &r, &err) == 0) {
		struct cgroup_devices_state st = {0};
		struct bpf_insn *insns = NULL;
		size_t n = 0;

		if (cgroup_devices_emulate(r->devices, r->n_devices, "d", &st, &err) == 0) {
			if (cgroup_devices_bpf_build(&st, &insns, &n, &err) == 0)
				free(insns);
			cgroup_devices_state_clear(&st);
		}
		ward_cgroup_resources_free(r);
	}
	ward_error_freep(&err);
	if (ward_cgroup_from_json(j, &cg, &err) == 0) {
		json_t *back = ward_cgroup_to_json(cg);
		json_decref(back);
		ward_cgroup_free(cg);
	}
	ward_error_free(err);
	json_decref(j);
	return 0;
}
