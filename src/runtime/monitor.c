/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container monitor (podman's conmon): one process per running
 * container, detached from the CLI that started it, holding the container's
 * stdio, writing its log, waiting for its exit and recording it in ward.db.
 * Also ids, names, liveness and reconciliation of container records.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include <ward/containers.h>

#include "internal.h"

#define DRAIN_MS 2000 /* after the exit, how long output may still arrive */

/* ---- ids and names ------------------------------------------------------ */

int
ward_ctr_new_id(char *buf, size_t size, struct ward_error **err)
{
	unsigned char rnd[WARD_CTR_ID_LEN / 2];
	static const char hex[] = "0123456789abcdef";

	if (size < WARD_CTR_ID_LEN + 1)
		return ward_error_set(err, ENOBUFS, "container id");
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return ward_error_set(err, errno, "container id: getrandom");
	for (size_t i = 0; i < sizeof(rnd); i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 15];
	}
	buf[WARD_CTR_ID_LEN] = '\0';
	return 0;
}

int
ward_ctr_check_name(const char *name, struct ward_error **err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > WARD_CTR_NAME_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "container name: 1 to %d characters", WARD_CTR_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return ward_error_setk(
				err, WARD_E_INVALID, EINVAL,
				"container name '%s': use [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
	}
	return 0;
}

static const char *const adjectives[] = {
	"admiring", "brave",	  "busy",    "clever",	"cool",	    "dazzling",
	"eager",    "elegant",	  "festive", "focused", "gallant",  "happy",
	"hopeful",  "jolly",	  "keen",    "kind",	"lucid",    "modest",
	"nifty",    "optimistic", "pensive", "quirky",	"relaxed",  "serene",
	"sharp",    "stoic",	  "tender",  "vibrant", "wizardly", "zealous",
};
static const char *const nouns[] = {
	"albattani", "babbage",	 "bohr",   "curie",   "darwin",	 "einstein", "euler",
	"fermat",    "galileo",	 "hopper", "hypatia", "johnson", "kepler",   "lamport",
	"lovelace",  "mayer",	 "newton", "noether", "pasteur", "ritchie",  "shannon",
	"thompson",  "torvalds", "turing", "wilson",  "wozniak", "yalow",    "zhukovsky",
};

int
ward_ctr_new_name(struct ward_ctr_db *db, char **ret, struct ward_error **err)
{
	for (int attempt = 0; attempt < 64; attempt++) {
		uint32_t rnd[2];
		struct ward_ctr_record *r = NULL;
		struct ward_error *e = NULL;
		char *name;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return ward_error_set(err, errno, "container name: getrandom");
		name = attempt < 32
			       ? ward_strdup_printf(
					 "%s_%s", adjectives[rnd[0] % WARD_ARRAY_SIZE(adjectives)],
					 nouns[rnd[1] % WARD_ARRAY_SIZE(nouns)])
			       : ward_strdup_printf(
					 "%s_%s%u",
					 adjectives[rnd[0] % WARD_ARRAY_SIZE(adjectives)],
					 nouns[rnd[1] % WARD_ARRAY_SIZE(nouns)],
					 (unsigned)(rnd[0] % 1000));
		if (!name)
			return ward_error_set(err, ENOMEM, "container name");
		if (ward_ctr_db_get(db, name, &r, &e) < 0 && e->kind == WARD_E_NOTFOUND) {
			ward_error_free(e);
			*ret = name;
			return 0;
		}
		ward_error_free(e);
		ward_ctr_record_free(r);
		free(name);
	}
	return ward_error_setk(err, WARD_E_EXISTS, EEXIST,
			       "no free container name found; give one with --name");
}

/* ---- liveness ----------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

bool
ward_ctr_pid_alive(pid_t pid, uint64_t start)
{
	unsigned long long now = 0;
	_cleanup_close_ int pfd = -1;

	if (pid <= 0 || start == 0)
		return false;
	/* Hold the process with a pidfd while reading its start time: if pid
	 * was recycled the start time differs; if it exits meanwhile the
	 * pidfd still names the old one and the read fails. */
	pfd = pidfd_open_(pid);
	if (pfd < 0)
		return false;
	if (ward_proc_start_time(pid, &now) < 0)
		return false;
	return now == start;
}

