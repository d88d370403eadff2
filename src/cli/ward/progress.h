/* SPDX-License-Identifier: Apache-2.0 */
/* Per-blob progress of `ward pull` on stderr (podman's "Copying blob"). */
#ifndef WARD_CLI_PROGRESS_H
#define WARD_CLI_PROGRESS_H

#include <stdbool.h>

#include <ward/registry.h>

enum ward_progress_mode {
	WARD_PROGRESS_QUIET, /* -q: nothing */
	WARD_PROGRESS_BARS,  /* stderr is a terminal: one bar per layer, redrawn in place */
	WARD_PROGRESS_LINES, /* otherwise: one log line (info) per finished blob */
};

struct ward_progress;

/* The mode for this process: quiet wins, else bars when fd is a terminal,
 * else lines. */
enum ward_progress_mode ward_progress_pick_mode(bool quiet, int fd);
/* Draw on fd (bars) or through log (lines). NULL on ENOMEM. */
struct ward_progress *ward_progress_new(enum ward_progress_mode mode, int fd,
					const struct ward_log *log);
/* A ward_registry_opts.progress callback; opaque is the ward_progress.
 * Thread-safe. Bars are redrawn at most 10 times a second, and at once
 * when a blob starts, ends or fails. */
void ward_progress_cb(void *opaque, const struct ward_registry_progress *p);
/* Draw the final state (every bar at its end) and free; accepts NULL. */
void ward_progress_free(struct ward_progress *pg);
/* "12.3MiB" into out (at least 16 bytes). */
void ward_progress_format_size(uint64_t n, char *out, size_t cap);

#endif
