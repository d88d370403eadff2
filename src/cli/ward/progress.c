/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ward pull` progress: one line per layer,
 *   Copying blob 1a2b3c4d5e6f [=========>          ] 12.3MiB / 40.1MiB
 * redrawn in place (cursor up, clear line) while layers download in
 * parallel. The registry calls back from several threads: one mutex
 * guards the state and the terminal.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <ward/image.h>

#include "progress.h"

#define REDRAW_NS 100000000ll /* at most 10 redraws a second */
#define BAR_MAX 40
#define BAR_MIN 10
#define LINE_FIXED 52 /* "Copying blob " + 12 hex + " [" "] " + two sizes */

enum bar_state { BAR_NONE = 0, BAR_RUN, BAR_DONE, BAR_SKIP, BAR_FAIL };

struct bar {
	enum bar_state state;
	char id[13]; /* first 12 hex digits of the digest */
	uint64_t done;
	int64_t total;
};

struct ward_progress {
	enum ward_progress_mode mode;
	int fd;
	const struct ward_log *log;
	pthread_mutex_t lock;
	struct bar *bars;
	size_t n_bars;
	size_t drawn; /* lines on screen from the last redraw */
	long long last_ns;
};

enum ward_progress_mode
ward_progress_pick_mode(bool quiet, int fd)
{
	if (quiet)
		return WARD_PROGRESS_QUIET;
	return isatty(fd) ? WARD_PROGRESS_BARS : WARD_PROGRESS_LINES;
}

struct ward_progress *
ward_progress_new(enum ward_progress_mode mode, int fd, const struct ward_log *log)
{
	struct ward_progress *pg = calloc(1, sizeof(*pg));

	if (!pg)
		return NULL;
	pg->mode = mode;
	pg->fd = fd;
	pg->log = log;
	pthread_mutex_init(&pg->lock, NULL);
	return pg;
}

void
ward_progress_format_size(uint64_t n, char *out, size_t cap)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < WARD_ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, cap, "%lluB", (unsigned long long)n);
	else
		snprintf(out, cap, "%.1f%s", v, unit[u]);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static size_t
bar_width(int fd)
{
	struct winsize ws;
	size_t w = BAR_MAX;

	/* A line wider than the terminal wraps, and the cursor-up redraw
	 * would then overwrite the wrong lines. */
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		if (ws.ws_col < LINE_FIXED + BAR_MIN + 1)
			return 0;
		if ((size_t)ws.ws_col - LINE_FIXED - 1 < w)
			w = (size_t)ws.ws_col - LINE_FIXED - 1;
	}
	return w;
}

/* One bar's line (no newline) into out. */
static void
format_line(const struct bar *b, size_t width, char *out, size_t cap)
{
	char done[24], total[24], fill[BAR_MAX + 1];
	size_t k = 0;

	switch (b->state) {
	case BAR_SKIP:
		snprintf(out, cap, "Copying blob %s skipped: already exists", b->id);
		return;
	case BAR_FAIL:
		snprintf(out, cap, "Copying blob %s failed", b->id);
		return;
	case BAR_DONE:
		ward_progress_format_size(b->done, done, sizeof(done));
		snprintf(out, cap, "Copying blob %s done   %s", b->id, done);
		return;
	default:
		break;
	}
	ward_progress_format_size(b->done, done, sizeof(done));
	if (b->total > 0)
		ward_progress_format_size((uint64_t)b->total, total, sizeof(total));
	else
		snprintf(total, sizeof(total), "?");
	if (width == 0) {
		snprintf(out, cap, "Copying blob %s %s / %s", b->id, done, total);
		return;
	}
	if (b->total > 0) {
		k = (size_t)((double)b->done / (double)b->total * (double)width);
		if (k > width)
			k = width;
	}
	for (size_t i = 0; i < width; i++)
		fill[i] = i < k ? '=' : (i == k ? '>' : ' ');
	fill[width] = '\0';
	snprintf(out, cap, "Copying blob %s [%s] %s / %s", b->id, fill, done, total);
}

/* Redraw every bar that has started, in layer order, over the previous
 * drawing; one write, so lines never interleave with other output. */
static void
redraw(struct ward_progress *pg)
{
	size_t width = bar_width(pg->fd), cap = 64 + pg->n_bars * 160, len = 0, lines = 0;
	_cleanup_free_ char *buf = malloc(cap);

	if (!buf)
		return;
	if (pg->drawn)
		len += (size_t)snprintf(buf, cap, "\033[%zuA", pg->drawn);
	for (size_t i = 0; i < pg->n_bars; i++) {
		char line[160];

		if (pg->bars[i].state == BAR_NONE)
			continue;
		format_line(&pg->bars[i], width, line, sizeof(line));
		len += (size_t)snprintf(buf + len, cap - len, "\r\033[K%s\n", line);
		lines++;
	}
	(void)ward_fs_write_all(pg->fd, buf, len);
	pg->drawn = lines;
	pg->last_ns = now_ns();
}

static int
ensure_bars(struct ward_progress *pg, size_t n)
{
	if (pg->bars && n == pg->n_bars)
		return 0;
	if (pg->bars) {
		/* another image (a short name tried on the next registry):
		 * a new block of bars below the old one */
		free(pg->bars);
		pg->bars = NULL;
		pg->n_bars = 0;
		pg->drawn = 0;
	}
	if (n == 0 || n > WARD_MANIFEST_MAX_LAYERS)
		return -EINVAL;
	pg->bars = calloc(n, sizeof(*pg->bars));
	if (!pg->bars)
		return -ENOMEM;
	pg->n_bars = n;
	return 0;
}

static void
log_line(struct ward_progress *pg, const struct bar *b)
{
	char line[160];

	format_line(b, 0, line, sizeof(line));
	ward_log_write(pg->log, WARD_LOG_INFO, "%s", line);
}

void
ward_progress_cb(void *opaque, const struct ward_registry_progress *p)
{
	struct ward_progress *pg = opaque;
	struct bar *b;
	bool state_change = p->event != WARD_PROGRESS_BYTES;

	if (!pg || pg->mode == WARD_PROGRESS_QUIET || !p->is_layer)
		return;
	pthread_mutex_lock(&pg->lock);
	if (ensure_bars(pg, p->n_layers) < 0 || p->index >= pg->n_bars)
		goto out;
	b = &pg->bars[p->index];
	if (b->state == BAR_NONE) {
		/* "sha256:" + 12 hex: the short id podman and docker show */
		snprintf(b->id, sizeof(b->id), "%.12s",
			 ward_str_has_prefix(p->digest, "sha256:") ? p->digest + 7 : p->digest);
	}
	b->total = p->total;
	b->done = p->done;
	switch (p->event) {
	case WARD_PROGRESS_START:
	case WARD_PROGRESS_BYTES:
		b->state = BAR_RUN;
		break;
	case WARD_PROGRESS_DONE:
		b->state = BAR_DONE;
		break;
	case WARD_PROGRESS_SKIP:
		b->state = BAR_SKIP;
		break;
	case WARD_PROGRESS_FAIL:
		b->state = BAR_FAIL;
		break;
	}
	if (pg->mode == WARD_PROGRESS_LINES) {
		if (state_change && b->state != BAR_RUN)
			log_line(pg, b);
	} else if (state_change || now_ns() - pg->last_ns >= REDRAW_NS) {
		redraw(pg);
	}
out:
	pthread_mutex_unlock(&pg->lock);
}

void
ward_progress_free(struct ward_progress *pg)
{
	if (!pg)
		return;
	if (pg->mode == WARD_PROGRESS_BARS && pg->n_bars)
		redraw(pg);
	pthread_mutex_destroy(&pg->lock);
	free(pg->bars);
	free(pg);
}
