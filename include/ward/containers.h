/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's container records (runtime subsystem): one row per container
 * `ward` made, in sqlite at <root>/ward.db, so `ward ps`, `logs`, `wait` and
 * friends work from any later process, and after a reboot a container whose
 * process died is reported as exited with the status its monitor recorded.
 *
 * The OCI runtime state of a live container stays where ward-oci keeps it
 * (<runroot>/<id>); these records are the engine's view on top of it.
 */
#ifndef WARD_CONTAINERS_H
#define WARD_CONTAINERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ward/util.h>

enum ward_ctr_status {
	WARD_CTR_CREATED, /* bundle and rootfs ready, never started */
	WARD_CTR_RUNNING,
	WARD_CTR_PAUSED,
	WARD_CTR_EXITED,
};

/* "created", "running", "paused", "exited" (podman's words). */
WARD_PUBLIC const char *ward_ctr_status_name(enum ward_ctr_status s);

struct ward_ctr_record {
	char *id;            /* 64 lowercase hex, as podman's; ps shows 12 */
	char *name;          /* unique; --name or generated */
	char *image;         /* as the user named it; NULL for --rootfs */
	char *image_digest;  /* manifest digest "sha256:..." the rootfs came from */
	char *command;       /* JSON array of the process args */
	char *bundle;        /* <root>/containers/<id> */
	char *log_path;      /* the container's stdout/stderr log */
	enum ward_ctr_status status;
	pid_t pid;           /* the container's init, host pid; 0 when not running */
	pid_t monitor_pid;   /* the process holding its stdio and waiting on it */
	int exit_code;       /* valid when status == WARD_CTR_EXITED */
	int64_t created_ms, started_ms, finished_ms; /* ms since the epoch, 0 = never */
	bool auto_remove;    /* --rm */
	char *spec_opts;     /* JSON: the run flags, so start/restart rebuild the same config */
	/* Added by the container store (ctr_db.c / monitor.c): */
	uint64_t pid_start;     /* starttime (field 22 of /proc/<pid>/stat) of pid, so a
				   reused pid is never taken for the container */
	uint64_t monitor_start; /* the same for monitor_pid */
	char *note;             /* why the state is what it is, e.g. "monitor died before the
				   container's exit was recorded"; NULL when nothing to say */
};

struct ward_ctr_db;

/* Open (creating when asked) <root>/ward.db. Safe against concurrent ward
 * processes: WAL journal, busy timeout, one transaction per change. */
WARD_PUBLIC int ward_ctr_db_open(const char *root, bool create, struct ward_ctr_db **ret,
				 struct ward_error **err);
WARD_PUBLIC void ward_ctr_db_close(struct ward_ctr_db *db);

/* Insert a new record; a name or id already in use is WARD_E_EXISTS naming it. */
WARD_PUBLIC int ward_ctr_db_insert(struct ward_ctr_db *db, const struct ward_ctr_record *r,
				   struct ward_error **err);
/* Replace the mutable fields (status, pids, exit code, times) of r->id. */
WARD_PUBLIC int ward_ctr_db_update(struct ward_ctr_db *db, const struct ward_ctr_record *r,
				   struct ward_error **err);
/* Find by full id, name, or unique id prefix; not found or ambiguous is an
 * error naming what was asked. */
WARD_PUBLIC int ward_ctr_db_get(struct ward_ctr_db *db, const char *id_or_name,
				struct ward_ctr_record **ret, struct ward_error **err);
/* All records, oldest first. *ret is NULL-terminated. */
WARD_PUBLIC int ward_ctr_db_list(struct ward_ctr_db *db, struct ward_ctr_record ***ret,
				 struct ward_error **err);
WARD_PUBLIC int ward_ctr_db_delete(struct ward_ctr_db *db, const char *id,
				   struct ward_error **err);
/* Like update, but only while the stored status is still `expect`
 * (compare-and-set, so a monitor and a reconciling `ps` never overwrite
 * each other's exit record). Returns 1 when the row changed, 0 when the
 * status had moved on. */
WARD_PUBLIC int ward_ctr_db_update_if(struct ward_ctr_db *db, const struct ward_ctr_record *r,
				      enum ward_ctr_status expect, struct ward_error **err);
/* Keep the exit of a container whose record goes away (--rm), so `wait`
 * still reports it; entries older than 10 minutes are pruned. */
WARD_PUBLIC int ward_ctr_db_exit_save(struct ward_ctr_db *db, const char *id, int exit_code,
				      int64_t finished_ms, struct ward_error **err);
/* 1 and *ret_code when an exit of the full id was kept, 0 when none. */
WARD_PUBLIC int ward_ctr_db_exit_get(struct ward_ctr_db *db, const char *id, int *ret_code,
				     struct ward_error **err);
/* Manifest digests of the images any container (in any state) was made
 * from, NULL-terminated: what `rmi` and `system prune` must keep. */
WARD_PUBLIC int ward_ctr_db_images_in_use(struct ward_ctr_db *db, char ***ret,
					  struct ward_error **err);

WARD_PUBLIC void ward_ctr_record_free(struct ward_ctr_record *r);
WARD_PUBLIC void ward_ctr_record_list_free(struct ward_ctr_record **v);

