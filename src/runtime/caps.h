/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/runtime: the capability name table, the kernel's capability
 * sets as 64-bit masks, and the parts of procattr the tests and the process
 * code need beyond include/ward/runtime.h.
 */
#ifndef WARD_RUNTIME_CAPS_H
#define WARD_RUNTIME_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <ward/runtime.h>

/* The sets of config.json's process.capabilities, in the spec's order. */
enum ward_cap_set {
	WARD_CAP_BOUNDING,
	WARD_CAP_EFFECTIVE,
	WARD_CAP_INHERITABLE,
	WARD_CAP_PERMITTED,
	WARD_CAP_AMBIENT,
	WARD_CAP_SET_COUNT
};

/* Highest capability number the kernel's v3 interface can express. */
#define WARD_CAP_MAX_BIT 63u

#define WARD_CAP_BIT(c) (UINT64_C(1) << (c))

/* Number of the capability called `name` ("CAP_CHOWN"), or -1. Exact,
 * case-sensitive match, as runc. */
int ward_cap_from_name(const char *name);
/* "CAP_CHOWN" for 0; NULL past the table. */
const char *ward_cap_name(unsigned cap);
/* Number of entries in the table (the highest known capability + 1). */
unsigned ward_cap_table_size(void);
/* The running kernel's CAP_LAST_CAP from /proc/sys/kernel/cap_last_cap,
 * clamped to WARD_CAP_MAX_BIT; the table's last entry when unreadable. */
unsigned ward_cap_last_cap(void);
/* Name of one set ("bounding", "effective", ...). */
const char *ward_cap_set_name(enum ward_cap_set s);

/* capget(2)/capset(2) of the calling thread, _LINUX_CAPABILITY_VERSION_3. */
int ward_caps_get(uint64_t *ret_effective, uint64_t *ret_permitted, uint64_t *ret_inheritable);
int ward_caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable);
/* True when the calling thread has cap in its effective set. */
bool ward_cap_is_effective(unsigned cap);

/* ward_procattr_parse with an explicit CAP_LAST_CAP (tests pretend an older
 * kernel). Names above last_cap are skipped and counted. */
int ward_procattr_parse_last_cap(json_t *process, const char *where, unsigned last_cap,
				 struct ward_procattr **ret, struct ward_error **err);
/* Capability names skipped because the running kernel does not have them;
 * the caller may warn ("ignoring N capabilities unknown to this kernel"). */
unsigned ward_procattr_skipped_caps(const struct ward_procattr *p);
/* The parsed mask of one set; 0 when process.capabilities was absent. */
uint64_t ward_procattr_cap_mask(const struct ward_procattr *p, enum ward_cap_set s);
/* Whether process.capabilities was present (absent: the sets are left as
 * they are, as runc does). */
bool ward_procattr_has_caps(const struct ward_procattr *p);

#endif