int
ward_ctr_reconcile(struct ward_ctr_db *db, struct ward_ctr_record *r, struct ward_error **err)
{
	struct ward_ctr_record *fresh = NULL;
	bool mon, ctr;
	int ret;

	if (r->status == WARD_CTR_EXITED)
		return 0;
	mon = ward_ctr_pid_alive(r->monitor_pid, r->monitor_start);
	if (mon)
		return 0;
	if (r->status == WARD_CTR_CREATED && r->monitor_pid == 0)
		return 0; /* made, never started: nothing runs for it */
	ctr = ward_ctr_pid_alive(r->pid, r->pid_start);
	if (ctr) {
		if (r->note)
			return 0;
		r->note = ward_strdup_printf("the monitor (pid %d) is gone; the container runs "
					     "but its output is no longer logged",
					     (int)r->monitor_pid);
		if (!r->note)
			return ward_error_set(err, ENOMEM, "reconcile");
		ret = ward_ctr_db_update_if(db, r, r->status, err);
		return ret < 0 ? ret : 1;
	}
	/* Both gone. The monitor may have written the exit just now. */
	if (ward_ctr_db_get(db, r->id, &fresh, NULL) == 0 && fresh->status == WARD_CTR_EXITED) {
		struct ward_ctr_record tmp = *r;
		*r = *fresh;
		*fresh = tmp;
		ward_ctr_record_free(fresh);
		return 1;
	}
	ward_ctr_record_free(fresh);
	{
		enum ward_ctr_status was = r->status;
		free(r->note);
		r->note = ward_strdup_printf(
			"the monitor (pid %d) and the container (pid %d) are gone without an "
			"exit record (host reboot or killed monitor); exit code unknown",
			(int)r->monitor_pid, (int)r->pid);
		if (!r->note)
			return ward_error_set(err, ENOMEM, "reconcile");
		r->status = WARD_CTR_EXITED;
		r->exit_code = -1;
		r->finished_ms = now_ms();
		r->pid = 0;
		r->pid_start = 0;
		ret = ward_ctr_db_update_if(db, r, was, err);
	}
	return ret < 0 ? ret : 1;
}

int
ward_ctr_wait_exited(struct ward_ctr_db *db, const char *id, long timeout_ms, int *ret_code,
		     struct ward_error **err)
{
	long deadline = timeout_ms < 0 ? 0 : ward_now_ms() + timeout_ms;

	for (;;) {
		struct ward_ctr_record *r = NULL;
		struct ward_error *e = NULL;
		int ret = ward_ctr_db_get(db, id, &r, &e);

		if (ret < 0) {
			bool kept = e->kind == WARD_E_NOTFOUND &&
				    ward_ctr_db_exit_get(db, id, ret_code, NULL) == 1;
			if (kept || !err) {
				ward_error_free(e);
				return kept ? 1 : ret; /* kept: removed (--rm) after its exit */
			}
			ward_error_free(*err);
			*err = e;
			return ret;
		}
		if ((ret = ward_ctr_reconcile(db, r, err)) < 0) {
			ward_ctr_record_free(r);
			return ret;
		}
		if (r->status == WARD_CTR_EXITED || r->status == WARD_CTR_CREATED) {
			*ret_code = r->exit_code;
			ward_ctr_record_free(r);
			return 1;
		}
		ward_ctr_record_free(r);
		if (timeout_ms >= 0 && ward_now_ms() >= deadline)
			return 0;
		(void)poll(NULL, 0, 50);
	}
}

/* ---- the log ------------------------------------------------------------ */

