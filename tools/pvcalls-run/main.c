// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls-run [options] [--] PROGRAM [ARGS]
 *
 * The child sets no_new_privs, installs the filter, hands the listener
 * fd to us over a socketpair and, once we have checked it, execs
 * PROGRAM.  We stay the parent and supervise.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/pvcalls.h>

#include "pvcalls-run.h"

/*
 * pvcalls_family() falls back to the default family when the module is
 * not loaded; we want to say that it is not, so we read the file here.
 */
#define FAMILY_PARAM PVCALLS_FAMILY_PARAM

/* Signals we pass on to PROGRAM (SIGCHLD is ours). */
static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH,
};

enum { OPT_NO_IPV6 = 256, OPT_URING, OPT_SUBST };

static const struct option longopts[] = {
	{ "family", required_argument, NULL, 'f' },
	{ "only", required_argument, NULL, 'o' },
	{ "except", required_argument, NULL, 'x' },
	{ "keep", no_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "no-ipv6", no_argument, NULL, OPT_NO_IPV6 },
	{ "allow-io-uring", no_argument, NULL, OPT_URING },
	{ "substitute-family", required_argument, NULL, OPT_SUBST },
	{ NULL, 0, NULL, 0 },
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: pvcalls-run [options] [--] PROGRAM [ARGS...]\n"
		"Runs PROGRAM with its IPv4 TCP sockets in the PV Calls family.\n"
		"  -f, --family N        family number (default: read from\n"
		"                        " FAMILY_PARAM ")\n"
		"  -o, --only SPEC       move only sockets that connect() or bind()\n"
		"                        to SPEC = ADDR[/PREFIX][:PORT] or :PORT\n"
		"  -x, --except SPEC     move all but those (both repeatable)\n"
		"      --no-ipv6         IPv6 TCP socket() fails with EAFNOSUPPORT\n"
		"      --allow-io-uring  do not refuse io_uring_setup() (ENOSYS)\n"
		"  -k, --keep            serve PROGRAM's descendants until all exit\n"
		"  -v, --verbose         log each moved socket to stderr\n"
		"      --substitute-family inet\n"
		"                        TEST MODE: move to plain AF_INET sockets\n"
		"Exit status: PROGRAM's, 128+N if killed by signal N; 125 if\n"
		"pvcalls-run failed, 126 if PROGRAM cannot run, 127 if not found.\n");
}

static int parse_int(const char *s, int *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno || *end || end == s || l < 0 || l > 1024)
		return -1;
	*v = l;
	return 0;
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
	struct rule *r;
	int c;

	while ((c = getopt_long(argc, argv, "+f:o:x:kvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_int(optarg, &cfg->family) || !cfg->family) {
				warnx_("bad family: %s", optarg);
				return -1;
			}
			break;
		case 'o':
		case 'x':
			if ((c == 'o' ? cfg->n_only : cfg->n_except) >= MAX_RULES) {
				warnx_("too many --only/--except");
				return -1;
			}
			r = c == 'o' ? &cfg->only[cfg->n_only++]
				     : &cfg->except[cfg->n_except++];
			if (parse_rule(optarg, r)) {
				warnx_("bad address selector: %s", optarg);
				return -1;
			}
			break;
		case 'k':
			cfg->keep = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case OPT_NO_IPV6:
			cfg->no_ipv6 = true;
			break;
		case OPT_URING:
			cfg->allow_io_uring = true;
			break;
		case OPT_SUBST:
			if (strcmp(optarg, "inet")) {
				warnx_("--substitute-family takes only 'inet'");
				return -1;
			}
			cfg->substitute = true;
			cfg->family = AF_INET;
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			print_usage(stderr);
			return -1;
		}
	}
	/* the test mode wins over --family, in whatever order they came */
	if (cfg->substitute)
		cfg->family = AF_INET;
	if (optind >= argc) {
		print_usage(stderr);
		return -1;
	}
	return optind;
}

