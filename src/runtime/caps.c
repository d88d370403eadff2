/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capability names and the kernel's capability sets, without libcap: the
 * table is ours and the sets go through capget/capset directly.
 */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ward/util.h>

/* Indexed by capability number (include/uapi/linux/capability.h). Names
 * are the spec's: "CAP_" + the kernel's name. */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

_Static_assert(WARD_ARRAY_SIZE(cap_names) <= WARD_CAP_MAX_BIT + 1, "caps fit a 64-bit mask");

static const char *const set_names[WARD_CAP_SET_COUNT] = {
	[WARD_CAP_BOUNDING] = "bounding",	[WARD_CAP_EFFECTIVE] = "effective",
	[WARD_CAP_INHERITABLE] = "inheritable", [WARD_CAP_PERMITTED] = "permitted",
	[WARD_CAP_AMBIENT] = "ambient",
};

int
ward_cap_from_name(const char *name)
{
	for (unsigned i = 0; i < WARD_ARRAY_SIZE(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
ward_cap_name(unsigned cap)
{
	return cap < WARD_ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

unsigned
ward_cap_table_size(void)
{
	return WARD_ARRAY_SIZE(cap_names);
}

const char *
ward_cap_set_name(enum ward_cap_set s)
{
	return (unsigned)s < WARD_CAP_SET_COUNT ? set_names[s] : "unknown";
}

unsigned
ward_cap_last_cap(void)
{
	unsigned fallback = WARD_ARRAY_SIZE(cap_names) - 1;
	_cleanup_close_ int fd = -1;
	char buf[16];
	uint64_t v = 0;
	ssize_t n;

	/* Read on every parse rather than cached: no global state, and the
	 * file is tiny. Without /proc we fall back to the table; the bounding
	 * drop then treats EINVAL from the kernel as "no such capability". */
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fallback;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (ward_parse_u64(buf, &v) < 0)
		return fallback;
	return v > WARD_CAP_MAX_BIT ? WARD_CAP_MAX_BIT : (unsigned)v;
}

int
ward_caps_get(uint64_t *ret_effective, uint64_t *ret_permitted, uint64_t *ret_inheritable)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	if (ret_effective)
		*ret_effective = (uint64_t)data[1].effective << 32 | data[0].effective;
	if (ret_permitted)
		*ret_permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	if (ret_inheritable)
		*ret_inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	return 0;
}

int
ward_caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
		{(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
		{(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32),
		 (uint32_t)(inheritable >> 32)},
	};

	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

bool
ward_cap_is_effective(unsigned cap)
{
	uint64_t eff = 0;

	if (cap > WARD_CAP_MAX_BIT || ward_caps_get(&eff, NULL, NULL) < 0)
		return false;
	return (eff & WARD_CAP_BIT(cap)) != 0;
}
