// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: Linux's own PV Calls frontend against our backend.
 *
 * Linux's frontend (drivers/xen/pvcalls-front.c) registers no socket
 * family: in-kernel users call pvcalls_front_socket(), _connect() and
 * the others on a struct socket of their own.  Linux 6.1 does not export
 * them, so testbed/upstream-pvcalls.sh links that file, extracted from
 * linux-source at test time, into this module (its init_module renamed
 * pvc_upstream_init_module), and this file drives it: a listener, a
 * client connected to it through dom0 and the accepted socket, data
 * both ways with checksums, poll, end of file, release.
 *
 * Writing anything to debugfs pvcalls-upfront/run runs the cases once
 * (the guest does so once the device is Connected); pvcalls-upfront/
 * results then holds one TAP line per case and "# done".  Every wait is
 * bounded.
 */
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "pvcalls-front.h"

int pvc_upstream_init_module(void);

#define UF_PORT		8997
#define UF_BYTES	(256 * 1024)
#define UF_CHUNK	8192
#define UF_WAIT		(30 * HZ)
#define UF_LOG_SIZE	4096

static DEFINE_MUTEX(uf_lock);	/* the log and a run */
static char uf_log[UF_LOG_SIZE];
static size_t uf_len;
static int uf_n;
static struct dentry *uf_dir;

/* One TAP line; @fmt says why, on a failure only. */
static __printf(3, 4) void uf_tap(bool ok, const char *name,
				  const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	uf_len += scnprintf(uf_log + uf_len, sizeof(uf_log) - uf_len,
			    "%sok %d %s%s%s\n", ok ? "" : "not ", ++uf_n, name,
			    ok ? "" : " # ", ok ? "" : why);
}

static struct sockaddr_in uf_addr(void)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(UF_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return a;
}

/* A socket of the guest's TCP, with Linux's frontend behind it. */
static int uf_socket(struct socket **sock)
{
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       sock);
	if (ret)
		return ret;
	ret = pvcalls_front_socket(*sock);
	if (ret) {
		sock_release(*sock);
		*sock = NULL;
	}
	return ret;
}

static void uf_close(struct socket *sock)
{
	if (!sock)
		return;
	pvcalls_front_release(sock);
	sock_release(sock);
}

/*
 * An accepted socket: pvcalls_front_accept() gives it a bare sk of its
 * own (the struct socket we pass has none), which we free after the
 * release.
 */
static void uf_close_accepted(struct socket *sock)
{
	if (!sock)
		return;
	if (sock->sk) {
		pvcalls_front_release(sock);
		sk_free(sock->sk);
		sock->sk = NULL;
	}
	sock_release(sock);
}

/* One non-blocking send or receive of up to @len bytes at @buf. */
static int uf_xfer(struct socket *sock, void *buf, size_t len, bool send)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

	iov_iter_kvec(&msg.msg_iter, send ? ITER_SOURCE : ITER_DEST, &vec, 1,
		      len);
	if (send)
		return pvcalls_front_sendmsg(sock, &msg, len);
	return pvcalls_front_recvmsg(sock, &msg, len, MSG_DONTWAIT);
}

/*
 * Move UF_BYTES from @from to @to, sending and receiving in turns, the
 * receiver asking poll first; bounded by UF_WAIT without progress.
 * Returns 0 when all arrived and match, else why not in @why.
 */
static int uf_stream(struct socket *from, struct socket *to, u8 *out, u8 *in,
		     char *why, size_t whylen)
{
	size_t sent = 0, got = 0;
	unsigned long idle = jiffies + UF_WAIT;
	int ret;

	get_random_bytes(out, UF_BYTES);
	memset(in, 0, UF_BYTES);
	while (got < UF_BYTES) {
		bool moved = false;

		if (sent < UF_BYTES) {
			ret = uf_xfer(from, out + sent,
				      min_t(size_t, UF_CHUNK, UF_BYTES - sent),
				      true);
			if (ret > 0) {
				sent += ret;
				moved = true;
			} else if (ret != -EAGAIN) {
				scnprintf(why, whylen, "send: %d after %zu", ret,
					  sent);
				return -EIO;
			}
		}
		if (pvcalls_front_poll(NULL, to, NULL) & EPOLLIN) {
			ret = uf_xfer(to, in + got, UF_BYTES - got, false);
			if (ret > 0) {
				got += ret;
				moved = true;
			} else if (ret != -EAGAIN) {
				scnprintf(why, whylen, "recv: %d after %zu", ret,
					  got);
				return -EIO;
			}
		}
		if (moved) {
			idle = jiffies + UF_WAIT;
			continue;
		}
		if (time_after(jiffies, idle)) {
			scnprintf(why, whylen, "sent %zu, received %zu, then nothing for %d s",
				  sent, got, UF_WAIT / HZ);
			return -ETIMEDOUT;
		}
		usleep_range(1000, 2000);
	}
	if (crc32_le(0, out, UF_BYTES) != crc32_le(0, in, UF_BYTES) ||
	    memcmp(out, in, UF_BYTES)) {
		scnprintf(why, whylen, "crc32 %08x sent, %08x received",
			  crc32_le(0, out, UF_BYTES), crc32_le(0, in, UF_BYTES));
		return -EIO;
	}
	return 0;
}

