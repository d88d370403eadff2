/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/runtime. */
#ifndef WARD_RUNTIME_INTERNAL_H
#define WARD_RUNTIME_INTERNAL_H

#include <signal.h>

#include <ward/runtime.h>

/* spec.c */
int ward_spec_parse_propagation(const char *name, unsigned long *ret);
int ward_spec_check_container_path(const char *path, const char *where, struct ward_error **err);
const char *ward_hook_kind_name(enum ward_hook_kind k);

/* sync.c: the create/exec parent and the container process talk over a
 * SOCK_SEQPACKET pair, one message per step. */
enum ward_sync_type {
	WARD_SYNC_ERROR = 1,   /* child failed: errnum, kind, msg */
	WARD_SYNC_GO,          /* parent: ids mapped, cgroup joined */
	WARD_SYNC_MOUNTS_DONE, /* child: mounts done, waiting for createRuntime hooks */
	WARD_SYNC_HOOKS_DONE,  /* parent: createRuntime hooks ran */
	WARD_SYNC_READY,       /* child: set up, waiting on exec.fifo */
	WARD_SYNC_PID,         /* intermediate: pid of the real child */
	WARD_SYNC_SECCOMP_FD,  /* child: seccomp listener fd attached */
	WARD_SYNC_CGROUP_DONE, /* parent: the child is in its cgroup */
};

#define WARD_SYNC_MSG_MAX 2048

struct ward_sync_msg {
	uint32_t type;
	int32_t errnum;
	int32_t kind;
	int32_t pid;
	char msg[WARD_SYNC_MSG_MAX];
};

int ward_sync_send(int fd, uint32_t type, int32_t pid, int pass_fd);
int ward_sync_send_error(int fd, const struct ward_error *e);
/* Receive one message; a WARD_SYNC_ERROR becomes *err. Expects `type`.
 * ret_fd (may be NULL) receives a passed descriptor. EOF is an error that
 * says the process died. */
int ward_sync_expect(int fd, uint32_t type, struct ward_sync_msg *m, int *ret_fd,
		     const char *who, struct ward_error **err);

/* state.c */
enum ward_status {
	WARD_STATUS_CREATING,
	WARD_STATUS_CREATED,
	WARD_STATUS_RUNNING,
	WARD_STATUS_PAUSED,
	WARD_STATUS_STOPPED,
};

struct ward_state {
	char *id;
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22: guards pid reuse */
	char *bundle;
	char *rootfs;
	char *created;                 /* RFC 3339 */
	char *owner;
	json_t *annotations;
	struct ward_cgroup *cgroup;
	/* Without a mount namespace: the id of the mount at rootfs before
	 * create, so delete can detach what init stacked there; else 0. */
	uint64_t rootfs_mount_id;
	bool no_process;               /* config.json has none: start must fail */
	int dirfd;                     /* the state directory, O_PATH */
};

const char *ward_status_name(enum ward_status s);
int ward_state_open_root(const struct ward_runtime *rt, bool create, struct ward_error **err);
int ward_state_load(const struct ward_runtime *rt, const char *id, struct ward_state **ret,
		    struct ward_error **err);
int ward_state_save(const struct ward_state *st, struct ward_error **err);
int ward_state_status(const struct ward_state *st, enum ward_status *ret,
		      struct ward_error **err);
json_t *ward_state_oci_json(const struct ward_state *st, enum ward_status status);
char *ward_state_oci_string(const struct ward_state *st, enum ward_status status);
void ward_state_free(struct ward_state *st);
static inline void
ward_state_freep(struct ward_state **st)
{
	ward_state_free(*st);
}
int ward_proc_start_time(pid_t pid, unsigned long long *ret);
/* pidfd of pid, or -1 with *err set when it is gone or reused. */
int ward_state_pidfd(const struct ward_state *st, struct ward_error **err);
int ward_write_pid_file(const char *path, pid_t pid, struct ward_error **err);
/* Remove the state directory itself. */
int ward_state_remove(const struct ward_runtime *rt, const char *id, struct ward_error **err);

/* hooks.c: run every hook of the list, logging failures as warnings. */
void ward_hooks_run_warn(const struct ward_hook_list *hooks, const char *kind_name,
			 const char *state_json, const struct ward_log *log, const char *id);

/* terminal.c */
/* Make a pty in the current mount namespace (its /dev/ptmx), send the master
 * over console_fd, and make the slave the caller's controlling terminal and
 * stdio. */
int ward_terminal_setup(int console_fd, unsigned height, unsigned width,
			struct ward_error **err);
