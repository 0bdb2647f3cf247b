// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace stress test of one direction of a PV Calls data ring with and
 * without the notify-mitigation extension, built from the same headers as
 * the modules (dring.h, notify.h).  Two threads play producer and
 * consumer over a tiny ring; an emulated event channel (pending bit +
 * condition variable) wakes a side that decided to sleep.  A side that
 * sleeps longer than the timeout is a lost wakeup: the test fails.
 *
 * Kernel barriers map one-to-one to C11 fences:
 *   virt_mb()  -> atomic_thread_fence(memory_order_seq_cst)
 *   virt_rmb() -> atomic_thread_fence(memory_order_acquire)
 *   virt_wmb() -> atomic_thread_fence(memory_order_release)
 * READ_ONCE/WRITE_ONCE are relaxed atomic accesses.  ThreadSanitizer
 * does not understand fences, so under TSan only (__SANITIZE_THREAD__)
 * shared index loads are acquire and stores release as well; that adds
 * nothing the fences do not already give, and lets TSan check that
 * every ring byte access is ordered by the index protocol.  The fences
 * themselves are checked by the Promela model (model/).
 *
 * Usage: notify-stress [-n bytes-per-phase] [-s ring-size] [-S seed]
 *                      [-t wait-timeout-seconds]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen-pvcalls/dring.h>
#include <xen-pvcalls/notify.h>
#include "../lib/tap.h"

/* full barrier: orders earlier loads and stores before later ones */
#define virt_mb()	atomic_thread_fence(memory_order_seq_cst)
/* read barrier: earlier loads before later loads (acquire fence) */
#define virt_rmb()	atomic_thread_fence(memory_order_acquire)
/* write barrier: earlier stores before later stores (release fence) */
#define virt_wmb()	atomic_thread_fence(memory_order_release)

#ifdef __SANITIZE_THREAD__
#define LOAD_ORDER	__ATOMIC_ACQUIRE
#define STORE_ORDER	__ATOMIC_RELEASE
#else
#define LOAD_ORDER	__ATOMIC_RELAXED
#define STORE_ORDER	__ATOMIC_RELAXED
#endif
#define READ_ONCE(x)		__atomic_load_n(&(x), LOAD_ORDER)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), STORE_ORDER)

/* BROKEN_NO_MB drops the extension's four full barriers (not for check) */
#ifdef BROKEN_NO_MB
#define ext_mb()	do { } while (0)
#else
/* the extension's P1, P2, C1, C2: see each call site for its pair */
#define ext_mb()	virt_mb()
#endif

#define EV(ix, off)	(*pvc_notify_field((ix), (off)))
#define MAX_RING	32768

/* An event channel: a pending bit, and a way to sleep until it is set. */
struct evtchn {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
	unsigned long sent;	/* events sent to this side */
	unsigned long waits;	/* times this side slept */
	unsigned long spurious;	/* woke, and nothing to do */
};

struct phase {
	const char *name;
	int mitigate;		/* extension negotiated */
	int bulk;		/* biggest chunks, no delays, no low marks */
	unsigned long bytes;	/* bytes to move */
	unsigned long cerr_at;	/* consumer fails after this many (0: no) */
	__u32 want;		/* producer's wake-up threshold (0: random) */
};

struct ring {
	struct pvc_indexes *ix;	/* we use the "in" fields */
	__u8 *data;
	__u32 size;
	const struct phase *ph;
	struct evtchn to_cons;	/* events for the consumer (data) */
	struct evtchn to_prod;	/* events for the producer (space) */
	unsigned long publishes, consumes;	/* v1 would signal each */
	unsigned long long prod_hash, cons_hash;
	unsigned long received;
	int failed;
};

static unsigned int wait_timeout = 10;
static __u32 ring_size = 32;
static unsigned long phase_bytes = 4UL << 20;
static unsigned long seed = 1;