static void uf_run(void)
{
	struct socket *l = NULL, *c = NULL, *s = NULL;
	struct sockaddr_in a = uf_addr();
	unsigned long end;
	u8 *out, *in;
	char why[160] = "";
	__poll_t mask;
	u8 byte;
	int ret;

	out = vmalloc(UF_BYTES);
	in = vmalloc(UF_BYTES);
	if (!out || !in) {
		uf_tap(false, "buffers", "no memory");
		goto out;
	}

	ret = uf_socket(&l);
	uf_tap(!ret, "pvcalls_front_socket (listener)", "%d", ret);
	if (ret)
		goto out;
	ret = pvcalls_front_bind(l, (struct sockaddr *)&a, sizeof(a));
	if (!ret)
		ret = pvcalls_front_listen(l, 8);
	uf_tap(!ret, "pvcalls_front_bind and _listen on 127.0.0.1:8997",
	       "%d", ret);
	if (ret)
		goto out;

	ret = uf_socket(&c);
	if (!ret)
		ret = pvcalls_front_connect(c, (struct sockaddr *)&a, sizeof(a),
					    0);
	uf_tap(!ret, "pvcalls_front_connect to that listener through dom0",
	       "%d", ret);
	if (ret)
		goto out;

	/*
	 * Readiness of the listener (a POLL command), bounded.  A readable
	 * answer is reported once: keep the mask that said so.
	 */
	end = jiffies + UF_WAIT;
	for (;;) {
		mask = pvcalls_front_poll(NULL, l, NULL);
		if (mask & EPOLLIN || !time_before(jiffies, end))
			break;
		msleep(20);
	}
	uf_tap(mask & EPOLLIN, "pvcalls_front_poll: listener readable",
	       "mask %#x", (__force unsigned int)mask);

	/* a connection is waiting: the backend answers ACCEPT at once */
	ret = sock_create_lite(AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
	if (!ret)
		ret = pvcalls_front_accept(l, s, 0);
	uf_tap(!ret, "pvcalls_front_accept", "%d", ret);
	if (ret)
		goto out;

	ret = uf_stream(c, s, out, in, why, sizeof(why));
	uf_tap(!ret, "256 KiB client to accepted, crc32 equal",
	       "%s", why);
	ret = uf_stream(s, c, out, in, why, sizeof(why));
	uf_tap(!ret, "256 KiB accepted to client, crc32 equal",
	       "%s", why);

	/* the client's release is an end of file for the accepted side */
	uf_close(c);
	c = NULL;
	end = jiffies + UF_WAIT;
	do {
		ret = uf_xfer(s, &byte, 1, false);
		if (ret != -EAGAIN)
			break;
		msleep(20);
	} while (time_before(jiffies, end));
	uf_tap(!ret, "end of file on the accepted socket after the client's release",
	       "recv gave %d", ret);

out:
	uf_close(c);
	uf_close_accepted(s);
	uf_close(l);
	vfree(out);
	vfree(in);
	uf_len += scnprintf(uf_log + uf_len, sizeof(uf_log) - uf_len,
			    "# done\n");
}

static ssize_t uf_run_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	mutex_lock(&uf_lock);
	uf_len = 0;
	uf_n = 0;
	uf_log[0] = 0;
	uf_run();
	mutex_unlock(&uf_lock);
	return len;
}

static const struct file_operations uf_run_fops = {
	.owner = THIS_MODULE,
	.write = uf_run_write,
};

static int uf_results_show(struct seq_file *m, void *unused)
{
	mutex_lock(&uf_lock);
	seq_write(m, uf_log, uf_len);
	mutex_unlock(&uf_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uf_results);

static int __init uf_init(void)
{
	int ret = pvc_upstream_init_module();

	if (ret)
		return ret;
	uf_dir = debugfs_create_dir("pvcalls-upfront", NULL);
	debugfs_create_file("run", 0200, uf_dir, NULL, &uf_run_fops);
	debugfs_create_file("results", 0400, uf_dir, NULL, &uf_results_fops);
	return 0;
}

/*
 * No module_exit: Linux's frontend has none (its xenbus driver stays
 * registered), so neither can this module be unloaded.
 */
module_init(uf_init);

MODULE_DESCRIPTION("Test only: Linux's PV Calls frontend against our backend");
MODULE_LICENSE("GPL");
