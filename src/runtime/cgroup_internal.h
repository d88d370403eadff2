/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the cgroup module (cgroup.c, cgroup_v1.c, cgroup_v2.c,
 * cgroup_resources.c) and to the runtime code that builds the device rules
 * of a container. Everything here is hidden from libward's users.
 */
#ifndef WARD_RUNTIME_CGROUP_INTERNAL_H
#define WARD_RUNTIME_CGROUP_INTERNAL_H

#include <linux/bpf.h>
#include <sys/types.h>

#include <ward/runtime.h>

/* ---- limits ------------------------------------------------------------- */
#define CGROUP_MAX_HIERARCHIES WARD_CGROUP_MAX_HIERARCHIES
#define CGROUP_PATH_MAX 4096	   /* a cgroup directory, mount point included */
#define CGROUP_MAX_DEPTH 64	   /* components in cgroupsPath */
#define CGROUP_WALK_MAX_DEPTH 64   /* nested cgroups walked by pids/destroy */
#define CGROUP_PIDS_MAX (4u << 20) /* pids listed (the kernel's pid_max ceiling) */
#define CGROUP_FILE_MAX (1u << 20) /* a cgroup control file read back */
#define CGROUP_MOUNTINFO_MAX (16u << 20)
#define CGROUP_CPUSET_MAX 4096	      /* bytes of cpu.cpus / cpu.mems */
#define CGROUP_CPUSET_MAX_ID 65535    /* highest CPU or NUMA node number accepted */
#define CGROUP_UNIFIED_VALUE_MAX 4096 /* bytes of one linux.resources.unified value */
#define CGROUP_RDMA_MAX 256	      /* devices in linux.resources.rdma */
#define CGROUP_NAME_MAX 255	      /* one path component (NAME_MAX) */
#define CGROUP_BPF_MAX_INSNS 65536    /* device program; 12 insns a rule at most */

/* ---- parsed linux.resources --------------------------------------------- */

struct cgroup_i64 {
	int64_t v;
	bool set;
};
struct cgroup_u64 {
	uint64_t v;
	bool set;
};
struct cgroup_bool {
	bool v;
	bool set;
};

/* Device access bits: the values of BPF_DEVCG_ACC_* so the eBPF program can
 * use them unchanged. */
#define CGROUP_DEV_MKNOD 1u
#define CGROUP_DEV_READ 2u
#define CGROUP_DEV_WRITE 4u
#define CGROUP_DEV_ALL 7u
#define CGROUP_DEV_WILDCARD (-1)

struct cgroup_device_rule {
	bool allow;
	char type;	      /* 'a', 'b' or 'c' */
	int64_t major, minor; /* CGROUP_DEV_WILDCARD or 0..UINT32_MAX */
	unsigned access;      /* CGROUP_DEV_* bits, never 0 */
};

struct cgroup_weight_device {
	int64_t major, minor;
	struct cgroup_u64 weight, leaf_weight;
};

enum cgroup_throttle {
	CGROUP_THROTTLE_READ_BPS,
	CGROUP_THROTTLE_WRITE_BPS,
	CGROUP_THROTTLE_READ_IOPS,
	CGROUP_THROTTLE_WRITE_IOPS,
	CGROUP_THROTTLE_COUNT
};

struct cgroup_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct cgroup_hugepage {
	char *page_size; /* "2MB": digits then KB, MB or GB (checked: it names a file) */
	uint64_t limit;
};

struct cgroup_net_prio {
	char *name; /* interface name, checked like the kernel's dev_valid_name */
	uint32_t priority;
};

struct cgroup_rdma {
	char *device;
	struct cgroup_u64 hca_handles, hca_objects;
};

struct cgroup_unified {
	char *key; /* a plain file name in the cgroup directory */
	char *value;
};

/*
 * Every optional value carries `set`. Where runc (Go zero values) reads 0 as
 * "not given" -- memory limit/reservation/swap, cpu shares/quota/period and
 * realtime values, pids limit, blockIO weights -- a 0 leaves `set` false, so
 * configs written for runc by containerd or Docker mean the same here.
 */
