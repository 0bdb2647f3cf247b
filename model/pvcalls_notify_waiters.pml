/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * Several waiters on one side (Documentation/notify-mitigation.rst,
 * "Several waiters on one side"), one direction, extension on.
 *
 * The producer (backend) is as in pvcalls_notify.pml.  The consumer side
 * (frontend) has two tasks on one wait queue, each on its own CPU:
 *   T0  a reader with a low-water mark of 2 items (SO_RCVLOWAT): it
 *       consumes only when 2 are queued, or what is left after EOF;
 *   T1  a poller: it waits until the socket is readable, never consumes.
 * Both arm the one prod_event index with the "next byte" policy under a
 * spinlock: fresh prod + 1.  The event handler wakes every task on the
 * queue (wake_up_all); a task is on the queue from prepare_to_wait()
 * until it finishes its wait, so a wake-up between its check and its
 * sleep is not lost.
 *
 * Knobs: NO_REARM lets T0 sleep when the re-check saw prod move past
 * the index it armed but not far enough for its low-water mark.
 * NO_WAKE_RULE drops "if the fresh prod has reached the index
 * armed before, wake all waiters before re-arming"; spin must then find
 * a waiter asleep on data that is there.
 */

#ifndef N
#define N	3
#endif
#ifndef RS
#define RS	2
#endif
#ifndef START
#define START	254
#endif

#define NSB	3	/* store buffers: producer, T0, T1 */
#define PR	0

#include "memmodel.pml"

#define LOWAT	2
/* pvc_notify_reached(): idx at or past armed */
#define REACHED(idx, a)	(SUB(idx, a) < 128)

bit pend_p, pend_c;	/* event pending for producer / consumer side */
bit onq[2];		/* consumer task on the wait queue */
bit woke[2];		/* ... and woken */
bit asleep[2];		/* ... and in schedule() */
bit done[2];
bit lk;			/* the side's arming spinlock */
byte armed;		/* index armed last (under lk) */
bit armed_valid;
bit p_asleep, p_done;
byte p_prod = START;
byte c_cons = START;	/* the frontend's private cons (T0 moves it) */

proctype producer()
{
	byte c, e, k, old;
	byte item = 1;

loop:
	if
	:: item > N -> goto eof
	:: else -> skip
	fi;
	LOAD(PR, A_CONS, c);
	if
	:: SUB(p_prod, c) < RS ->
		STORE(PR, A_SLOT + p_prod % RS, item);
		WMB(PR);		/* PW */
		old = p_prod;
		p_prod = ADD(p_prod, 1);
		item++;
		STORE(PR, A_PROD, p_prod);
		MB(PR);			/* P1 */
		LOAD(PR, A_PEV, e);
		if
		:: CROSSED(old, p_prod, e) -> SIGNAL(PR, pend_c)
		:: else -> skip
		fi;
		goto loop
	:: else -> skip
	fi;
	STORE(PR, A_CEV, ADD(SUB(p_prod, RS), 1));
	MB(PR);				/* P2 */
	LOAD(PR, A_CONS, c);
	if
	:: SUB(p_prod, c) < RS -> goto loop
	:: else -> skip
	fi;
	p_asleep = 1;
	atomic { pend_p -> pend_p = 0; p_asleep = 0 };
	goto loop;
eof:
	WMB(PR);			/* EW */
	STORE(PR, A_PERR, 1);
	SIGNAL(PR, pend_c);
	p_done = 1
}

/* the event handler of the consumer side: wake_up_all() */
active proctype handler()
{
end_h:
	do
	:: atomic {
		pend_c ->
		pend_c = 0;
		woke[0] = woke[0] || onq[0];
		woke[1] = woke[1] || onq[1]
	   }
	od
}

inline WAKE_ALL()
{
	woke[0] = woke[0] || onq[0];
	woke[1] = woke[1] || onq[1]
}

/*
 * Arm prod_event and re-check; leaves in p and err what the re-check
 * read.  A task that finds prod_event already at the value it would
 * store (stored by either task, MB before that task let go of lk) skips
 * the store and the MB, not the re-check (pvcf_dring_arm()).
 * Called with onq[t] set.  The caller sleeps only if its own
 * condition is false and p has not reached the armed index (else it
 * goes round again: with "next byte", data that arrived while arming,
 * too little for it, is already past the index).
 */