int
ward_ctr_log_parse_line(const char *buf, size_t len, struct ward_ctr_log_line *ret)
{
	const char *sp1, *sp2, *end = buf + len;

	if (len > WARD_CTR_LOG_LINE_MAX + 64 || memchr(buf, '\n', len))
		return -EINVAL;
	sp1 = memchr(buf, ' ', len);
	if (!sp1 || sp1 == buf || sp1 - buf > 40)
		return -EINVAL;
	ret->ts = buf;
	ret->ts_len = (size_t)(sp1 - buf);
	sp1++;
	sp2 = memchr(sp1, ' ', (size_t)(end - sp1));
	if (!sp2)
		return -EINVAL;
	if (sp2 - sp1 == 6 && memcmp(sp1, "stdout", 6) == 0)
		ret->is_stderr = false;
	else if (sp2 - sp1 == 6 && memcmp(sp1, "stderr", 6) == 0)
		ret->is_stderr = true;
	else
		return -EINVAL;
	sp2++;
	if (sp2 >= end || (*sp2 != 'F' && *sp2 != 'P'))
		return -EINVAL;
	ret->partial = *sp2 == 'P';
	sp2++;
	if (sp2 < end && *sp2 != ' ')
		return -EINVAL;
	if (sp2 < end)
		sp2++;
	ret->text = sp2;
	ret->text_len = (size_t)(end - sp2);
	return 0;
}

struct ctr_log {
	int dirfd;
	int fd;
	const char *name; /* in dirfd */
	int64_t size, max;
};

