// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp filter installed in the child before exec.
 *
 * Native x86-64 calls:
 *   socket(AF_INET, SOCK_STREAM[|SOCK_NONBLOCK|SOCK_CLOEXEC], 0 or TCP)
 *	socket mode: sent to the supervisor, which answers with a PV Calls
 *	socket.  address mode: allowed, the decision is at connect/bind.
 *   socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) in socket mode: refused
 *	with EPROTONOSUPPORT (programs fall back to TCP).
 *   socket(AF_INET6, SOCK_STREAM, *) with --no-ipv6: EAFNOSUPPORT.
 *   connect(), bind() in address mode, when addrlen >= 16: supervisor.
 *   TCP Fast Open in address mode: refused (see below).
 *   io_uring_setup(): ENOSYS unless --allow-io-uring, because its socket
 *	and connect operations would not pass through this filter.
 *   everything else: allowed.
 * i386 and x32 calls (a 32-bit program, int 0x80, the x32 ABI): never
 * moved.  Their IPv4 TCP socket() fails with EAFNOSUPPORT, i386
 * socketcall() fails with ENOSYS (its arguments are in memory, which a
 * filter cannot read), io_uring_setup() as above; the rest is allowed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "pvcalls-run.h"

#define X32_BIT		0x40000000u
#define I386_SOCKETCALL	102
#define I386_SOCKET	359
#define I386_IO_URING	425
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

#define MAX_INSNS	96
#define MAX_LABELS	L_COUNT

enum label {
	L_NONE, L_X64, L_I386, L_X32, L_SOCK64, L_FOREIGN, L_INET,
	L_NOTIFY, L_ALLOW, L_EAFNO, L_ENOSYS, L_EPROTO, L_TCP,
	L_SENDTO, L_SENDMSG, L_SETSOCKOPT, L_EOPNOTSUPP, L_ENOPROTOOPT,
	L_COUNT
};

/* A tiny assembler: jumps name labels, resolved once all is emitted. */
struct prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned char jt[MAX_INSNS], jf[MAX_INSNS];
	int label[MAX_LABELS];
	int n;
	bool overflow;
};

static void emit(struct prog *p, unsigned short code, unsigned int k,
		 enum label jt, enum label jf)
{
	if (p->n >= MAX_INSNS) {
		p->overflow = true;
		return;
	}
	p->insn[p->n] = (struct sock_filter)BPF_STMT(code, k);
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

static void here(struct prog *p, enum label l)
{
	p->label[l] = p->n;
}

static int resolve(struct prog *p)
{
	int i, off;

	if (p->overflow)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (p->insn[i].code == (BPF_JMP | BPF_JA)) {
			/* unconditional: the label is kept in jt[] */
			off = p->label[p->jt[i]] - (i + 1);
			if (off < 0)
				return -1;
			p->insn[i].k = off;
			continue;
		}
		if (p->jt[i]) {
			off = p->label[p->jt[i]] - (i + 1);
			if (off < 0 || off > 255)
				return -1;
			p->insn[i].jt = off;
		}
		if (p->jf[i]) {
			off = p->label[p->jf[i]] - (i + 1);
			if (off < 0 || off > 255)
				return -1;
			p->insn[i].jf = off;
		}
	}
	return 0;
}

#define LD_W(p, off)	emit(p, BPF_LD | BPF_W | BPF_ABS, (off), 0, 0)
#define JEQ(p, k, t, f)	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(p, k, t, f)	emit(p, BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define JGE(p, k, t, f)	emit(p, BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define RET(p, k)	emit(p, BPF_RET | BPF_K, (k), 0, 0)
#define JMP(p, l)	emit(p, BPF_JMP | BPF_JA, 0, (l), 0)

/* Low 32 bits of argument i: the kernel reads int arguments from them. */
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))

/* Checks arguments 1 and 2 of a socket() whose family is AF_INET. */
static void emit_stream_tcp(struct prog *p, enum label match, bool mptcp)
{
	/* type without SOCK_NONBLOCK and SOCK_CLOEXEC must be SOCK_STREAM */
	LD_W(p, ARG_LO(1));
	emit(p, BPF_ALU | BPF_AND | BPF_K,
	     ~(unsigned int)(SOCK_NONBLOCK | SOCK_CLOEXEC), 0, 0);
	JEQ(p, SOCK_STREAM, 0, L_ALLOW);
	LD_W(p, ARG_LO(2));
	JEQ(p, 0, match, 0);
	JEQ(p, IPPROTO_TCP, match, 0);
	if (mptcp)
		JEQ(p, IPPROTO_MPTCP, L_EPROTO, L_ALLOW);
	else
		JMP(p, L_ALLOW);
}