/* The family in use, as the frontend module reports it. */
static int find_family(struct config *cfg)
{
	FILE *f;
	int fam = 0, fd;

	if (!cfg->family) {
		f = fopen(FAMILY_PARAM, "re");
		if (!f)		/* the family over this machine's TCP? */
			f = fopen(PVCALLS_LOOPBACK_FAMILY_PARAM, "re");
		if (!f) {
			warnx_("the PV Calls frontend is not loaded (%s: %s)",
			       FAMILY_PARAM, strerror(errno));
			warnx_("load it with 'modprobe xen-pvcalls-front' (or 'modprobe pvcalls-loopback' to try it without Xen), or give --family");
			return -1;
		}
		if (fscanf(f, "%d", &fam) != 1 || fam <= 0) {
			warnx_("%s: no family number", FAMILY_PARAM);
			fclose(f);
			return -1;
		}
		fclose(f);
		cfg->family = fam;
	}
	/* Fail now, not at PROGRAM's first socket(). */
	fd = new_socket(cfg, 0);
	if (fd < 0) {
		warnx_("cannot create a socket of family %d: %s",
		       cfg->family, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int send_fd(int sock, int fd, int err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &err, sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Returns the listener, or -1 with *err the child's errno (0: no news). */
static int recv_fd(int sock, int *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { err, sizeof(*err) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	*err = 0;
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(*err))
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void __noreturn
child(const struct config *cfg, int sock, const sigset_t *mask, char **argv)
{
	int listener, err = 0;
	char go = 0;

	sigprocmask(SIG_SETMASK, mask, NULL);
	listener = install_filter(cfg);
	if (listener < 0)
		err = errno;
	if (send_fd(sock, listener, err))
		_exit(EXIT_LAUNCHER);
	if (listener < 0)
		_exit(EXIT_LAUNCHER);
	close(listener);
	/* Wait until the supervisor has checked the listener. */
	if (read(sock, &go, 1) != 1 || go != 1)
		_exit(EXIT_LAUNCHER);
	close(sock);
	execvp(argv[0], argv);
	err = errno;
	warnx_("%s: %s", argv[0], strerror(err));
	_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

static void explain(int err)
{
	if (err == EINVAL)
		warnx_("this kernel has no seccomp user notification %s",
		       "(SECCOMP_FILTER_FLAG_NEW_LISTENER, Linux 5.0+)");
	else if (err == ENOSYS)
		warnx_("this kernel has no seccomp (CONFIG_SECCOMP_FILTER)");
	else if (err == EBUSY)
		warnx_("a seccomp listener is already installed %s",
		       "(nested pvcalls-run or another supervisor)");
	else
		warnx_("installing the seccomp filter: %s", strerror(err));
}

int main(int argc, char **argv)
{
	static struct config cfg;
	sigset_t block, old;
	int sv[2], sigfd, listener, err, first;
	size_t i;
	char go = 1;
	pid_t pid;

	first = parse_args(argc, argv, &cfg);
	if (first < 0)
		return EXIT_LAUNCHER;
	if (find_family(&cfg))
		return EXIT_LAUNCHER;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&block, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &block, &old))
		return EXIT_LAUNCHER;
	sigfd = signalfd(-1, &block, SFD_CLOEXEC);
	if (sigfd < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		warnx_("setting up: %s", strerror(errno));
		return EXIT_LAUNCHER;
	}
	if (cfg.keep)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	pid = fork();
	if (pid < 0) {
		warnx_("fork: %s", strerror(errno));
		return EXIT_LAUNCHER;
	}
	if (pid == 0) {
		close(sv[0]);
		close(sigfd);
		child(&cfg, sv[1], &old, argv + first);
	}
	close(sv[1]);

	listener = recv_fd(sv[0], &err);
	if (listener < 0) {
		if (err)
			explain(err);
		else
			warnx_("the child did not hand over the seccomp listener");
		goto fail;
	}
	if (probe_listener(listener)) {
		warnx_("this kernel cannot return an fd from a seccomp %s",
		       "notification (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+)");
		goto fail;
	}
	if (write(sv[0], &go, 1) != 1)
		goto fail;
	close(sv[0]);
	return supervise(&cfg, listener, pid, sigfd);

fail:
	/* The child exits by itself when it reads no go-ahead. */
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return EXIT_LAUNCHER;
}
