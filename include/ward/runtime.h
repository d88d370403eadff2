/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward runtime: the OCI runtime spec (config.json) parsed into typed,
 * validated structures, and the container lifecycle built on them.
 *
 * Parsing validates *everything* before any side effect, so a hostile
 * config.json fails with an error naming the field and leaves nothing behind.
 */
#ifndef WARD_RUNTIME_H
#define WARD_RUNTIME_H

#include <sys/types.h>

#include <ward/util.h>

/* ---- limits on untrusted config.json ------------------------------------ */
#define WARD_SPEC_MAX_SIZE (4u << 20)   /* bytes of config.json */
#define WARD_SPEC_MAX_ARGS 65536        /* process.args / env entries */
#define WARD_SPEC_MAX_MOUNTS 4096
#define WARD_SPEC_MAX_LIST 4096         /* generic list cap (devices, paths, ...) */
#define WARD_SPEC_MAX_IDMAPS 340        /* kernel limit on uid_map lines */
#define WARD_SPEC_MAX_HOOKS 256         /* per kind */

/* ---- sub-configurations owned by their own modules ---------------------- */

struct ward_seccomp;       /* linux.seccomp          (runtime/seccomp.c) */
struct ward_cgroup_resources; /* linux.resources     (runtime/cgroup*.c) */
struct ward_procattr;      /* process: user, capabilities, rlimits, nnp,
			      oomScoreAdj, scheduler, ioPriority (runtime/procattr.c) */

/* linux.seccomp ----------------------------------------------------------- */
WARD_PUBLIC int ward_seccomp_parse(json_t *seccomp, const char *where, struct ward_seccomp **ret,
				   struct ward_error **err);
WARD_PUBLIC void ward_seccomp_free(struct ward_seccomp *s);
/* ward_seccomp_parse through a cache of compiled programs in cache_dirfd
 * (a root-only directory; -1: no cache). A hit needs the exact profile text
 * the entry was compiled from, the same libseccomp, kernel API level and
 * native architecture; anything else compiles as ward_seccomp_parse does.
 * *ret_hit (may be NULL) says which happened. */
WARD_PUBLIC int ward_seccomp_parse_cached(json_t *seccomp, const char *where, int cache_dirfd,
					  struct ward_seccomp **ret, bool *ret_hit,
					  struct ward_error **err);
/* True when the profile uses SCMP_ACT_NOTIFY and must hand a listener fd out. */
WARD_PUBLIC bool ward_seccomp_wants_listener(const struct ward_seccomp *s);
WARD_PUBLIC const char *ward_seccomp_listener_path(const struct ward_seccomp *s);
WARD_PUBLIC const char *ward_seccomp_listener_metadata(const struct ward_seccomp *s);
/* Load into the calling thread/process (no_new_privs is the caller's job).
 * *ret_listener_fd: the notify fd when the profile wants one, else -1. */
WARD_PUBLIC int ward_seccomp_load(const struct ward_seccomp *s, int *ret_listener_fd,
				  struct ward_error **err);
/* Send the listener fd and the container process state (the OCI
 * "containerProcessState" JSON) to the agent at listenerPath. */
WARD_PUBLIC int ward_seccomp_send_listener(const char *listener_path, int listener_fd,
					   const char *state_json, struct ward_error **err);
/* The "seccomp" member of the OCI features document. */
WARD_PUBLIC json_t *ward_seccomp_features(void);

/* linux.resources --------------------------------------------------------- */
struct ward_cgroup;  /* a container's cgroup, located on this host */

WARD_PUBLIC int ward_cgroup_resources_parse(json_t *resources, const char *where,
					    struct ward_cgroup_resources **ret,
					    struct ward_error **err);
WARD_PUBLIC void ward_cgroup_resources_free(struct ward_cgroup_resources *r);
/*
 * Create the cgroup (cgroupsPath, or a default derived from id when NULL),
 * apply resources (may be NULL) and move pid into it. On v1, v2 and the
 * hybrid layout (v1 controllers + cgroup2 at /sys/fs/cgroup/unified).
 * On failure nothing is left behind.
 */