static __u64 xorshift(__u64 *s)
{
	__u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* the byte stream: byte i of a phase is a function of seed and i */
static __u8 stream_byte(unsigned long i)
{
	__u64 x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return (__u8)x;
}

static unsigned long long fnv(unsigned long long h, __u8 b)
{
	return (h ^ b) * 0x100000001b3ULL;
}

static void fail(struct ring *r, const char *what)
{
	fprintf(stderr, "%s: %s (prod %#x cons %#x error %d/%d events %u/%u)\n",
		r->ph->name, what, READ_ONCE(r->ix->in_prod),
		READ_ONCE(r->ix->in_cons), READ_ONCE(r->ix->in_error),
		READ_ONCE(r->ix->out_error),
		READ_ONCE(EV(r->ix, PVC_NOTIFY_IN_PROD_EVENT)),
		READ_ONCE(EV(r->ix, PVC_NOTIFY_IN_CONS_EVENT)));
	r->failed = 1;
	exit(1);	/* a stuck peer thread would never return */
}

static void evt_init(struct evtchn *ch)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->cond, &a);
	pthread_condattr_destroy(&a);
	pthread_mutex_init(&ch->lock, NULL);
	ch->pending = 0;
	ch->sent = 0;
	ch->waits = 0;
	ch->spurious = 0;
}

/* notify_remote_via_irq(): set the peer's pending bit, wake it */
static void evt_send(struct evtchn *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->sent++;
	ch->pending = 1;
	pthread_cond_signal(&ch->cond);
	pthread_mutex_unlock(&ch->lock);
}

/* Sleep until an event is pending, consume it.  A timeout fails. */
static void evt_wait(struct ring *r, struct evtchn *ch, const char *who)
{
	struct timespec t;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += wait_timeout;
	pthread_mutex_lock(&ch->lock);
	ch->waits++;
	while (!ch->pending && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&ch->cond, &ch->lock, &t);
	if (!ch->pending) {
		pthread_mutex_unlock(&ch->lock);
		fprintf(stderr, "%s slept %us with no event\n", who,
			wait_timeout);
		fail(r, "lost wakeup");
	}
	ch->pending = 0;
	pthread_mutex_unlock(&ch->lock);
}

/* random short delays, so that the threads interleave in many ways */
static void jitter(const struct ring *r, __u64 *rnd)
{
	__u64 x;
	unsigned int spin;

	if (r->ph->bulk)
		return;
	x = xorshift(rnd);
	if ((x & 63) == 0) {
		for (spin = (x >> 8) & 1023; spin; spin--)
			__atomic_signal_fence(__ATOMIC_SEQ_CST); /* no CPU fence */
	} else if ((x & 4095) == 1) {
		sched_yield();
	} else if ((x & 65535) == 2) {
		struct timespec ts = { 0, (long)((x >> 16) & 65535) };

		nanosleep(&ts, NULL);
	}
}

static void *producer(void *arg)
{
	struct ring *r = arg;
	struct pvc_indexes *ix = r->ix;
	const struct phase *ph = r->ph;
	__u64 rnd = seed * 2 + 1;
	__u32 prod = READ_ONCE(ix->in_prod);
	unsigned long done = 0;
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (done < ph->bytes) {
		__u32 cons, space, want, n, old, i, ev;
		struct pvc_ring_span sp;
		unsigned long left = ph->bytes - done;

		jitter(r, &rnd);
		if (READ_ONCE(ix->out_error))	/* consumer failed */
			break;
		cons = READ_ONCE(ix->in_cons);
		virt_mb();	/* PM: pairs with CM, cons before data */
		if (pvc_ring_writable(prod, cons, r->size, &space))
			fail(r, "impossible cons");
		/*
		 * Like a socket: write what fits, wait only on a full ring.
		 * The wake-up threshold (want) is 1, or sometimes more, to
		 * batch; it and the consumer's low-water mark (need) are at
		 * most half the ring, so they never wait for each other.
		 */
		if (space == 0) {
			want = ph->want ? ph->want :
			       (!ph->bulk && (xorshift(&rnd) & 3) == 0) ?
			       1 + xorshift(&rnd) % (r->size / 2) : 1;
			if (ph->mitigate) {
				WRITE_ONCE(EV(ix, PVC_NOTIFY_IN_CONS_EVENT),
					   pvc_notify_cons_event(prod, want,
								 r->size));
				ext_mb();	/* P2: pairs with C1 */
				cons = READ_ONCE(ix->in_cons);
				if (pvc_ring_writable(prod, cons, r->size,
						      &space))
					fail(r, "impossible cons");
				if (space >= want ||
				    READ_ONCE(ix->out_error))
					continue;
			}
			evt_wait(r, &r->to_prod, "producer");
			continue;
		}
		n = ph->bulk ? r->size : 1 + xorshift(&rnd) % r->size;
		if (n > left)
			n = left;
		if (n > space)
			n = space;
		pvc_ring_span(prod, n, r->size, &sp);
		for (i = 0; i < n; i++) {
			__u8 b = stream_byte(done + i);

			r->data[i < sp.len[0] ? sp.off[0] + i :
				i - sp.len[0]] = b;
			h = fnv(h, b);
		}
		virt_wmb();	/* PW: pairs with CR, data before prod */
		old = prod;
		prod += n;
		done += n;
		WRITE_ONCE(ix->in_prod, prod);
		r->publishes++;
		if (ph->mitigate) {
			ext_mb();	/* P1: pairs with C2 */
			ev = READ_ONCE(EV(ix, PVC_NOTIFY_IN_PROD_EVENT));
			if (pvc_notify_producer_must_signal(true, old, prod,
							    ev))
				evt_send(&r->to_cons);
		} else {
			evt_send(&r->to_cons);
		}
	}
	r->prod_hash = h;
	/* end of file: data first, then in_error, then an event, always */
	virt_wmb();	/* EW: pairs with ER */
	WRITE_ONCE(ix->in_error, -107 /* -ENOTCONN */);
	evt_send(&r->to_cons);
	return NULL;
}

