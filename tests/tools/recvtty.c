/*
 * recvtty — the receiving end of an OCI runtime's --console-socket.
 *
 *   recvtty [-t SECONDS] [-w TEXT] SOCKET
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the
 * pseudo-terminal master the runtime sends with SCM_RIGHTS, optionally writes
 * TEXT to it (input for the container), then copies everything the container
 * writes to its terminal to stdout until the last slave closes (EIO).
 *
 * The socket is bound under a temporary name and renamed to SOCKET only once
 * it listens, so a caller that waits for SOCKET to exist never races into a
 * bound-but-not-listening socket (ECONNREFUSED).
 *
 * Exit status: 0 after EOF on the master, 1 on any error, 2 on usage, 3 when
 * the -t deadline (default 30 s) passes first, so an e2e test can never hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define RECVTTY_NAME_MAX 4096 /* runtimes send the terminal's name as payload */

static void
on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "recvtty: timed out\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

static int
listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char tmp[sizeof(addr.sun_path)];
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "recvtty: socket path '%s' too long\n", path);
		return -1;
	}
	memcpy(addr.sun_path, tmp, (size_t)n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("recvtty: socket");
		return -1;
	}
	(void)unlink(tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		fprintf(stderr, "recvtty: bind/listen '%s': %s\n", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "recvtty: rename to '%s': %s\n", path, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		return -1;
	}
	return fd;
}

/* Receive one fd; the runtime may send several messages' worth of name bytes. */
static int
recv_master(int conn)
{
	char name[RECVTTY_NAME_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	memset(ctl.buf, 0, sizeof(ctl.buf));
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		perror("recvtty: recvmsg");
		return -1;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		fprintf(stderr, "recvtty: control message truncated (more than one fd sent)\n");
		return -1;
	}
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		fprintf(stderr, "recvtty: no SCM_RIGHTS fd in the message (%zd bytes)\n", n);
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	if (!isatty(fd)) {
		fprintf(stderr, "recvtty: the received fd is not a terminal\n");
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
copy_out(int master)
{
	char buf[8192];

	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		/* EIO: every slave fd is closed, the container side is gone. */
		if (n == 0 || (n < 0 && errno == EIO))
			return 0;
		if (n < 0) {
			perror("recvtty: read master");
			return -1;
		}
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			perror("recvtty: write stdout");
			return -1;
		}
	}
}

int
main(int argc, char **argv)
{
	const char *input = NULL;
	unsigned long timeout = 30;
	int opt, lfd, conn, master, rc;
	char *end;

	while ((opt = getopt(argc, argv, "t:w:")) != -1) {
		switch (opt) {
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno || *end || timeout == 0 || timeout > UINT_MAX) {
				fprintf(stderr, "recvtty: -t: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			input = optarg;
			break;
		default:
			fprintf(stderr, "usage: recvtty [-t SECONDS] [-w TEXT] SOCKET\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: recvtty [-t SECONDS] [-w TEXT] SOCKET\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)timeout);

	lfd = listen_at(argv[optind]);
	if (lfd < 0)
		return 1;
	do
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0) {
		perror("recvtty: accept");
		return 1;
	}
	master = recv_master(conn);
	(void)close(conn);
	(void)close(lfd);
	(void)unlink(argv[optind]);
	if (master < 0)
		return 1;
	if (input != NULL && write_all(master, input, strlen(input)) < 0) {
		perror("recvtty: write master");
		return 1;
	}
	rc = copy_out(master);
	(void)close(master);
	return rc < 0 ? 1 : 0;
}
