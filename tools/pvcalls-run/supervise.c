// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor loop: answer notifications, forward signals, wait for
 * PROGRAM, and turn its end into our exit status.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "pvcalls-run.h"

/*
 * SECCOMP_ADDFD_FLAG_SEND is Linux 5.14.  No notification is pending yet
 * (the child waits for our go-ahead), so a kernel that knows the flag
 * answers ENOENT for any id; an older one EINVAL (flag) or ENOTTY (ioctl).
 */
int probe_listener(int listener)
{
	struct seccomp_notif_addfd addfd;

	memset(&addfd, 0, sizeof(addfd));
	addfd.id = ~0ULL;
	addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
	addfd.srcfd = listener;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0 &&
	    errno == ENOENT)
		return 0;
	return -1;
}

static int status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_LAUNCHER;
}

static void dispatch(const struct config *cfg, int listener,
		     const struct seccomp_notif *n)
{
	struct seccomp_notif_resp resp;

	if (n->data.arch == AUDIT_ARCH_X86_64 && n->data.nr == __NR_socket &&
	    !cfg_by_address(cfg)) {
		handle_socket(cfg, listener, n);
		return;
	}
	if (n->data.arch == AUDIT_ARCH_X86_64 && cfg_by_address(cfg) &&
	    (n->data.nr == __NR_connect || n->data.nr == __NR_bind)) {
		handle_connect_bind(cfg, listener, n);
		return;
	}
	/* Not one of ours (cannot happen with our filter): refuse. */
	memset(&resp, 0, sizeof(resp));
	resp.id = n->id;
	resp.error = -ENOSYS;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/*
 * Signals that someone sent us with kill() go on to PROGRAM.  Those the
 * terminal generated (si_code SI_KERNEL) already reached PROGRAM, which
 * is in our process group, so they are not sent twice.
 */
static void forward(const struct signalfd_siginfo *si, pid_t child)
{
	if (si->ssi_code == SI_KERNEL)
		return;
	kill(child, si->ssi_signo);
}

int supervise(const struct config *cfg, int listener, pid_t child,
	      int sigfd)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	int status, code = EXIT_LAUNCHER;
	bool child_done = false;
	pid_t pid;

	/* The kernel's notification may be larger than our headers' one. */
	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		sizes.seccomp_notif = sizeof(*req);
	if (sizes.seccomp_notif < sizeof(*req))
		sizes.seccomp_notif = sizeof(*req);
	req = malloc(sizes.seccomp_notif);
	if (!req)
		return EXIT_LAUNCHER;

	pfd[0].fd = listener;
	pfd[0].events = POLLIN;
	pfd[1].fd = sigfd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			warnx_("poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN &&
		    read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				if (!child_done)
					forward(&si, child);
				else if (si.ssi_signo == SIGINT ||
					 si.ssi_signo == SIGTERM)
					break;	/* --keep, asked to stop */
			}
			/* with --keep we are a subreaper: reap orphans too */
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				if (pid != child)
					continue;
				child_done = true;
				code = status_to_exit(status);
			}
			/* with --keep, stay while the filter has users */
			if (child_done && (!cfg->keep || pfd[0].fd < 0))
				break;
		}
		if (pfd[0].revents & POLLIN) {
			memset(req, 0, sizes.seccomp_notif);
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == 0)
				dispatch(cfg, listener, req);
			else if (errno != ENOENT && errno != EINTR)
				warnx_("receiving a notification: %s",
				       strerror(errno));
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			/* No process uses the filter any more. */
			if (child_done)
				break;
			pfd[0].fd = -1;
		}
	}
	free(req);
	return code;
}