static void *consumer(void *arg)
{
	struct ring *r = arg;
	struct pvc_indexes *ix = r->ix;
	const struct phase *ph = r->ph;
	__u64 rnd = seed * 4 + 3;
	__u32 cons = READ_ONCE(ix->in_cons);
	unsigned long got = 0;
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (;;) {
		__u32 prod, avail, need, n, old, i, ev;
		struct pvc_ring_span sp;
		__s32 err;

		jitter(r, &rnd);
		err = READ_ONCE(ix->in_error);
		virt_rmb();	/* ER: pairs with EW, error before prod */
		prod = READ_ONCE(ix->in_prod);
		virt_rmb();	/* CR: pairs with PW, prod before data */
		if (pvc_ring_readable(prod, cons, r->size, &avail))
			fail(r, "impossible prod");
		/* sometimes wait for a low-water mark, data present or not */
		need = (!ph->bulk && (xorshift(&rnd) & 7) == 0) ?
			1 + xorshift(&rnd) % (r->size / 2) : 1;
		if (avail < need && !err) {
			if (ph->mitigate) {
				WRITE_ONCE(EV(ix, PVC_NOTIFY_IN_PROD_EVENT),
					   pvc_notify_prod_event(cons, need,
								 r->size));
				ext_mb();	/* C2: pairs with P1 */
				err = READ_ONCE(ix->in_error);
				virt_rmb();	/* ER */
				prod = READ_ONCE(ix->in_prod);
				if (pvc_ring_readable(prod, cons, r->size,
						      &avail))
					fail(r, "impossible prod");
				if (avail >= need || err)
					continue;
			}
			evt_wait(r, &r->to_cons, "consumer");
			continue;
		}
		if (avail == 0)		/* drained, and in_error is set */
			break;
		n = ph->bulk ? avail : 1 + xorshift(&rnd) % avail;
		pvc_ring_span(cons, n, r->size, &sp);
		for (i = 0; i < n; i++) {
			__u8 b = r->data[i < sp.len[0] ? sp.off[0] + i :
					 i - sp.len[0]];

			if (b != stream_byte(got + i)) {
				fprintf(stderr, "byte %lu: %#x, want %#x\n",
					got + i, b, stream_byte(got + i));
				fail(r, "data corrupted");
			}
			h = fnv(h, b);
		}
		virt_mb();	/* CM: pairs with PM, data before cons */
		old = cons;
		cons += n;
		got += n;
		WRITE_ONCE(ix->in_cons, cons);
		r->consumes++;
		if (ph->mitigate) {
			ext_mb();	/* C1: pairs with P2 */
			ev = READ_ONCE(EV(ix, PVC_NOTIFY_IN_CONS_EVENT));
			if (pvc_notify_consumer_must_signal(true, old, cons,
							    ev))
				evt_send(&r->to_prod);
		} else {
			evt_send(&r->to_prod);
		}
		if (ph->cerr_at && got >= ph->cerr_at) {
			/* a send error on the consumer's side (out_error) */
			virt_wmb();	/* EW */
			WRITE_ONCE(ix->out_error, -32 /* -EPIPE */);
			evt_send(&r->to_prod);
			break;
		}
	}
	r->cons_hash = h;
	r->received = got;
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Run one phase; returns events sent (both ways) or -1 on failure. */
static long run(const struct phase *ph, unsigned long *would)
{
	static __u8 data[MAX_RING];
	__u8 *page = aligned_alloc(4096, 4096);
	struct ring r;
	pthread_t pt, ct;
	double t0, secs, mib;
	__u32 start = 0U - 3 * ring_size - 5;	/* wrap early */
	long events;
	int ok;

	if (!page) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(page, 0, 4096);
	memset(&r, 0, sizeof(r));
	r.ix = (struct pvc_indexes *)page;
	r.ix->in_prod = start;
	r.ix->in_cons = start;
	r.data = data;
	r.size = ring_size;
	r.ph = ph;
	evt_init(&r.to_cons);
	evt_init(&r.to_prod);

	t0 = now();
	pthread_create(&ct, NULL, consumer, &r);
	pthread_create(&pt, NULL, producer, &r);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	secs = now() - t0;

	events = r.to_cons.sent + r.to_prod.sent;
	*would = r.publishes + r.consumes;
	mib = r.received / 1048576.0;
	if (ph->cerr_at)
		ok = r.received >= ph->cerr_at && r.received <= ph->bytes;
	else
		ok = r.received == ph->bytes && r.prod_hash == r.cons_hash;
	printf("# %s: %lu bytes in %.2fs, %lu+%lu transfers\n",
	       ph->name, r.received, secs, r.publishes, r.consumes);
	printf("#   events: data %lu space %lu, %.0f/MiB (v1: %.0f/MiB)\n",
	       r.to_cons.sent, r.to_prod.sent,
	       mib > 0 ? events / mib : 0.0, mib > 0 ? *would / mib : 0.0);
	printf("#   sleeps: producer %lu consumer %lu\n",
	       r.to_prod.waits, r.to_cons.waits);
	tap_check(ok && !r.failed, ph->name, "%lu bytes received, hashes %s%s",
		  r.received, r.prod_hash == r.cons_hash ? "equal" : "differ",
		  r.failed ? ", a side failed" : "");
	free(page);
	return ok && !r.failed ? events : -1;
}

#define NPHASES	7

int main(int argc, char **argv)
{
	struct phase ph[NPHASES] = {
		{ .name = "v1 random" },
		{ .name = "mitigation random", .mitigate = 1 },
		{ .name = "v1 consumer error" },
		{ .name = "mitigation consumer error", .mitigate = 1 },
		{ .name = "v1 bulk", .bulk = 1 },
		{ .name = "mitigation bulk", .mitigate = 1, .bulk = 1 },
		{ .name = "mitigation bulk, producer woken at half ring",
		  .mitigate = 1, .bulk = 1 },
	};
	unsigned long would;
	long ev[NPHASES];
	int opt, i;

	while ((opt = getopt(argc, argv, "n:s:S:t:")) != -1) {
		switch (opt) {
		case 'n':
			phase_bytes = strtoul(optarg, NULL, 0);
			break;
		case 's':
			ring_size = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 't':
			wait_timeout = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n bytes] [-s ring-size] [-S seed] [-t timeout]\n",
				argv[0]);
			return 2;
		}
	}
	if (ring_size < 2 || ring_size > MAX_RING ||
	    (ring_size & (ring_size - 1)) || !phase_bytes) {
		fprintf(stderr, "ring size: power of two, 2..%d\n", MAX_RING);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < NPHASES; i++)
		ph[i].bytes = phase_bytes;
	ph[2].cerr_at = phase_bytes / 3;
	ph[3].cerr_at = phase_bytes / 3;
	ph[6].want = ring_size / 2;

	tap_plan(NPHASES + 1);
	printf("# ring %u bytes, %lu bytes per phase, seed %lu\n",
	       ring_size, phase_bytes, seed);
	for (i = 0; i < NPHASES; i++)
		ev[i] = run(&ph[i], &would);
	/* same bytes moved: mitigation must send strictly fewer events */
	i = ev[4] > 0 && ev[5] >= 0 && ev[5] < ev[4];
	tap_result(i, "mitigation sends fewer events on a bulk stream",
		   i ? "%ld < %ld" : "%ld vs %ld", ev[5], ev[4]);
	return tap_done(NULL);
}
