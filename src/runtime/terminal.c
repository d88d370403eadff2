/* SPDX-License-Identifier: Apache-2.0 */
/* The console: a pty made inside the container, master sent to the caller. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "internal.h"

int
ward_console_connect(const char *path, struct ward_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ward_error_set(err, ENAMETOOLONG, "console socket '%s': path too long",
				      path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ward_error_set(err, errno, "console socket '%s'", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ward_error_set(err, errno, "connect to console socket '%s'", path);
	return TAKE_FD(fd);
}

static int
send_master(int sock, int master, const char *name, struct ward_error **err)
{
	/* The pty's name rides along as the payload, as runc sends it. */
	if (ward_unix_send_fd(sock, master, name, strlen(name)) < 0)
		return ward_error_set(err, errno, "send the console to the console socket");
	return 0;
}

int
ward_terminal_setup(int console_fd, unsigned height, unsigned width, struct ward_error **err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int unlock = 0, ptn = 0;
	char name[64];

	/* /dev/ptmx of the container's own devpts, so the pty belongs to it. */
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return ward_error_set(err, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
		return ward_error_set(err, errno, "unlock the pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup that a
	 * container could race with a symlink. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return ward_error_set(err, errno, "open the pty slave");
	if (height || width) {
		struct winsize ws = {.ws_row = (unsigned short)height,
				     .ws_col = (unsigned short)width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return ward_error_set(err, errno, "set the console size");
	}
	snprintf(name, sizeof(name), "/dev/pts/%d", ptn);
	if (send_master(console_fd, master, name, err) < 0)
		return -EIO;
	if (setsid() < 0 && errno != EPERM)
		return ward_error_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return ward_error_set(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return ward_error_set(err, errno, "dup the pty onto fd %d", i);
	return 0;
}

int
ward_terminal_recv_master(int sock, struct ward_error **err)
{
	char name[128];
	int fd = -1;
	ssize_t n = ward_unix_recv_fd(sock, name, sizeof(name), &fd);

	if (n < 0)
		return ward_error_set(err, (int)-n, "receive the container's terminal");
	if (fd < 0)
		return ward_error_set(err, EPROTO, "the container sent no terminal");
	return fd;
}

void
ward_terminal_copy_size(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

int
ward_terminal_raw(int fd, struct termios *saved)
{
	struct termios raw;

	if (!isatty(fd) || tcgetattr(fd, saved) < 0)
		return 0;
	raw = *saved;
	/* Fully raw: the container's pty does the line discipline. */
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return 0;
	return 1;
}