static int
log_open(struct ctr_log *l)
{
	struct stat st;

	l->fd = openat(l->dirfd, l->name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (l->fd < 0)
		return -errno;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/* Past max bytes: ctr.log becomes ctr.log.1 and a new ctr.log starts, so a
 * chatty container keeps at most 2 * max bytes on disk. */
static void
log_rotate(struct ctr_log *l)
{
	char old[300];

	snprintf(old, sizeof(old), "%s.1", l->name);
	(void)close(l->fd);
	l->fd = -1;
	(void)renameat(l->dirfd, l->name, l->dirfd, old);
	(void)log_open(l);
}

static void
format_ts(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static void
log_record(struct ctr_log *l, bool is_stderr, bool partial, const char *text, size_t len)
{
	char head[96];
	struct iovec iov[3];
	int n;

	if (l->fd < 0)
		return;
	format_ts(head, sizeof(head));
	n = (int)strlen(head);
	n += snprintf(head + n, sizeof(head) - (size_t)n, " %s %c ",
		      is_stderr ? "stderr" : "stdout", partial ? 'P' : 'F');
	iov[0] = (struct iovec){head, (size_t)n};
	iov[1] = (struct iovec){(void *)text, len};
	iov[2] = (struct iovec){(void *)"\n", 1};
	if (writev(l->fd, iov, 3) > 0)
		l->size += n + (int64_t)len + 1;
	if (l->size >= l->max)
		log_rotate(l);
}

/* Split a chunk of output into records: complete lines are "F", the rest
 * (no newline yet) is written at once as "P", as conmon does, so output
 * that never ends a line still reaches the log. */
static void
log_chunk(struct ctr_log *l, bool is_stderr, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t len = nl ? (size_t)(nl - buf) : n;

		log_record(l, is_stderr, !nl, buf, len);
		if (!nl)
			break;
		buf += len + 1;
		n -= len + 1;
	}
}

/* ---- the monitor process ------------------------------------------------ */

enum report_type { REPORT_STARTED = 1, REPORT_ERROR, REPORT_EXIT };

struct report {
	int32_t type;
	int32_t kind, errnum;
	int32_t value; /* exit code */
	int32_t pid, monitor_pid;
	char msg[2048];
};

static void
send_report(int fd, const struct report *rp)
{
	/* Below PIPE_BUF: one atomic write. The CLI may be gone (-d): EPIPE
	 * is expected and SIGPIPE ignored. */
	if (fd >= 0)
		(void)!write(fd, rp, sizeof(*rp));
}

static void
report_error(int fd, const struct ward_error *e)
{
	struct report rp = {.type = REPORT_ERROR, .monitor_pid = getpid()};

	rp.kind = e ? (int32_t)e->kind : WARD_E_SYSTEM;
	rp.errnum = e ? e->errnum : EIO;
	snprintf(rp.msg, sizeof(rp.msg), "%s", e && e->msg ? e->msg : "the monitor failed");
	send_report(fd, &rp);
}

static int
exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

struct mon {
	const struct ward_monitor_opts *o;
	struct ward_runtime rt;
	struct ward_ctr_db *db;
	struct ctr_log log;
	int report_fd;
	int a_in, a_out, a_err; /* the attached CLI's stdio, or -1 */
	int out_r, err_r, in_w; /* container pipes (non-tty) */
	int master;		/* pty master (tty) */
	int sfd;
	pid_t pid;
	bool exited;
	int status;
};

static void
fd_closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int
null_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	for (int i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			return -errno;
	(void)close(null);
	return 0;
}

/* The attached terminal's size onto the pty (at start and on SIGWINCH,
 * which the CLI relays to us). */
static void
copy_size(struct mon *m)
{
	if (m->master < 0)
		return;
	if (m->a_in >= 0 && isatty(m->a_in))
		ward_terminal_copy_size(m->a_in, m->master);
	else if (m->a_out >= 0 && isatty(m->a_out))
		ward_terminal_copy_size(m->a_out, m->master);
}

/* The container inherits our fds 0-2: point them at fresh pipes (or
 * /dev/null) for the duration of create, then back at /dev/null. */
static int
create_container(struct mon *m, struct ward_error **err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, pair[2] = {-1, -1};
	struct ward_create_opts co = {.id = m->o->id, .bundle = m->o->bundle};
	int r;

	if (m->o->tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			return ward_error_set(err, errno, "socketpair");
		if ((r = null_stdio()) < 0)
			return ward_error_set(err, -r, "stdio");
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
			return ward_error_set(err, errno, "pipe");
		if ((r = null_stdio()) < 0)
			return ward_error_set(err, -r, "stdio");
		if (m->a_in >= 0 && pipe2(in, O_CLOEXEC) < 0)
			return ward_error_set(err, errno, "pipe");
		if ((in[0] >= 0 && dup2(in[0], 0) < 0) || dup2(out[1], 1) < 0 ||
		    dup2(errp[1], 2) < 0)
			return ward_error_set(err, errno, "dup2");
		fd_closep(&in[0]);
		fd_closep(&out[1]);
		fd_closep(&errp[1]);
		m->out_r = out[0];
		m->err_r = errp[0];
		m->in_w = in[1];
	}
	r = ward_container_create_internal(&m->rt, &co, pair[1], &m->pid, err);
	(void)null_stdio();
	if (r < 0) {
		fd_closep(&pair[0]);
		return r;
	}
	if (pair[0] >= 0) {
		m->master = ward_terminal_recv_master(pair[0], err);
		fd_closep(&pair[0]);
		if (m->master < 0)
			return m->master;
		copy_size(m);
	}
	return 0;
}

static int
mark_running(struct mon *m, struct ward_error **err)
{
	struct ward_ctr_record *r = NULL;
	unsigned long long st = 0;
	int ret;

	if ((ret = ward_ctr_db_get(m->db, m->o->id, &r, err)) < 0)
		return ret;
	r->status = WARD_CTR_RUNNING;
	r->pid = m->pid;
	r->pid_start = ward_proc_start_time(m->pid, &st) == 0 ? st : 0;
	r->monitor_pid = getpid();
	r->monitor_start = ward_proc_start_time(getpid(), &st) == 0 ? st : 0;
	r->started_ms = now_ms();
	r->finished_ms = 0;
	r->exit_code = 0;
	free(r->note);
	r->note = NULL;
	ret = ward_ctr_db_update(m->db, r, err);
	ward_ctr_record_free(r);
	return ret;
}

static void
forward(int *to, const char *buf, size_t n)
{
	if (*to >= 0 && ward_fs_write_all(*to, buf, n) < 0)
		fd_closep(to); /* the CLI went away: keep logging */
}

/* One read from a container output; false at EOF. */
static bool
pump_output(struct mon *m, int fd, bool is_stderr)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EOF, or EIO from a pty whose slave side closed */
	log_chunk(&m->log, is_stderr, buf, (size_t)n);
	forward(is_stderr ? &m->a_err : &m->a_out, buf, (size_t)n);
	return true;
}

static void
pump_input(struct mon *m)
{
	char buf[8192];
	ssize_t n = read(m->a_in, buf, sizeof(buf));
	int *to = m->master >= 0 ? &m->master : &m->in_w;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* Our stdin ended: the container's stdin ends too (a pty keeps
		 * its master: closing it would hang the terminal up). */
		fd_closep(&m->a_in);
		fd_closep(&m->in_w);
		return;
	}
	if (*to >= 0 && ward_fs_write_all(*to, buf, (size_t)n) < 0 && to == &m->in_w)
		fd_closep(&m->in_w);
}