static int build(const struct config *cfg, struct prog *p)
{
	bool by_addr = cfg_by_address(cfg);

	LD_W(p, offsetof(struct seccomp_data, arch));
	JEQ(p, AUDIT_ARCH_X86_64, L_X64, 0);
	JEQ(p, AUDIT_ARCH_I386, L_I386, L_ALLOW);

	here(p, L_X64);
	LD_W(p, offsetof(struct seccomp_data, nr));
	JGE(p, X32_BIT, L_X32, 0);
	JEQ(p, __NR_socket, L_SOCK64, 0);
	if (!cfg->allow_io_uring)
		JEQ(p, __NR_io_uring_setup, L_ENOSYS, 0);
	if (by_addr) {
		JEQ(p, __NR_connect, L_TCP, 0);
		JEQ(p, __NR_bind, L_TCP, 0);
		JEQ(p, __NR_sendto, L_SENDTO, 0);
		JEQ(p, __NR_sendmsg, L_SENDMSG, 0);
		JEQ(p, __NR_setsockopt, L_SETSOCKOPT, 0);
	}
	JMP(p, L_ALLOW);

	/*
	 * Address mode: TCP Fast Open connects without connect(), so the
	 * selection would not see it.  Refuse it: MSG_FASTOPEN in sendto()
	 * or sendmsg(), setsockopt(IPPROTO_TCP, TCP_FASTOPEN_CONNECT).
	 */
	if (by_addr) {
		here(p, L_SENDTO);
		LD_W(p, ARG_LO(3));
		JSET(p, MSG_FASTOPEN, L_EOPNOTSUPP, L_ALLOW);
		here(p, L_SENDMSG);
		LD_W(p, ARG_LO(2));
		JSET(p, MSG_FASTOPEN, L_EOPNOTSUPP, L_ALLOW);
		here(p, L_SETSOCKOPT);
		LD_W(p, ARG_LO(1));
		JEQ(p, IPPROTO_TCP, 0, L_ALLOW);
		LD_W(p, ARG_LO(2));
		JEQ(p, TCP_FASTOPEN_CONNECT, L_ENOPROTOOPT, L_ALLOW);
	}

	/* connect/bind: an AF_INET address needs at least 16 bytes */
	here(p, L_TCP);
	LD_W(p, ARG_LO(2));
	JGE(p, sizeof(struct sockaddr_in), L_NOTIFY, L_ALLOW);

	here(p, L_SOCK64);
	LD_W(p, ARG_LO(0));
	JEQ(p, AF_INET, L_INET, 0);
	if (cfg->no_ipv6) {
		JEQ(p, AF_INET6, 0, L_ALLOW);
		LD_W(p, ARG_LO(1));
		emit(p, BPF_ALU | BPF_AND | BPF_K,
		     ~(unsigned int)(SOCK_NONBLOCK | SOCK_CLOEXEC), 0, 0);
		JEQ(p, SOCK_STREAM, L_EAFNO, L_ALLOW);
	} else {
		JMP(p, L_ALLOW);
	}
	here(p, L_INET);
	emit_stream_tcp(p, by_addr ? L_ALLOW : L_NOTIFY, !by_addr);

	here(p, L_X32);
	JEQ(p, X32_BIT | __NR_socket, L_FOREIGN, 0);
	if (!cfg->allow_io_uring)
		JEQ(p, X32_BIT | __NR_io_uring_setup, L_ENOSYS, 0);
	JMP(p, L_ALLOW);

	here(p, L_I386);
	LD_W(p, offsetof(struct seccomp_data, nr));
	JEQ(p, I386_SOCKET, L_FOREIGN, 0);
	JEQ(p, I386_SOCKETCALL, L_ENOSYS, 0);
	if (!cfg->allow_io_uring)
		JEQ(p, I386_IO_URING, L_ENOSYS, 0);
	JMP(p, L_ALLOW);

	/* i386/x32 socket(): IPv4 TCP refused, never a plain socket */
	here(p, L_FOREIGN);
	LD_W(p, ARG_LO(0));
	JEQ(p, AF_INET, 0, L_ALLOW);
	emit_stream_tcp(p, L_EAFNO, false);

	here(p, L_NOTIFY);
	RET(p, SECCOMP_RET_USER_NOTIF);
	here(p, L_EAFNO);
	RET(p, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
	here(p, L_ENOSYS);
	RET(p, SECCOMP_RET_ERRNO | ENOSYS);
	here(p, L_EPROTO);
	RET(p, SECCOMP_RET_ERRNO | EPROTONOSUPPORT);
	here(p, L_EOPNOTSUPP);
	RET(p, SECCOMP_RET_ERRNO | EOPNOTSUPP);
	here(p, L_ENOPROTOOPT);
	RET(p, SECCOMP_RET_ERRNO | ENOPROTOOPT);
	here(p, L_ALLOW);
	RET(p, SECCOMP_RET_ALLOW);

	if (resolve(p))
		return -1;
	return 0;
}

/*
 * Runs in the child.  Returns the listener fd, or -1 with errno set
 * (EINVAL: the kernel has no SECCOMP_FILTER_FLAG_NEW_LISTENER).
 */
int install_filter(const struct config *cfg)
{
	static struct prog p;
	struct sock_fprog fprog;

	if (build(cfg, &p)) {
		errno = E2BIG;
		return -1;
	}
	fprog.len = p.n;
	fprog.filter = p.insn;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
}