/* ---- ids, names, liveness (src/runtime/monitor.c) ----------------------- */

#define WARD_CTR_ID_LEN 64
#define WARD_CTR_NAME_MAX 128

/* 64 random lowercase hex digits into buf (at least WARD_CTR_ID_LEN + 1). */
WARD_PUBLIC int ward_ctr_new_id(char *buf, size_t size, struct ward_error **err);
/* podman's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most WARD_CTR_NAME_MAX bytes. */
WARD_PUBLIC int ward_ctr_check_name(const char *name, struct ward_error **err);
/* A free adjective_noun name (podman style); *ret is malloc'd. */
WARD_PUBLIC int ward_ctr_new_name(struct ward_ctr_db *db, char **ret, struct ward_error **err);
/* True when pid runs and is the process that had starttime `start` (field 22
 * of /proc/<pid>/stat, read through a pidfd so a reused pid never passes). */
WARD_PUBLIC bool ward_ctr_pid_alive(pid_t pid, uint64_t start);
/*
 * Make r tell the truth: a record that says created/running/paused whose
 * monitor and container are both gone (host reboot, killed monitor) becomes
 * exited, with the exit code the monitor wrote if it did (r is re-read), else
 * -1 and a note; a running container whose monitor died keeps running with a
 * note. The fix is written to the db. Returns 1 when r changed.
 */
WARD_PUBLIC int ward_ctr_reconcile(struct ward_ctr_db *db, struct ward_ctr_record *r,
				   struct ward_error **err);
/* Poll the full id until it is exited (reconciling) or timeout_ms passes
 * (< 0: forever). Returns 1 exited (*ret_code set; also for an --rm
 * container removed meanwhile, from the kept exit), 0 timeout; a record
 * gone without a kept exit is WARD_E_NOTFOUND. */
WARD_PUBLIC int ward_ctr_wait_exited(struct ward_ctr_db *db, const char *id, long timeout_ms,
				     int *ret_code, struct ward_error **err);

/* ---- the container log (k8s-file / CRI format, as podman's conmon) ------
 * <bundle>/ctr.log, one record per line:
 *   2026-12-02T05:00:00.123456789Z stdout F text
 * F ends a line, P is part of a longer line (continued by the next record).
 * At WARD_CTR_LOG_MAX bytes ctr.log is renamed to ctr.log.1 (replacing the
 * older one) and a new ctr.log begins: at most twice that much per container.
 */
#define WARD_CTR_LOG_MAX (8 << 20)
#define WARD_CTR_LOG_LINE_MAX (16 << 10) /* longer records are refused when read */

struct ward_ctr_log_line {
	const char *ts; /* points into the parsed buffer */
	size_t ts_len;
	bool is_stderr;
	bool partial;     /* "P": the line continues in the next record */
	const char *text; /* without the newline */
	size_t text_len;
};

/* Parse one record (buf without its newline). -EINVAL when malformed. */
WARD_PUBLIC int ward_ctr_log_parse_line(const char *buf, size_t len,
					struct ward_ctr_log_line *ret);

/* ---- the monitor (podman's conmon) ---------------------------------------
 * For every container the engine starts, a process detached from the CLI
 * (double fork, setsid, child subreaper) that creates and starts the
 * container with its stdio on pipes (or a pty), writes its output to the
 * log (and, when attached, to the CLI's stdout/stderr), waits for it,
 * records exit code and finish time in ward.db, deletes the runtime state,
 * unmounts rootfs_mount and, for auto_remove, removes the container
 * (<root>/containers/<id> and its record).
 */
struct ward_monitor_opts {
	const char *root;         /* engine root: ward.db, containers/ */
	const char *run_root;     /* runtime state of live containers */
	const char *id;
	const char *bundle;       /* <root>/containers/<id> */
	const char *log_path;
	const char *rootfs_mount; /* overlay to unmount after the exit; NULL: none */
	bool tty;                 /* config.json asks for a terminal */
	bool attach;              /* foreground: also copy output to our stdout/stderr */
	bool interactive;         /* with attach: forward our stdin */
	bool auto_remove;
	int64_t log_max;          /* 0: WARD_CTR_LOG_MAX */
};

struct ward_monitor {
	pid_t pid;          /* the container's init */
	pid_t monitor_pid;
	int report_fd;      /* the monitor's reports; -1 once closed */
	bool tty;
};

/* Start the monitor and, through it, the container. Returns once the
 * container runs (its record says running) or failed to start (the error
 * the runtime gave; the record says exited). */
WARD_PUBLIC int ward_monitor_spawn(const struct ward_monitor_opts *o, struct ward_monitor *ret,
				   struct ward_error **err);
/* Foreground: forward signals to the container (the terminal in raw mode
 * with a tty) until the monitor reports the exit; *ret_status is the exit
 * code (128+N when killed by signal N). A monitor gone without a report is
 * an error. */
WARD_PUBLIC int ward_monitor_wait(struct ward_monitor *m, int *ret_status,
				  struct ward_error **err);
WARD_PUBLIC void ward_monitor_release(struct ward_monitor *m);

#endif