static void
reap(struct mon *m)
{
	int status;
	pid_t w;

	/* As a subreaper we also collect orphans reparented to us. */
	while ((w = waitpid(-1, &status, WNOHANG)) > 0)
		if (w == m->pid) {
			m->exited = true;
			m->status = status;
		}
}

static void
handle_signals(struct mon *m)
{
	struct signalfd_siginfo si;

	while (read(m->sfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGWINCH)
			copy_size(m);
}

static void
loop(struct mon *m)
{
	int out = m->master >= 0 ? m->master : m->out_r;
	long drain_until = 0;

	for (;;) {
		struct pollfd p[4] = {{.fd = m->sfd, .events = POLLIN},
				      {.fd = out, .events = POLLIN},
				      {.fd = m->err_r, .events = POLLIN},
				      {.fd = m->a_in, .events = POLLIN}};
		int timeout = -1;

		reap(m);
		if (m->exited) {
			if (!drain_until)
				drain_until = ward_now_ms() + DRAIN_MS;
			if ((out < 0 && m->err_r < 0) || ward_now_ms() >= drain_until)
				break;
			timeout = (int)(drain_until - ward_now_ms());
			p[3].fd = -1;
		}
		if (poll(p, 4, timeout) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			handle_signals(m);
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump_output(m, out, false)) {
			if (out == m->master)
				fd_closep(&m->master);
			else
				fd_closep(&m->out_r);
			out = -1;
		}
		if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump_output(m, m->err_r, true))
			fd_closep(&m->err_r);
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			pump_input(m);
	}
}

/* <root>/containers/<id>, the container's whole directory. */
static void
remove_container(struct mon *m, int code)
{
	char dir[4096];
	_cleanup_close_ int dfd = -1;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/containers", m->o->root) >= sizeof(dir))
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)ward_fs_remove_tree(dfd, m->o->id, NULL);
	(void)ward_ctr_db_exit_save(m->db, m->o->id, code, now_ms(), NULL);
	(void)ward_ctr_db_delete(m->db, m->o->id, NULL);
}

/* Record the exit (or a failed start), clean up, and tell the CLI. */
static void
finish(struct mon *m, int code, const struct ward_error *start_err)
{
	struct ward_ctr_record *r = NULL;
	struct ward_error *e = NULL;
	char *note = NULL;

	/* Runtime state and cgroup first, so a `ward start` that sees the
	 * exit record finds the id free. */
	if (ward_container_delete(&m->rt, m->o->id, true, &e) < 0)
		note = ward_strdup_printf("cleanup after the exit: %s", e->msg);
	ward_error_free(e);
	/* The overlay is mounted again by `ward start`. */
	if (m->o->rootfs_mount)
		(void)umount2(m->o->rootfs_mount, MNT_DETACH | UMOUNT_NOFOLLOW);
	if (start_err && start_err->msg) {
		free(note);
		note = strdup(start_err->msg);
	}
	if (ward_ctr_db_get(m->db, m->o->id, &r, NULL) == 0) {
		r->status = WARD_CTR_EXITED;
		r->exit_code = code;
		r->finished_ms = now_ms();
		r->pid = 0;
		r->pid_start = 0;
		free(r->note);
		r->note = TAKE_PTR(note);
		(void)ward_ctr_db_update(m->db, r, NULL);
		ward_ctr_record_free(r);
	}
	free(note);
	if (m->o->auto_remove) {
		fd_closep(&m->log.fd);
		remove_container(m, code);
	}
	if (!start_err) {
		struct report rp = {.type = REPORT_EXIT, .value = code, .monitor_pid = getpid()};
		send_report(m->report_fd, &rp);
	}
}