inline ARM(t, s)
{
	atomic { lk == 0 -> lk = 1 };
	LOAD(s, A_PROD, p);		/* fresh */
	if
	:: armed_valid && armed == ADD(p, 1) ->
		skip	/* armed there under lk, then MB: skip both */
	:: else ->
#ifndef NO_WAKE_RULE
		if
		:: armed_valid && REACHED(p, armed) -> WAKE_ALL()
		:: else -> skip
		fi;
#endif
		armed = ADD(p, 1);
		armed_valid = 1;
		STORE(s, A_PEV, armed);
		MB(s)			/* C2 */
	fi;
	LOAD(s, A_PERR, err);
	LOAD(s, A_PROD, p);
	lk = 0
}

inline SLEEP(t)
{
	asleep[t] = 1;
	atomic { woke[t] -> woke[t] = 0; asleep[t] = 0; onq[t] = 0 }
}

inline LEAVE_QUEUE(t)
{
	atomic { onq[t] = 0; woke[t] = 0 }
}

/* T0: reader with a low-water mark */
proctype reader()
{
	byte p, e, k, v, old, err, expect = 1;

loop:
	LOAD(1, A_PERR, err);
	LOAD(1, A_PROD, p);
	if
	:: SUB(p, c_cons) >= LOWAT || (err && p != c_cons) ->
		LOAD(1, A_SLOT + c_cons % RS, v);
		assert(v == expect);
		expect++;
		old = c_cons;
		c_cons = ADD(c_cons, 1);
		STORE(1, A_CONS, c_cons);
		MB(1);			/* C1 */
		LOAD(1, A_CEV, e);
		if
		:: CROSSED(old, c_cons, e) -> SIGNAL(1, pend_p)
		:: else -> skip
		fi;
		goto loop
	:: err && p == c_cons ->
		assert(expect == N + 1);
		goto out
	:: else -> skip
	fi;
	onq[0] = 1;			/* prepare_to_wait() */
	ARM(0, 1);
	if
#ifdef NO_REARM
	:: SUB(p, c_cons) >= LOWAT || err ->
#else
	:: SUB(p, c_cons) >= LOWAT || err || REACHED(p, armed) ->
#endif
		LEAVE_QUEUE(0);	/* ready, or moved during arming */
		goto loop
	:: else -> skip
	fi;
	SLEEP(0);
	goto loop;
out:
	done[0] = 1
}

/* T1: poll() for readability, once */
proctype poller()
{
	byte p, k, err;

loop:
	LOAD(2, A_PERR, err);
	LOAD(2, A_PROD, p);
	if
	:: p != c_cons || err -> goto out
	:: else -> skip
	fi;
	onq[1] = 1;
	ARM(1, 2);
	if
	:: p != c_cons || err -> LEAVE_QUEUE(1); goto out
	:: else -> skip
	fi;
	SLEEP(1);
	goto loop;
out:
	done[1] = 1
}

/*
 * Lost wake-up: a task sleeps, not woken, what it waits for is in
 * memory, no event pending, and nobody else can act: the producer and
 * the other task are done or asleep themselves.
 */
#define R0	(mem[A_PERR] || SUB(mem[A_PROD], c_cons) >= LOWAT)
#define R1	(mem[A_PERR] || mem[A_PROD] != c_cons)
#define Q0	(done[0] || (asleep[0] && !woke[0]))
#define Q1	(done[1] || (asleep[1] && !woke[1]))
#define QP	(p_done || (p_asleep && !pend_p))
#define LOST	(!pend_c && QP && \
		 ((asleep[0] && !woke[0] && R0 && Q1) || \
		  (asleep[1] && !woke[1] && R1 && Q0)))

active proctype monitor()
{
end_m:
	atomic { LOST -> assert(false) }
}

init {
	mem[A_PROD] = START;
	mem[A_CONS] = START;
	atomic {
		run flusher(0);
		run flusher(1);
		run flusher(2);
		run producer();
		run reader();
		run poller()
	}
}
