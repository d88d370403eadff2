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
/* Manifest digests of the images any container (in any state) was made
 * from, NULL-terminated: what `rmi` and `system prune` must keep. */
WARD_PUBLIC int ward_ctr_db_images_in_use(struct ward_ctr_db *db, char ***ret,
					  struct ward_error **err);

WARD_PUBLIC void ward_ctr_record_free(struct ward_ctr_record *r);
WARD_PUBLIC void ward_ctr_record_list_free(struct ward_ctr_record **v);

#endif