static int
start_code(const struct ward_error *e)
{
	/* podman's statuses for a command that cannot run. */
	if (e && e->msg && strstr(e->msg, "exec '")) {
		if (e->kind == WARD_E_NOTFOUND)
			return 127;
		if (e->errnum == EACCES)
			return 126;
	}
	return 125;
}

static int
monitor_setup(struct mon *m, struct ward_error **err)
{
	char *slash;
	char dir[4096];
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_SETMASK, &set, NULL) < 0 ||
	    (m->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return ward_error_set(err, errno, "signalfd");
	if ((r = ward_ctr_db_open(m->o->root, false, &m->db, err)) < 0)
		return r;
	if (snprintf(dir, sizeof(dir), "%s", m->o->log_path) >= (int)sizeof(dir) ||
	    !(slash = strrchr(dir, '/')))
		return ward_error_set(err, EINVAL, "log path '%s'", m->o->log_path);
	*slash = '\0';
	m->log.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->log.dirfd < 0)
		return ward_error_set(err, errno, "open '%s'", dir);
	m->log.name = m->o->log_path + (slash - dir) + 1;
	m->log.max = m->o->log_max > 0 ? m->o->log_max : WARD_CTR_LOG_MAX;
	if ((r = log_open(&m->log)) < 0)
		return ward_error_set(err, -r, "open log '%s'", m->o->log_path);
	return 0;
}

__attribute__((noreturn)) static void
monitor_main(const struct ward_monitor_opts *o, int report_fd)
{
	struct mon m = {.o = o,
			.report_fd = report_fd,
			.a_in = -1,
			.a_out = -1,
			.a_err = -1,
			.out_r = -1,
			.err_r = -1,
			.in_w = -1,
			.master = -1,
			.sfd = -1,
			.log = {.dirfd = -1, .fd = -1}};
	struct ward_error *err = NULL;

	m.rt = (struct ward_runtime){.state_root = o->run_root, .log = {.fd = -1}};
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	(void)prctl(PR_SET_NAME, "ward-monitor");
	(void)!chdir("/");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	/* Nothing the CLI had open (its sqlite handle, image store fds, the
	 * pipes a caller waits on for EOF) stays open in the monitor or reaches
	 * the container. */
	if (report_fd > 3)
		(void)syscall(SYS_close_range, 3, report_fd - 1, 0);
	(void)syscall(SYS_close_range, report_fd + 1, ~0U, 0);
	if (o->attach) {
		m.a_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
		m.a_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
		if (o->interactive)
			m.a_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
	}
	if (monitor_setup(&m, &err) < 0 || create_container(&m, &err) < 0 ||
	    ward_container_start(&m.rt, o->id, &err) < 0) {
		if (m.db)
			finish(&m, start_code(err), err);
		report_error(report_fd, err);
		_exit(1);
	}
	if (mark_running(&m, &err) < 0) {
		{
			struct ward_error *ign = NULL; /* the runtime frees through err */
			(void)ward_container_kill(&m.rt, o->id, SIGKILL, true, &ign);
			ward_error_free(ign);
		}
		report_error(report_fd, err);
		ward_error_freep(&err);
	} else {
		struct report rp = {.type = REPORT_STARTED, .pid = m.pid, .monitor_pid = getpid()};
		send_report(report_fd, &rp);
	}
	loop(&m);
	if (!m.exited) {
		int status;
		if (waitpid(m.pid, &status, 0) == m.pid)
			m.status = status;
	}
	finish(&m, exit_status(m.status), NULL);
	ward_ctr_db_close(m.db);
	_exit(0);
}

/* ---- the CLI side ------------------------------------------------------- */

static int
read_report(int fd, struct report *rp)
{
	ssize_t n;

	do
		n = read(fd, rp, sizeof(*rp));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*rp)) {
		rp->msg[sizeof(rp->msg) - 1] = '\0';
		return 1;
	}
	return n < 0 ? -errno : 0;
}