int ward_console_connect(const char *path, struct ward_error **err);
/* The runtime side of a foreground terminal (run/exec -t without a console
 * socket): receive the pty master the container made. Returns the fd. */
int ward_terminal_recv_master(int sock, struct ward_error **err);
void ward_terminal_copy_size(int from, int to);
/* Put fd (if a terminal) in raw mode; 1 when *saved must be restored. */
struct termios;
int ward_terminal_raw(int fd, struct termios *saved);
/* Wait for pid while copying stdin -> master -> stdout, forwarding signals
 * and window size changes. */
int ward_wait_with_terminal(pid_t pid, int master, int *ret_status, struct ward_error **err);

/* mounts.c: runs in the container's mount namespace before pivot_root */
struct ward_mount_ctx {
	const struct ward_spec *spec;
	const char *rootfs;  /* absolute host path */
	int rootfs_fd;       /* O_PATH of rootfs, after it became a mount */
	bool in_userns;      /* mknod is impossible: bind devices instead */
	bool new_cgroupns;
	/* No mount namespace in the config: we work in the runtime's mount
	 * table, so nothing may touch "/" and the root is entered by chroot. */
	bool host_mountns;
	/* Called once before a cgroup filesystem is mounted. */
	int (*before_cgroup)(void *data, struct ward_error **err);
	void *data;
};
int ward_mounts_prepare_rootfs(struct ward_mount_ctx *m, struct ward_error **err);
int ward_mounts_apply(struct ward_mount_ctx *m, struct ward_error **err);
int ward_mounts_create_devices(struct ward_mount_ctx *m, struct ward_error **err);
int ward_mounts_pivot(struct ward_mount_ctx *m, bool no_pivot, struct ward_error **err);
/* After pivot_root: maskedPaths, readonlyPaths, readonly root, propagation. */
int ward_mounts_finish(struct ward_mount_ctx *m, struct ward_error **err);
int ward_sysctl_apply(const struct ward_spec *s, struct ward_error **err);
/* The id of the topmost mount at path (statx STATX_MNT_ID), or 0. */
uint64_t ward_mount_id_at(const char *path);
/* A container without a mount namespace left its rootfs bind (and every
 * mount under it) in the runtime's mount table: detach it when the mount
 * at rootfs is no longer the one that was there before create. */
int ward_mounts_release_host_rootfs(const char *rootfs, uint64_t before, struct ward_error **err);

/* container.c: clone(2) with flags (and SIGCHLD), born in the cgroup2
 * directory cgroup_fd when >= 0 and the kernel lets us; then *ret_born is
 * set true, in the parent and in the child. */
pid_t ward_clone_in_cgroup(unsigned long flags, int cgroup_fd, bool *ret_born);

/* init.c: the container's first process, from clone to execve */
struct ward_init_args {
	const struct ward_spec *spec;
	const struct ward_process *process;
	const char *rootfs;
	const char *id;
	const char *bundle;
	int sync_fd;
	int state_dirfd;  /* for exec.fifo; -1 for `exec` */
	int console_fd;   /* -1 unless a console socket was given */
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;
	bool new_userns;
	bool in_cgroup;   /* the runtime said WARD_SYNC_CGROUP_DONE */
	bool host_mountns; /* the runtime's mount namespace: chroot, never pivot */
	/* Set: the cgroup exists and init moves itself in (see above). */
	struct ward_cgroup_attach *attach;
	bool born_in_v2;  /* clone3 CLONE_INTO_CGROUP put it in the cgroup2 one */
};
__attribute__((noreturn)) void ward_init_main(struct ward_init_args *a);
/* The last steps shared by init and exec: attributes, identity, seccomp, fds,
 * cwd and execve. Returns only on failure. */
int ward_process_exec(const struct ward_spec *spec, const struct ward_process *p,
		      const char *path, unsigned preserve_fds, int keep_fd, bool seccomp_loaded,
		      struct ward_error **err);
/* Wait for pid (our child), forwarding signals to it; exit status or
 * 128+signal. */
int ward_wait_forwarding(pid_t pid, int *ret_status, struct ward_error **err);
int ward_block_forwarded_signals(sigset_t *old);
int ward_container_create_internal(const struct ward_runtime *rt, const struct ward_create_opts *o,
				   int console_fd, pid_t *ret_pid, struct ward_error **err);
/* True when config.json in the bundle asks for a terminal. */
int ward_bundle_wants_terminal(const char *bundle, struct ward_error **err);
/* Find the executable for args[0] along PATH of env inside the current root. */
int ward_process_find_exec(const struct ward_process *p, char **ret, struct ward_error **err);

#endif