WARD_PUBLIC int ward_cgroup_create(const char *cgroups_path, const char *id,
				   const struct ward_cgroup_resources *res, pid_t pid,
				   struct ward_cgroup **ret, struct ward_error **err);
/* Persist / restore the location, for state.json. */
WARD_PUBLIC json_t *ward_cgroup_to_json(const struct ward_cgroup *cg);
WARD_PUBLIC int ward_cgroup_from_json(json_t *j, struct ward_cgroup **ret,
				      struct ward_error **err);
WARD_PUBLIC void ward_cgroup_free(struct ward_cgroup *cg);
/* An fd of the cgroup2 directory (on a pure v2 host, or the unified one of a
 * hybrid host) for clone3's CLONE_INTO_CGROUP; -EOPNOTSUPP (no error set)
 * on a pure v1 host. */
WARD_PUBLIC int ward_cgroup_clone_fd(const struct ward_cgroup *cg, struct ward_error **err);
/* Move another process (exec) into the container's cgroup. */
WARD_PUBLIC int ward_cgroup_enter(const struct ward_cgroup *cg, pid_t pid,
				  struct ward_error **err);
/* A single-threaded process can move itself into every hierarchy
 * of a cgroup v1 host without the RCU grace period a migration by pid
 * costs (10 ms here): it writes "0" into the v1 `tasks` files, opened for
 * it by the runtime (the kernel checks the opener's credentials, so this
 * works in a user namespace too). A cgroup2 directory needs the
 * threadgroup lock: be born there (clone3 CLONE_INTO_CGROUP) instead. */
#define WARD_CGROUP_MAX_HIERARCHIES 32 /* v1 hierarchies + the unified one */
struct ward_cgroup_attach {
	int v1[WARD_CGROUP_MAX_HIERARCHIES]; /* `tasks` of each v1 hierarchy */
	size_t n_v1;
	int v2;                         /* cgroup.procs of the cgroup2 one, or -1 */
};
WARD_PUBLIC int ward_cgroup_attach_open(const struct ward_cgroup *cg, struct ward_cgroup_attach *a,
					struct ward_error **err);
/* Write "0" into each (the cgroup2 one unless born_in_v2), then close all. */
WARD_PUBLIC int ward_cgroup_attach_self(struct ward_cgroup_attach *a, bool born_in_v2,
					struct ward_error **err);
WARD_PUBLIC void ward_cgroup_attach_close(struct ward_cgroup_attach *a);

/* All pids in the cgroup (and below). *ret is malloc'd. */
WARD_PUBLIC int ward_cgroup_pids(const struct ward_cgroup *cg, pid_t **ret, size_t *ret_n,
				 struct ward_error **err);
/* Freeze or thaw (pause/resume); waits until the state is reached. */
WARD_PUBLIC int ward_cgroup_freeze(const struct ward_cgroup *cg, bool frozen,
				   struct ward_error **err);
/* 1 frozen, 0 not, negative on error. */
WARD_PUBLIC int ward_cgroup_is_frozen(const struct ward_cgroup *cg, struct ward_error **err);
WARD_PUBLIC int ward_cgroup_update(const struct ward_cgroup *cg,
				   const struct ward_cgroup_resources *res,
				   struct ward_error **err);
/* Remove the cgroup directories (the processes must be gone). */
WARD_PUBLIC int ward_cgroup_destroy(const struct ward_cgroup *cg, struct ward_error **err);
/* JSON stats for `ward-oci events --stats`-style output (memory, pids, cpu). */
WARD_PUBLIC json_t *ward_cgroup_stats(const struct ward_cgroup *cg);
/* The "cgroup" member of the OCI features document. */
WARD_PUBLIC json_t *ward_cgroup_features(void);

/* process attributes ------------------------------------------------------ */
WARD_PUBLIC int ward_procattr_parse(json_t *process, const char *where,
				    struct ward_procattr **ret, struct ward_error **err);
WARD_PUBLIC void ward_procattr_free(struct ward_procattr *p);
/* Overrides from `exec` flags. user: "uid[:gid]"; caps are added to all sets. */
WARD_PUBLIC int ward_procattr_set_user(struct ward_procattr *p, const char *user,
				       struct ward_error **err);