struct ward_cgroup_resources {
	char *where; /* "linux.resources": prefix of every error naming a field */
	struct {
		struct cgroup_i64 limit, reservation, swap, kernel, kernel_tcp;
		struct cgroup_u64 swappiness;
		struct cgroup_bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;
	struct {
		struct cgroup_u64 shares, period, burst, realtime_period;
		struct cgroup_i64 quota, realtime_runtime, idle;
		char *cpus, *mems; /* NULL when not given or empty */
	} cpu;
	struct cgroup_i64 pids_limit; /* < 0: "max" */
	struct {
		struct cgroup_u64 weight, leaf_weight;
		struct cgroup_weight_device *weight_device;
		size_t n_weight_device;
		struct cgroup_throttle_device *throttle[CGROUP_THROTTLE_COUNT];
		size_t n_throttle[CGROUP_THROTTLE_COUNT];
	} blkio;
	struct cgroup_hugepage *hugepages;
	size_t n_hugepages;
	/* has_devices false: the devices controller is left alone (the cgroup
	 * inherits its parent's rules). True, even with no rules: the rules are
	 * applied on top of "deny everything", as runc does. */
	bool has_devices;
	struct cgroup_device_rule *devices;
	size_t n_devices;
	struct {
		struct cgroup_u64 class_id;
		struct cgroup_net_prio *priorities;
		size_t n_priorities;
	} network;
	struct cgroup_rdma *rdma;
	size_t n_rdma;
	struct cgroup_unified *unified;
	size_t n_unified;
};

static inline void
ward_cgroup_resources_freep(struct ward_cgroup_resources **r)
{
	ward_cgroup_resources_free(*r);
}

/*
 * For the runtime's create path: an empty resource set (when config.json has
 * no linux.resources) and a device rule appended after the parsed ones, e.g.
 * runc's default list (/dev/null, zero, full, random, urandom, tty, ptmx,
 * pts, mknod of anything) and the nodes of linux.devices. access is a string
 * of "rwm" letters; major/minor CGROUP_DEV_WILDCARD for "*".
 */
struct ward_cgroup_resources *cgroup_resources_new(const char *where);
int cgroup_resources_add_device(struct ward_cgroup_resources *r, bool allow, char type,
				int64_t major, int64_t minor, const char *access,
				struct ward_error **err);

/* "0-3,5,7-8": ranges ascending within themselves, ids <= CGROUP_CPUSET_MAX_ID. */
bool cgroup_cpuset_list_valid(const char *s);
/* A plain file name in a cgroup directory: no '/', not "." or "..", no
 * control characters, at most CGROUP_NAME_MAX bytes. */
bool cgroup_file_name_valid(const char *s);
/* Parse an access string ("rwm" letters, each once) into CGROUP_DEV_* bits. */
int cgroup_device_access_parse(const char *s, unsigned *ret);

/* ---- device rules: the cgroup v1 semantics, emulated ----------------------
 * Applying rules in order to a v1 devices cgroup leaves a default (allow all
 * or deny all) and a set of exceptions. Both v1 (written as a fresh list) and
 * v2 (compiled to eBPF) use the same result, so a rule list means the same
 * everywhere. Like runc's emulator, a rule that would punch a hole in a
 * wildcard exception is refused: v1 silently ignores it, which would leave
 * access the user believes denied.
 */
struct cgroup_devices_state {
	bool default_allow;
	struct cgroup_device_rule *exc; /* allow == !default_allow; type 'b' or 'c' */
	size_t n_exc;
};
int cgroup_devices_emulate(const struct cgroup_device_rule *rules, size_t n, const char *where,
			   struct cgroup_devices_state *ret, struct ward_error **err);
void cgroup_devices_state_clear(struct cgroup_devices_state *s);
/* devices.list of a v1 cgroup into the same state ("a *:* rwm" = allow all). */
int cgroup_devices_state_from_list(const char *list, struct cgroup_devices_state *ret,
				   struct ward_error **err);
/* Whether a request (type 'b'/'c', access bits) is allowed by the state. */
bool cgroup_devices_state_allows(const struct cgroup_devices_state *s, char type, uint32_t major,
				 uint32_t minor, unsigned access);
/* Compile the state to a BPF_PROG_TYPE_CGROUP_DEVICE program. *ret malloc'd. */
int cgroup_devices_bpf_build(const struct cgroup_devices_state *s, struct bpf_insn **ret,
			     size_t *ret_n, struct ward_error **err);
/* Load the program for rules and attach it to the cgroup directory dirfd with
 * BPF_F_ALLOW_MULTI; programs attached before (an older `update`) are
 * detached afterwards, so there is never a moment without a filter. */
int cgroup_v2_devices_apply(int dirfd, const struct cgroup_devices_state *s, const char *where,
			    struct ward_error **err);

/* ---- the host's cgroup mounts ------------------------------------------- */

enum cgroup_ctrl {
	CGROUP_CPU,
	CGROUP_CPUACCT,
	CGROUP_CPUSET,
	CGROUP_MEMORY,
	CGROUP_DEVICES,
	CGROUP_FREEZER,
	CGROUP_BLKIO,
	CGROUP_PIDS,
	CGROUP_HUGETLB,
	CGROUP_NET_CLS,
	CGROUP_NET_PRIO,
	CGROUP_PERF_EVENT,
	CGROUP_RDMA,
	CGROUP_MISC,
	CGROUP_IO,	     /* v2 only */
	CGROUP_NAME_SYSTEMD, /* the v1 "name=systemd" named hierarchy */
	CGROUP_CTRL_COUNT
};
#define CGROUP_BIT(c) (1u << (c))

const char *cgroup_ctrl_name(enum cgroup_ctrl c);
int cgroup_ctrl_from_name(const char *name); /* -1 when unknown */

enum cgroup_layout {
	CGROUP_LAYOUT_V1,     /* only v1 hierarchies */
	CGROUP_LAYOUT_V2,     /* only the unified hierarchy */
	CGROUP_LAYOUT_HYBRID, /* v1 controllers + an empty cgroup2 (systemd "hybrid") */
};
const char *cgroup_layout_name(enum cgroup_layout l);

struct cgroup_mount {
	bool v2;
	uint32_t ctrls; /* CGROUP_BIT()s served (v1: mount options; v2: 0) */
	char *mount;	/* mount point */
	char *root;	/* the cgroup the mount shows (mountinfo "root") */
	char *own;	/* this process's cgroup there (/proc/self/cgroup), or NULL */
};

struct cgroup_host {
	enum cgroup_layout layout;
	struct cgroup_mount *m;
	size_t n;
};

/* Pure: from the text of /proc/self/mountinfo and /proc/self/cgroup. */
int cgroup_host_parse(const char *mountinfo, const char *proc_cgroup, struct cgroup_host *ret,
		      struct ward_error **err);
int cgroup_host_detect(struct cgroup_host *ret, struct ward_error **err);
void cgroup_host_clear(struct cgroup_host *h);

/*
 * cgroupsPath (or NULL/"" for "/ward/<id>") into components joined by '/'
 * without a leading slash; *ret_relative when it was relative (to this
 * process's own cgroup, as runc does).
 */
int cgroup_path_normalize(const char *cgroups_path, const char *id, char **ret, bool *ret_relative,
			  struct ward_error **err);

/* ---- a located cgroup ---------------------------------------------------- */

struct cgroup_hier {
	bool v2;
	uint32_t ctrls;
	char *mount;
	char *path; /* the container's cgroup directory: mount + "/" + relative */
	/* create only: how many trailing components of path ward made (the leaf
	 * and any parents), so a failed create removes exactly those. */
	size_t n_created;
};

struct ward_cgroup {
	enum cgroup_layout layout;
	struct cgroup_hier *h;
	size_t n;
};

static inline void
ward_cgroup_freep(struct ward_cgroup **cg)
{
	ward_cgroup_free(*cg);
}

/* ward_cgroup_create on a given host description (tests use a synthetic one,
 * e.g. only the unified hierarchy of a hybrid host, to run the v2 code). */
int cgroup_create_on(const struct cgroup_host *host, const char *cgroups_path, const char *id,
		     const struct ward_cgroup_resources *res, pid_t pid, struct ward_cgroup **ret,
		     struct ward_error **err);

/* The hierarchy serving controller c, or NULL. On v2 layout every controller
 * is on the unified one. */
const struct cgroup_hier *cgroup_find(const struct ward_cgroup *cg, enum cgroup_ctrl c);
const struct cgroup_hier *cgroup_unified(const struct ward_cgroup *cg);

/* ---- control files -------------------------------------------------------
 * Writes go in one write(2) (cgroupfs parses each write as one value), with
 * O_NOFOLLOW and never O_CREAT. Errors name dir/file. ENOENT becomes
 * WARD_E_UNSUPPORTED: the kernel or the hierarchy lacks that file.
 */
int cgroup_write(const char *dir, const char *file, const char *value, struct ward_error **err);
int cgroup_writef(const char *dir, const char *file, struct ward_error **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cgroup_read(const char *dir, const char *file, char **ret, struct ward_error **err);
/* A single unsigned number (or "max" -> UINT64_MAX when max_ok). */
int cgroup_read_u64(const char *dir, const char *file, bool max_ok, uint64_t *ret,
		    struct ward_error **err);
/* "key value" line of a flat-keyed file (cgroup.events, cpu.stat). */
int cgroup_read_key_u64(const char *dir, const char *file, const char *key, uint64_t *ret,
			struct ward_error **err);
bool cgroup_file_exists(const char *dir, const char *file);
/* Wrap the error in *err with "<where>.<field>" and a hint from its errno. */
int cgroup_field_error(struct ward_error **err, const char *where, const char *field);

/* ---- per-version operations ---------------------------------------------- */

/* Refuse, before anything is created, resources this layout cannot apply. */
int cgroup_v1_check(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		    struct ward_error **err);
int cgroup_v2_check(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		    struct ward_error **err);
/* v1: after mkdir of a cpuset cgroup, fill empty cpus/mems from the parent,
 * from the hierarchy root down (a v1 cpuset with empty cpus refuses tasks). */
int cgroup_v1_cpuset_init(const struct cgroup_hier *h, struct ward_error **err);
/* v2: enable the available controllers in every ancestor's
 * cgroup.subtree_control (failures ignored, as runc does: a missing
 * controller fails later on the file that needs it, naming the field). */
void cgroup_v2_enable_controllers(const struct cgroup_hier *h);

int cgroup_v1_apply(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		    bool update, struct ward_error **err);
int cgroup_v2_apply(const struct cgroup_hier *h, const struct ward_cgroup_resources *res,
		    bool update, struct ward_error **err);
/* rdma.max lines, the same on v1 and v2. */
int cgroup_rdma_apply(const char *dir, const struct ward_cgroup_resources *res,
		      struct ward_error **err);

int cgroup_v1_freeze(const struct cgroup_hier *h, bool frozen, struct ward_error **err);
int cgroup_v1_is_frozen(const struct cgroup_hier *h, struct ward_error **err);
int cgroup_v2_freeze(const struct cgroup_hier *h, bool frozen, struct ward_error **err);
int cgroup_v2_is_frozen(const struct cgroup_hier *h, struct ward_error **err);

/* Fill the "cpu", "memory" and "pids" members of a stats object. */
void cgroup_v1_stats(const struct ward_cgroup *cg, json_t *out);
void cgroup_v2_stats(const struct cgroup_hier *h, json_t *out);

/* Conversions of v1-style values to v2 files (as runc converts them). */
uint64_t cgroup_v2_cpu_weight(uint64_t shares);
uint64_t cgroup_v2_io_weight(uint64_t blkio_weight);
/* memory.swap.max from OCI swap (memory+swap) and limit; -1 = "max". */
int cgroup_v2_swap_max(int64_t swap, int64_t limit, int64_t *ret);

#endif