int
ward_monitor_spawn(const struct ward_monitor_opts *o, struct ward_monitor *ret,
		   struct ward_error **err)
{
	int pfd[2];
	struct report rp;
	pid_t a;
	int status, r;

	if (!o->root || !o->id || !o->bundle || !o->log_path || !o->run_root)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "monitor: incomplete options");
	/* The monitor runs in "/" (it must not pin the caller's directory). */
	if (o->root[0] != '/' || o->run_root[0] != '/' || o->bundle[0] != '/' ||
	    o->log_path[0] != '/' || (o->rootfs_mount && o->rootfs_mount[0] != '/'))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "monitor: paths must be absolute (root '%s')", o->root);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return ward_error_set(err, errno, "pipe");
	fflush(NULL);
	a = fork();
	if (a < 0) {
		(void)close(pfd[0]);
		(void)close(pfd[1]);
		return ward_error_set(err, errno, "fork the monitor");
	}
	if (a == 0) {
		/* Double fork: the monitor is no child of the CLI, leads no
		 * session (so never gets a controlling terminal) and lives on
		 * when the CLI exits. */
		(void)close(pfd[0]);
		if (setsid() < 0)
			_exit(1);
		a = fork();
		if (a < 0)
			_exit(1);
		if (a > 0)
			_exit(0);
		monitor_main(o, pfd[1]);
	}
	(void)close(pfd[1]);
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	r = read_report(pfd[0], &rp);
	if (r <= 0) {
		(void)close(pfd[0]);
		return ward_error_set(err, r < 0 ? -r : EIO,
				      "the monitor of %s exited before the container started "
				      "(see ward inspect %s)",
				      o->id, o->id);
	}
	if (rp.type == REPORT_ERROR) {
		(void)close(pfd[0]);
		r = ward_error_setk(err, (enum ward_error_kind)rp.kind, 0, "%s", rp.msg);
		if (*err)
			(*err)->errnum = rp.errnum > 0 ? rp.errnum : 0;
		return r;
	}
	*ret = (struct ward_monitor){.pid = rp.pid,
				     .monitor_pid = rp.monitor_pid,
				     .report_fd = pfd[0],
				     .tty = o->tty && o->attach};
	return 0;
}

static const int proxied[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};

int
ward_monitor_wait(struct ward_monitor *m, int *ret_status, struct ward_error **err)
{
	_cleanup_close_ int sfd = -1, ctr = -1, mon = -1;
	struct termios saved;
	sigset_t set, old;
	bool raw = false;
	int r = 0;

	sigemptyset(&set);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(proxied); i++)
		sigaddset(&set, proxied[i]);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return ward_error_set(err, errno, "signalfd");
	/* Signal through pidfds: pids may be reused once they exit. */
	ctr = pidfd_open_(m->pid);
	mon = pidfd_open_(m->monitor_pid);
	if (m->tty && isatty(0))
		raw = ward_terminal_raw(0, &saved) > 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = m->report_fd, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		struct signalfd_siginfo si;
		struct report rp;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = ward_error_set(err, errno, "poll");
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH) {
				if (mon >= 0)
					(void)syscall(SYS_pidfd_send_signal, mon, SIGWINCH, NULL,
						      0);
			} else if (ctr >= 0) {
				(void)syscall(SYS_pidfd_send_signal, ctr, (int)si.ssi_signo, NULL,
					      0);
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read_report(m->report_fd, &rp);
		if (r > 0 && rp.type == REPORT_EXIT) {
			*ret_status = rp.value;
			r = 0;
			break;
		}
		if (r > 0)
			continue;
		r = ward_error_set(err, r < 0 ? -r : EIO,
				   "the monitor (pid %d) went away without reporting the "
				   "container's exit",
				   (int)m->monitor_pid);
		break;
	}
	if (raw)
		(void)tcsetattr(0, TCSANOW, &saved);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

void
ward_monitor_release(struct ward_monitor *m)
{
	if (m && m->report_fd >= 0) {
		(void)close(m->report_fd);
		m->report_fd = -1;
	}
}
