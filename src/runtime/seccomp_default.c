/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward's default seccomp profile: the syscall set Docker's default profile
 * allows, written as a table here. Everything else fails with EPERM, except
 * clone3, which fails with ENOSYS so that libc falls back to clone, whose
 * namespace flags the filter can inspect. Syscalls that only make sense
 * with a capability are allowed only when the container has it.
 */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

static const char *const always_allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
	"clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
	"clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
	"eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
	"faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
	"fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
	"fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
	"fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
	"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
	"get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
	"gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
	"listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
	"lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
	"mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
	"prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
	"pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
	"recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
	"renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
	"rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
	"symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
	"time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
	"tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
	"waitid", "waitpid", "write", "writev",
	/* x86 specifics that Docker allows on amd64 */
	"arch_prctl", "modify_ldt",
	/* Allowed by Docker since kernel 4.8, when seccomp is checked again after
	 * ptrace, so a tracer cannot bypass the filter. */
	"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
	"ptrace",
	NULL,
};

/* Syscalls a capability makes meaningful; allowed only with it. */
static const struct {
	const char *cap;
	const char *const names[24];
} by_capability[] = {
	{"CAP_SYS_ADMIN",
	 {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	  "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
	  "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
	  "umount2", "unshare", NULL}},
	{"CAP_SYS_BOOT", {"reboot", NULL}},
	{"CAP_SYS_CHROOT", {"chroot", NULL}},
	{"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module", NULL}},
	{"CAP_SYS_PACCT", {"acct", NULL}},
	{"CAP_SYS_RAWIO", {"iopl", "ioperm", NULL}},
	{"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL}},
	{"CAP_SYS_TTY_CONFIG", {"vhangup", NULL}},
	{"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node",
			  NULL}},
	{"CAP_SYSLOG", {"syslog", NULL}},
	{"CAP_BPF", {"bpf", NULL}},
	{"CAP_PERFMON", {"perf_event_open", NULL}},
};

/* The namespace flags clone must not carry without CAP_SYS_ADMIN:
 * CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP. */
#define CLONE_NS_FLAGS 0x7E020000ULL

static bool
has_cap(json_t *caps, const char *cap)
{
	size_t i;
	json_t *v;

	json_array_foreach(caps, i, v) if (strcmp(json_string_value(v), cap) == 0) return true;
	return false;
}

static json_t *
names(const char *const *v)
{
	json_t *a = json_array();

	for (; a && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

json_t *
ward_seccomp_default_profile(json_t *caps)
{
	json_t *syscalls = json_array(), *p;
	bool sys_admin = has_cap(caps, "CAP_SYS_ADMIN");

	json_array_append_new(syscalls, json_pack("{s:o, s:s}", "names", names(always_allowed),
						  "action", "SCMP_ACT_ALLOW"));
	/* personality: only the domains programs use, never e.g. READ_IMPLIES_EXEC. */
	{
		static const json_int_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
		for (size_t i = 0; i < WARD_ARRAY_SIZE(personas); i++)
			json_array_append_new(
				syscalls,
				json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", "personality",
					  "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value",
					  personas[i], "op", "SCMP_CMP_EQ"));
	}
	/* socket: every family but AF_VSOCK (40), which reaches the host. */
	json_array_append_new(syscalls,
			      json_pack("{s:[s], s:s, s:[{s:i, s:i, s:s}]}", "names", "socket",
					"action", "SCMP_ACT_ALLOW", "args", "index", 0, "value", 40,
					"op", "SCMP_CMP_NE"));
	if (!sys_admin) {
		/* clone without namespace flags; clone3 hides its flags in
		 * memory the filter cannot read, so it reports ENOSYS. */
		json_array_append_new(
			syscalls, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}", "names",
					    "clone", "action", "SCMP_ACT_ALLOW", "args", "index", 0,
					    "value", (json_int_t)CLONE_NS_FLAGS, "valueTwo", 0, "op",
					    "SCMP_CMP_MASKED_EQ"));
		json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:i}", "names", "clone3",
							  "action", "SCMP_ACT_ERRNO", "errnoRet",
							  ENOSYS));
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(by_capability); i++)
		if (has_cap(caps, by_capability[i].cap))
			json_array_append_new(syscalls,
					      json_pack("{s:o, s:s}", "names",
							names(by_capability[i].names), "action",
							"SCMP_ACT_ALLOW"));
	p = json_pack("{s:s, s:i, s:[s,s,s], s:o}", "defaultAction", "SCMP_ACT_ERRNO",
		      "defaultErrnoRet", EPERM, "architectures", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
		      "SCMP_ARCH_X32", "syscalls", syscalls);
	return p;
}