WARD_PUBLIC int ward_procattr_add_cap(struct ward_procattr *p, const char *cap,
				      struct ward_error **err);
WARD_PUBLIC void ward_procattr_set_no_new_privs(struct ward_procattr *p, bool on);
WARD_PUBLIC bool ward_procattr_no_new_privs(const struct ward_procattr *p);
/* Written by the runtime for pid (lowering needs host privilege). */
WARD_PUBLIC int ward_procattr_apply_oom_score_adj(const struct ward_procattr *p, pid_t pid,
						  struct ward_error **err);
/* In the container, still privileged: rlimits, scheduler, ioPriority. */
WARD_PUBLIC int ward_procattr_apply_privileged(const struct ward_procattr *p,
					       struct ward_error **err);
/* The capabilities the process asks for can be granted by this process (it
 * holds every permitted one; every new inheritable one is in the bounding
 * set). In a new user namespace the answer is there, not here. */
WARD_PUBLIC int ward_procattr_check_caps(const struct ward_procattr *p,
					 struct ward_error **err);
/* In the container, last before seccomp and execve: additionalGids, gid, uid,
 * umask, then the capability sets (bounding, effective, permitted,
 * inheritable, ambient) and no_new_privs. */
WARD_PUBLIC int ward_procattr_apply_identity(const struct ward_procattr *p,
					     struct ward_error **err);
/* Capability names this build knows, for the features document. */
WARD_PUBLIC json_t *ward_procattr_known_caps(void);

/* ---- the spec ----------------------------------------------------------- */

enum ward_ns_type {
	WARD_NS_PID,
	WARD_NS_NETWORK,
	WARD_NS_MOUNT,
	WARD_NS_IPC,
	WARD_NS_UTS,
	WARD_NS_USER,
	WARD_NS_CGROUP,
	WARD_NS_TIME,
	WARD_NS_COUNT
};

struct ward_spec_namespace {
	bool enabled;   /* listed in linux.namespaces */
	char *path;     /* join this one instead of creating; NULL = new */
};

struct ward_idmap {
	uint32_t container_id, host_id, size;
};

struct ward_mount {
	char *destination;
	char *type;
	char *source;
	unsigned long flags;       /* MS_* to set */
	unsigned long clear_flags; /* MS_* the options cleared (e.g. "rw", "suid") */
	unsigned long propagation; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) */
	char *data;                /* remaining filesystem options, comma separated */
	bool bind, recursive;
	bool rro;                  /* recursive read-only (mount_setattr) */
	bool idmap;                /* "idmap"/"ridmap" (refused when unsupported) */
};

struct ward_device {
	char *path;
	char type;          /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	mode_t file_mode;
	bool has_file_mode;
	uid_t uid;
	gid_t gid;
	bool has_uid, has_gid;
};

enum ward_hook_kind {
	WARD_HOOK_PRESTART,
	WARD_HOOK_CREATE_RUNTIME,
	WARD_HOOK_CREATE_CONTAINER,
	WARD_HOOK_START_CONTAINER,
	WARD_HOOK_POSTSTART,
	WARD_HOOK_POSTSTOP,
	WARD_HOOK_KIND_COUNT
};

struct ward_hook {
	char *path;
	char **args;
	char **env;
	int64_t timeout; /* seconds, 0 = none */
};

struct ward_hook_list {
	struct ward_hook *v;
	size_t n;
};

struct ward_sysctl {
	char *key, *value;
};

struct ward_process {
	bool terminal;
	unsigned console_height, console_width;
	char *cwd;
	char **args;
	char **env;
	char *apparmor_profile, *selinux_label;
	struct ward_procattr *attr;
};

struct ward_spec {
	char *oci_version;
	char *root_path;        /* as written (relative to the bundle unless absolute) */
	bool root_readonly;
	char *hostname, *domainname;
	struct ward_process *process; /* NULL allowed for create-only configs */
	struct ward_mount *mounts;
	size_t n_mounts;
	struct ward_hook_list hooks[WARD_HOOK_KIND_COUNT];
	json_t *annotations;    /* object of strings, kept for state */

