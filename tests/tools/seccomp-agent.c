/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-agent SOCKET STATEFILE [ERRNO]: a minimal seccomp notify agent
 * for the e2e tests. Accepts one connection on SOCKET, writes the container
 * process state it receives to STATEFILE, then answers every notification
 * with -ERRNO (default ENOSPC) until the listener goes away. Exits after 60 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
receive_listener(int conn, char *state, size_t cap)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = state, .iov_len = cap - 1};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(conn, &mh, 0);
	int fd = -1;

	if (n <= 0)
		return -1;
	state[n] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static char state[1 << 16];
	int srv, conn, lfd, answer = argc > 3 ? atoi(argv[3]) : ENOSPC;
	FILE *f;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: seccomp-agent SOCKET STATEFILE [ERRNO]\n");
		return 2;
	}
	alarm(60);
	strcpy(sa.sun_path, argv[1]);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(srv, 1) < 0) {
		perror("seccomp-agent: listen");
		return 1;
	}
	conn = accept(srv, NULL, NULL);
	if (conn < 0 || (lfd = receive_listener(conn, state, sizeof(state))) < 0) {
		perror("seccomp-agent: receive");
		return 1;
	}
	f = fopen(argv[2], "w");
	if (f) {
		fputs(state, f);
		fclose(f);
	}
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			return 0; /* the filter's last user is gone */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -answer;
		(void)ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}
