/* SPDX-License-Identifier: Apache-2.0 */
/* ward logs: the text of a container's ctr.log (k8s-file format), -f, --tail, -t. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctr_cli.h"

#define LOG_READ_MAX ((size_t)WARD_CTR_LOG_MAX * 2 + (1u << 20)) /* ctr.log + ctr.log.1 */

/* ---- logs --------------------------------------------------------------- */

struct log_out {
	bool timestamps;
	bool line_start[2]; /* the next text on stdout/stderr starts a line */
	int last;	    /* stream of the previous record: flushed on a switch */
};

/* Print one record: text only, the newline when the line is complete. */
static void
log_print(struct log_out *o, const struct ward_ctr_log_line *l)
{
	FILE *f = l->is_stderr ? stderr : stdout;

	/* Keep the order of stdout and stderr records as they were logged. */
	if (o->last != (int)l->is_stderr)
		fflush(l->is_stderr ? stdout : stderr);
	o->last = l->is_stderr;
	if (o->timestamps && o->line_start[l->is_stderr])
		fprintf(f, "%.*s ", (int)l->ts_len, l->ts);
	fwrite(l->text, 1, l->text_len, f);
	if (!l->partial)
		fputc('\n', f);
	o->line_start[l->is_stderr] = !l->partial;
}

/* Records in buf[0..len) that end in a newline; returns bytes consumed. */
static size_t
log_feed(struct log_out *o, const char *buf, size_t len, size_t skip_lines)
{
	size_t off = 0, complete = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		struct ward_ctr_log_line l;
		if (!nl)
			break;
		if (ward_ctr_log_parse_line(buf + off, (size_t)(nl - (buf + off)), &l) == 0) {
			if (complete >= skip_lines)
				log_print(o, &l);
			if (!l.partial)
				complete++;
		}
		off = (size_t)(nl - buf) + 1;
	}
	fflush(stdout);
	fflush(stderr);
	return off;
}

/* How many complete lines the text holds, to skip all but the last N. */
static size_t
log_count_lines(const char *buf, size_t len)
{
	size_t n = 0, off = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		struct ward_ctr_log_line l;
		if (!nl)
			break;
		if (ward_ctr_log_parse_line(buf + off, (size_t)(nl - (buf + off)), &l) == 0 &&
		    !l.partial)
			n++;
		off = (size_t)(nl - buf) + 1;
	}
	return n;
}

static char *
read_whole(int fd, size_t *ret_len)
{
	char *buf = NULL;

	if (ward_fs_read_fd(fd, LOG_READ_MAX, "ctr.log", &buf, ret_len, NULL) < 0)
		return NULL;
	return buf;
}

/* Follow ctr.log from offset until the container is no longer running;
 * a rotation (new inode) is followed into the new file. */
static int
log_follow(struct ward_cli *cli, const struct ward_ctr_record *r, int fd, struct log_out *o)
{
	char buf[65536];
	size_t have = 0;
	bool done = false, rotated = false;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n > 0) {
			size_t used;
			have += (size_t)n;
			used = log_feed(o, buf, have, 0);
			if (used == 0 && have == sizeof(buf))
				used = have; /* a record too long to be ours: drop it */
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (done)
			return 0;
		if (rotated) {
			/* The old file was drained after the rename: switch. */
			int nfd = open(r->log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			rotated = false;
			if (nfd >= 0) {
				(void)dup2(nfd, fd);
				(void)close(nfd);
				have = 0;
				continue;
			}
		} else {
			struct stat a, b;
			if (fstat(fd, &a) == 0 && stat(r->log_path, &b) == 0 &&
			    a.st_ino != b.st_ino) {
				rotated = true; /* read the old file to its end once more */
				continue;
			}
		}
		{
			struct ward_ctr_db *db = NULL;
			struct ward_ctr_record *now = NULL;
			if (ward_cli_ctr_db(cli, false, &db, NULL) < 0 ||
			    ward_cli_ctr_get(db, r->id, &now, NULL) < 0 || !ward_cli_ctr_live(now))
				done = true; /* one more read catches the last output */
			ward_ctr_record_free(now);
			ward_ctr_db_close(db);
		}
		if (!done)
			(void)poll(NULL, 0, 100);
	}
}