	/* linux */
	struct ward_spec_namespace ns[WARD_NS_COUNT];
	struct ward_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct ward_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct ward_cgroup_resources *resources;
	struct ward_sysctl *sysctl;
	size_t n_sysctl;
	struct ward_seccomp *seccomp;
	json_t *seccomp_json; /* with WARD_SPEC_SECCOMP_DEFERRED: linux.seccomp, not compiled */
	unsigned long rootfs_propagation; /* 0 = default (rslave of the host) */
	char **masked_paths, **readonly_paths;
	char *mount_label;
	bool has_personality;
	unsigned long personality;
	int64_t time_offsets[2][2]; /* [monotonic, boottime][secs, nanosecs] */
	bool has_time_offsets;
};

/* Parse and validate config.json text. Errors name the field. */
WARD_PUBLIC int ward_spec_parse(const char *buf, size_t len, struct ward_spec **ret,
				struct ward_error **err);
WARD_PUBLIC int ward_spec_load(int bundle_fd, struct ward_spec **ret, struct ward_error **err);
/* Skip compiling linux.seccomp (spec->seccomp stays NULL): for verbs that
 * only need hooks or the process, since compiling a large profile costs
 * milliseconds. */
#define WARD_SPEC_NO_SECCOMP 1u
/* Validate everything but keep linux.seccomp as JSON (spec->seccomp_json)
 * for the caller to compile, e.g. through ward_seccomp_parse_cached. */
#define WARD_SPEC_SECCOMP_DEFERRED 2u
WARD_PUBLIC int ward_spec_parse_flags(const char *buf, size_t len, unsigned flags,
				      struct ward_spec **ret, struct ward_error **err);
WARD_PUBLIC int ward_spec_load_flags(int bundle_fd, unsigned flags, struct ward_spec **ret,
				     struct ward_error **err);
WARD_PUBLIC void ward_spec_free(struct ward_spec *s);
/* Parse a process object (config.json "process", or `exec --process FILE`). */
WARD_PUBLIC int ward_process_parse(json_t *process, const char *where, struct ward_process **ret,
				   struct ward_error **err);
WARD_PUBLIC void ward_process_free(struct ward_process *p);
WARD_PUBLIC int ward_hooks_parse(json_t *hooks, struct ward_hook_list out[WARD_HOOK_KIND_COUNT],
				 struct ward_error **err);
WARD_PUBLIC void ward_hooks_clear(struct ward_hook_list hooks[WARD_HOOK_KIND_COUNT]);
WARD_PUBLIC const char *ward_ns_name(enum ward_ns_type t);      /* "pid", "network", ... */
WARD_PUBLIC int ward_ns_clone_flag(enum ward_ns_type t);        /* CLONE_NEWPID, ... */
WARD_PUBLIC const char *ward_ns_proc_name(enum ward_ns_type t); /* "pid", "net", ... */

/* A default config.json like `runc spec` (rootless: user namespace, no
 * network ns, bind-mounted /sys). Caller frees with json_decref. */
WARD_PUBLIC json_t *ward_spec_default(bool rootless);

/* ---- hooks -------------------------------------------------------------- */

/* Run each hook of the list with state_json on stdin; honour timeouts. A
 * failing hook is an error naming it. */
WARD_PUBLIC int ward_hooks_run(const struct ward_hook_list *hooks, const char *kind_name,
			       const char *state_json, struct ward_error **err);

/* ---- the container lifecycle (runc's command set) ----------------------- */

#define WARD_OCI_VERSION "1.2.0"
#define WARD_ID_MAX 1024

struct ward_runtime {
	const char *state_root;     /* --root: state of live containers */
	struct ward_log log;
	bool systemd_cgroup;
};

struct ward_create_opts {
	const char *id;
	const char *bundle;         /* directory holding config.json */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;      /* fds 3 .. 3+N-1 are passed to the container */
};

struct ward_exec_opts {
	const char *id;
	struct ward_process *process; /* owned by the caller */
	const char *console_socket;
	const char *pid_file;
	bool detach;
	unsigned preserve_fds;
};

/* Validate id: [A-Za-z0-9][A-Za-z0-9_+.-]*, at most WARD_ID_MAX bytes. */
WARD_PUBLIC int ward_container_check_id(const char *id, struct ward_error **err);
/* `create`: the container waits, set up, for `start`. */
WARD_PUBLIC int ward_container_create(const struct ward_runtime *rt,
				      const struct ward_create_opts *o, pid_t *ret_pid,
				      struct ward_error **err);
WARD_PUBLIC int ward_container_start(const struct ward_runtime *rt, const char *id,
				     struct ward_error **err);
/* `run`: create + start; unless detach, wait, forward signals, delete, and
 * return the exit status (128+signal when killed) in *ret_status. */
WARD_PUBLIC int ward_container_run(const struct ward_runtime *rt, const struct ward_create_opts *o,
				   bool detach, int *ret_status, struct ward_error **err);
/* The OCI state JSON of one container (plus ward's private fields removed). */
WARD_PUBLIC int ward_container_state(const struct ward_runtime *rt, const char *id, json_t **ret,
				     struct ward_error **err);
/* An array like `runc list --format json`. */
WARD_PUBLIC int ward_container_list(const struct ward_runtime *rt, json_t **ret,
				    struct ward_error **err);
WARD_PUBLIC int ward_container_kill(const struct ward_runtime *rt, const char *id, int sig,
				    bool all, struct ward_error **err);
WARD_PUBLIC int ward_container_delete(const struct ward_runtime *rt, const char *id, bool force,
				      struct ward_error **err);
WARD_PUBLIC int ward_container_pause(const struct ward_runtime *rt, const char *id,
				     struct ward_error **err);
WARD_PUBLIC int ward_container_resume(const struct ward_runtime *rt, const char *id,
				      struct ward_error **err);
WARD_PUBLIC int ward_container_pids(const struct ward_runtime *rt, const char *id, pid_t **ret,
				    size_t *ret_n, struct ward_error **err);
/* Apply a linux.resources object to a live container (and remember it). */
WARD_PUBLIC int ward_container_update(const struct ward_runtime *rt, const char *id,
				      json_t *resources, struct ward_error **err);
WARD_PUBLIC int ward_container_stats(const struct ward_runtime *rt, const char *id, json_t **ret,
				     struct ward_error **err);
/* The container's config.json as stored at create (for exec defaults). */
WARD_PUBLIC int ward_container_spec(const struct ward_runtime *rt, const char *id,
				    struct ward_spec **ret, struct ward_error **err);
/* The raw config.json stored at create, parsed (untrusted checks applied). */
WARD_PUBLIC int ward_container_config_json(const struct ward_runtime *rt, const char *id,
					   json_t **ret, struct ward_error **err);
/* `exec`: run another process in the container. Unless detach, waits and
 * returns its exit status. */
WARD_PUBLIC int ward_container_exec(const struct ward_runtime *rt, const struct ward_exec_opts *o,
				    int *ret_status, struct ward_error **err);
/* The OCI features document (`ward-oci features`). */
WARD_PUBLIC json_t *ward_runtime_features(void);
/*
 * CVE-2019-5736: re-execute from a sealed memfd copy of our own binary, so a
 * container that reaches /proc/<pid>/exe of the runtime finds a read-only,
 * anonymous copy instead of the host file. Returns 0 when already running
 * from such a copy; otherwise does not return on success.
 */
WARD_PUBLIC int ward_runtime_ensure_cloned_binary(char **argv, struct ward_error **err);
/* ---- generating a config.json (for `ward run`) ------------------------- */

/* What an image config says about running it (OCI image config "config"). */
struct ward_image_run_config {
	char **env;        /* KEY=VALUE */
	char **entrypoint;
	char **cmd;
	const char *workdir;
	const char *user;  /* "uid", "uid:gid", "name", "name:group" */
};

struct ward_volume {
	const char *source;      /* host path */
	const char *destination; /* container path */
	bool readonly;
};