static int
print_log_file(const char *path, struct log_out *o, size_t *skip)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!(buf = read_whole(fd, &len)))
		return -EIO;
	n = log_count_lines(buf, len);
	log_feed(o, buf, len, *skip);
	*skip = *skip > n ? *skip - n : 0;
	return 0;
}

int
ward_cmd_logs(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"tail", required_argument, NULL, 'n'},
		{"timestamps", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward logs [-f] [-t] [--tail N] CONTAINER";
	struct log_out o = {.line_start = {true, true}};
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record *r = NULL;
	struct ward_error *err = NULL;
	bool follow = false;
	long long tail = -1;
	char old[4300];
	size_t total = 0, skip = 0;
	int c, rc = 0, fd = -1;

	while ((c = getopt_long(argc, argv, "+ftn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 't':
			o.timestamps = true;
			break;
		case 'n': {
			char *end;
			tail = strtoll(optarg, &end, 10);
			if (*end || end == optarg || tail < -1)
				return ward_cli_usage("logs", "--tail '%s': a number of lines",
						      optarg);
			break;
		}
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return ward_cli_bad_usage("logs", usage) < 0 ? WARD_EXIT_ENGINE : 0;
		}
	}
	if (optind + 1 != argc)
		return ward_cli_usage("logs", "give exactly one container");
	if (ward_cli_ctr_db(cli, true, &db, &err) < 0 ||
	    ward_cli_ctr_get(db, argv[optind], &r, &err) < 0) {
		ward_ctr_db_close(db);
		return ward_cli_ctr_fail(err);
	}
	ward_ctr_db_close(db);
	/* The log's path from --root and the checked id, not from the row. */
	free(r->log_path);
	r->log_path = malloc(4200);
	if ((!r->log_path && ward_error_set(&err, ENOMEM, "logs") < 0) ||
	    ward_cli_ctr_dir(cli, r->id, "ctr.log", r->log_path, 4200, &err) < 0) {
		ward_ctr_record_free(r);
		return ward_cli_ctr_fail(err);
	}
	snprintf(old, sizeof(old), "%s.1", r->log_path);
	if (tail >= 0) {
		/* Count first, then skip all but the last N complete lines. */
		int fds[2] = {open(old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
			      open(r->log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
		for (int i = 0; i < 2; i++) {
			size_t len = 0;
			char *buf = fds[i] >= 0 ? read_whole(fds[i], &len) : NULL;
			if (buf)
				total += log_count_lines(buf, len);
			free(buf);
			if (fds[i] >= 0)
				(void)close(fds[i]);
		}
		skip = total > (size_t)tail ? total - (size_t)tail : 0;
	}
	if (print_log_file(old, &o, &skip) < 0) {
		rc = ward_error_set(&err, EIO, "read '%s'", old);
		goto out;
	}
	fd = open(r->log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			rc = ward_error_set(&err, errno, "open '%s'", r->log_path);
		goto out;
	}
	{
		_cleanup_free_ char *buf = NULL;
		size_t len = 0, used;
		if (!(buf = read_whole(fd, &len))) {
			rc = ward_error_set(&err, EIO, "read '%s'", r->log_path);
			goto out;
		}
		used = log_feed(&o, buf, len, skip);
		/* Resume following right after the last complete record. */
		(void)lseek(fd, (off_t)used, SEEK_SET);
	}
	if (follow)
		(void)log_follow(cli, r, fd, &o);
out:
	if (fd >= 0)
		(void)close(fd);
	ward_ctr_record_free(r);
	return rc < 0 ? ward_cli_ctr_fail(err) : 0;
}