/* podman/docker run flags that shape the OCI config. Zero = default. */
struct ward_run_opts {
	char **command;           /* CMD... after the image (replaces the image's cmd) */
	const char *entrypoint;   /* --entrypoint (replaces the image's entrypoint) */
	bool has_entrypoint;      /* --entrypoint "" clears it */
	char **env;               /* -e KEY=VALUE (a bare KEY is left to the caller) */
	const char *user;         /* -u */
	const char *workdir;      /* -w */
	const char *hostname;     /* --hostname */
	bool tty;                 /* -t */
	bool read_only;           /* --read-only */
	bool privileged;          /* --privileged: all caps, no seccomp, no masking */
	bool allow_new_privileges; /* --security-opt no-new-privileges=false */
	bool network_host;        /* --network host (default: none, a private netns) */
	char **cap_add, **cap_drop; /* "CAP_X", "X" or "ALL" */
	const char *seccomp_json; /* a profile's text; NULL = the default profile */
	bool seccomp_unconfined;
	int64_t memory;           /* bytes, 0 = unlimited */
	int64_t cpus_milli;       /* --cpus 1.5 = 1500, 0 = unlimited */
	int64_t pids_limit;       /* 0 = default (2048 is podman's), -1 unlimited */
	const struct ward_volume *volumes;
	size_t n_volumes;
	char **tmpfs;             /* container paths */
	const char *init_path;    /* --init: host path of ward-init, bind-mounted read-only at
				     WARD_INIT_DEST and run as PID 1 with the command after "--" */
};

#define WARD_INIT_DEST "/run/ward-init"


/*
 * Build config.json (as JSON) for rootfs from the image's run config and the
 * flags, with ward's defaults: Docker's default capability set, no new
 * privileges, masked and read-only /proc and /sys paths, private namespaces,
 * a pids limit. rootfs_fd (the rootfs, for resolving user and group names
 * in its /etc/passwd and /etc/group) may be -1 for numeric users only.
 * linux.seccomp: o->seccomp_json if given, else ward's default profile,
 * none when unconfined or privileged.
 */
WARD_PUBLIC int ward_spec_generate(const struct ward_image_run_config *img,
				   const struct ward_run_opts *o, const char *rootfs, int rootfs_fd,
				   json_t **ret, struct ward_error **err);
/* ward's default seccomp profile (Docker's syscall set) as linux.seccomp
 * JSON, for a container with the capabilities in caps (array of names). */
WARD_PUBLIC json_t *ward_seccomp_default_profile(json_t *caps);
/* Docker's default capability set, NULL-terminated. */
WARD_PUBLIC const char *const *ward_default_capabilities(void);


/* ---- process information from /proc (src/runtime/procinfo.c) ------------ *
 * For `ward top`. A container writes its processes' names and command lines,
 * so these parsers treat /proc text as hostile: lengths are bounded, and
 * control characters (terminal escapes) become '?' before anything is shown.
 */

struct ward_proc_stat {
	pid_t ppid;
	int tty_nr;
	unsigned long long utime, stime, start; /* clock ticks; start since boot */
	char comm[64];				/* control characters replaced by '?' */
};

/* Parse /proc/PID/stat text (buf, len): comm may hold spaces and ')', so the
 * fields resume after the last ')'. -EINVAL when it does not parse. */
WARD_PUBLIC int ward_proc_parse_stat(const char *buf, size_t len, struct ward_proc_stat *ret);

struct ward_proc_status {
	bool has_euid;
	uid_t euid;    /* effective uid (the Uid: line's second field) */
	pid_t ns_pid;  /* the innermost NSpid; 0 when the line is absent */
};

/* Parse /proc/PID/status text: the Uid and NSpid lines; anything else is
 * ignored. Never fails: absent lines leave has_euid false / ns_pid 0. */
WARD_PUBLIC void ward_proc_parse_status(const char *buf, size_t len, struct ward_proc_status *ret);

/* The name /etc/passwd text (buf, len) gives uid, as ps shows it: true and
 * the name (control characters replaced) in name[size] when a line has that
 * numeric uid and a name that fits; false otherwise. */
WARD_PUBLIC bool ward_passwd_name(const char *buf, size_t len, uid_t uid, char *name, size_t size);

/* Replace control characters (bytes < 0x20 and 0x7f) by '?' in place. */
WARD_PUBLIC void ward_terminal_sanitize(char *s);

#endif
