/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * Promela model of one direction of a PV Calls data ring with the
 * notify-mitigation extension (Documentation/notify-mitigation.rst).
 *
 * One producer and one consumer move N items through a ring of RS slots.
 * Each item is one byte of the real ring; indexes are free-running and
 * wrap at 256 (START puts the wrap inside the run), like the 32-bit ones.
 *
 * Weak memory (memmodel.pml): one store buffer per side whose entries
 * reach memory in any order unless a barrier forbids it; MB drains it.
 * Loads are performed in program order except where NO_RMB lets the
 * consumer read a slot before it reads the producer index.
 *
 * The event channel of each side is a pending bit: sending sets it (after
 * the sender's buffer drained: an event orders the stores before it, as
 * the hypercall does), a sleeping side blocks until it is set and clears
 * it.  Sleeping = Linux's prepare_to_wait/schedule or the backend's
 * "return and wait for the next event".
 *
 * Not modelled: a load overtaking an earlier load other than the NO_RMB
 * case, a store overtaking an earlier load other than the NO_CM case
 * (so v1's PM is not checked: the producer's data store is control
 * dependent on its cons load anyway).  Several waiters on one side:
 * pvcalls_notify_waiters.pml.
 *
 * Roles: the producer is the backend and the consumer the frontend (the
 * "in" direction); "out" is the same with roles swapped.
 *
 * Compile-time knobs (spin -DNAME=VALUE):
 *   BACK_EN, FRONT_EN   module parameter of each side (1 = extension on)
 *   CERR                consumer fails (out_error style) after CERR items
 *   WANT, NEED          free slots a waiting producer asks for, queued
 *                       items a consumer waits for (a low-water mark)
 *   Broken variants, each must be caught by spin:
 *   NO_MB_P1, NO_MB_P2, NO_MB_C1, NO_MB_C2, NO_WMB, NO_RMB, NO_CM,
 *   NO_ERR_EVENT, UNILATERAL_C, UNILATERAL_P
 *   LOOKER              the consumer waits for NEED items without
 *                       sleeping in the frontend (SIOCINQ, MSG_PEEK):
 *                       its looks signal a waiting producer;
 *                       NO_LOOK_SIGNAL is the broken variant
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
#ifndef BACK_EN
#define BACK_EN	1
#endif
#ifndef FRONT_EN
#define FRONT_EN	1
#endif
#ifndef CERR
#define CERR	0
#endif
#ifndef WANT
#define WANT	1
#endif
#ifndef NEED
#define NEED	1
#endif

#define NSB	2	/* store buffers: producer, consumer */
#define PR	0
#define CO	1

#include "memmodel.pml"

bit pend_p, pend_c;	/* event pending for producer / consumer */
bit p_mit, c_mit;	/* extension in force, each side's own view */
bit adv, acc;		/* xenstore keys of the handshake */

/* observation only, for the lost-wakeup monitor */
bit p_asleep, c_asleep, p_done, c_done;
byte p_prod = START;	/* producer's private prod */
byte c_cons = START;	/* consumer's private cons */
byte c_need = NEED;	/* bytes the sleeping consumer waits for */
byte p_want = WANT;	/* bytes of space the sleeping producer waits for */
/*
 * What each side armed last (stored, then MB): a wait that would store
 * the same value may skip the store, the MB and the re-check, as the
 * backend does (pvcb_arm()); the model lets it do either.
 */
bit p_armed, c_armed;
byte p_armed_v, c_armed_v;

proctype producer()
{
	byte c, e, k, old, err;
	byte item = 1;

loop:
	LOAD(PR, A_CERR, err);
	if
	:: err -> goto stop	/* consumer failed: stop producing */
	:: else -> skip
	fi;
	if
	:: item > N -> goto eof
	:: else -> skip
	fi;
	LOAD(PR, A_CONS, c);
	assert(SUB(p_prod, c) <= RS);	/* pvc_ring_writable() */
	if
	:: SUB(p_prod, c) < RS ->
		STORE(PR, A_SLOT + p_prod % RS, item);
#ifndef NO_WMB
		WMB(PR);	/* pairs with the consumer's RMB */
#endif
		old = p_prod;
		p_prod = ADD(p_prod, 1);
		item++;
		STORE(PR, A_PROD, p_prod);
		if
		:: p_mit ->
#ifndef NO_MB_P1
			MB(PR);	/* P1: pairs with C2 */
#endif
			LOAD(PR, A_PEV, e);
			if
			:: CROSSED(old, p_prod, e) -> SIGNAL(PR, pend_c)
			:: else -> skip	/* suppressed */
			fi
		:: else -> SIGNAL(PR, pend_c)	/* v1 */
		fi;
		goto loop
	:: else -> skip	/* full */
	fi;
	if
	:: p_mit && p_armed && p_armed_v == ADD(SUB(p_prod, RS), p_want) ->
		skip	/* already armed there, then MB: may skip (pvcb_arm) */
	:: p_mit ->
		STORE(PR, A_CEV, ADD(SUB(p_prod, RS), p_want));
#ifndef NO_MB_P2
		MB(PR);		/* P2: pairs with C1 */
#endif
		p_armed = 1;
		p_armed_v = ADD(SUB(p_prod, RS), p_want);
		LOAD(PR, A_CONS, c);
		LOAD(PR, A_CERR, err);
		if
		:: SUB(p_prod, c) <= RS - p_want || err -> goto loop
		:: else -> skip
		fi
	:: else -> skip
	fi;
	p_asleep = 1;
	atomic { pend_p -> pend_p = 0; p_asleep = 0 };
	goto loop;

eof:
	/* end of file: all data first, then in_error, then an event */
	WMB(PR);		/* pairs with the consumer's RMB */
	STORE(PR, A_PERR, 1);
#ifndef NO_ERR_EVENT
	SIGNAL(PR, pend_c);	/* always, extension or not */
#endif
stop:
	p_done = 1
}

proctype consumer()
{
	byte p, e, k, v, old, err, expect = 1;
#ifdef NO_RMB
	byte early;
#endif

loop:
	LOAD(CO, A_PERR, err);
	/* RMB: pairs with the producer's WMB before in_error */
#ifdef NO_RMB
	/* without RMB the slot load may be satisfied before the prod load */
	if
	:: LOAD(CO, A_SLOT + c_cons % RS, early)
	:: skip
	fi;
#endif
	LOAD(CO, A_PROD, p);
	/* RMB: pairs with the producer's WMB after the slot store */
	assert(SUB(p, c_cons) <= RS);	/* pvc_ring_readable() */
	/*
	 * Consume when c_need items are there (a low-water mark such as
	 * SO_RCVLOWAT), or whatever is left after end of file.
	 */
	if
	:: SUB(p, c_cons) >= c_need || (err && p != c_cons) ->
#ifdef NO_RMB
		if
		:: v = early
		:: LOAD(CO, A_SLOT + c_cons % RS, v)
		fi;
#elif defined(NO_CM)
		/* without CM the slot load may be satisfied after the
		 * cons store is visible: the producer may overwrite it */
		if
		:: LOAD(CO, A_SLOT + c_cons % RS, v)
		:: STORE(CO, A_CONS, ADD(c_cons, 1));
		   MB(CO);
		   LOAD(CO, A_SLOT + c_cons % RS, v)
		fi;
#else
		LOAD(CO, A_SLOT + c_cons % RS, v);
#endif
		assert(v == expect);	/* every item, in order */
		expect++;
		/* CM: virt_mb(), the load above before the store below */
		old = c_cons;
		c_cons = ADD(c_cons, 1);
		STORE(CO, A_CONS, c_cons);
		if
		:: c_mit ->
#ifndef NO_MB_C1
			MB(CO);	/* C1: pairs with P2 */
#endif
			LOAD(CO, A_CEV, e);
			if
			:: CROSSED(old, c_cons, e) -> SIGNAL(CO, pend_p)
			:: else -> skip	/* suppressed */
			fi
		:: else -> SIGNAL(CO, pend_p)	/* v1 */
		fi;
		if
		:: CERR > 0 && expect > CERR ->
			/* send error (out_error): store, then always an event */
			STORE(CO, A_CERR, 1);
#ifndef NO_ERR_EVENT
			SIGNAL(CO, pend_p);
#endif
			goto stop
		:: else -> skip
		fi;
		goto loop
	:: else -> skip	/* not enough */
	fi;
	if
	:: err && p == c_cons ->
		assert(expect == N + 1);	/* EOF only after all data */
		goto stop
	:: else -> skip
	fi;
#ifdef LOOKER
	/*
	 * A reader that waits in its own way (it watches SIOCINQ or peeks
	 * for a whole message): it arms nothing and sleeps in no wait of
	 * the frontend.  Each look signals the producer if it waits for
	 * space (cons short of cons_event) and the ring is not full
	 * (pvcf_dring_looked()); then the reader looks again once prod
	 * has moved from what it saw (looking more often learns nothing
	 * more).
	 */
	LOAD(CO, A_CEV, e);
#ifndef NO_LOOK_SIGNAL
	if
	:: c_mit && SUB(c_cons, e) >= 128 && SUB(p, c_cons) < RS ->
		SIGNAL(CO, pend_p)
	:: else -> skip
	fi;
#endif
	(mem[A_PROD] != p || mem[A_PERR]);
	goto loop;
#endif
	if
	:: c_mit && c_armed && c_armed_v == ADD(c_cons, c_need) ->
		skip	/* already armed there, then MB: may skip (pvcb_arm) */
	:: c_mit ->
		STORE(CO, A_PEV, ADD(c_cons, c_need));
#ifndef NO_MB_C2
		MB(CO);		/* C2: pairs with P1 */
#endif
		c_armed = 1;
		c_armed_v = ADD(c_cons, c_need);
		LOAD(CO, A_PERR, err);
		LOAD(CO, A_PROD, p);
		if
		:: SUB(p, c_cons) >= c_need || err -> goto loop
		:: else -> skip
		fi
	:: else -> skip
	fi;
	c_asleep = 1;
	atomic { pend_c -> pend_c = 0; c_asleep = 0 };
	goto loop;
stop:
	c_done = 1
}

/*
 * Lost wakeup: a side sleeps, what it waits for is in shared memory, no
 * event is pending for it, and the other side will never send one (it is
 * done, or asleep itself with no event pending).  Nothing can wake it.
 */
#define C_READY	(mem[A_PERR] || SUB(mem[A_PROD], c_cons) >= c_need)
#define P_READY	(mem[A_CERR] || SUB(p_prod, mem[A_CONS]) <= RS - p_want)
#define P_QUIET	(p_done || (p_asleep && !pend_p))
#define C_QUIET	(c_done || (c_asleep && !pend_c))
#define LOST	((c_asleep && !pend_c && C_READY && P_QUIET) || \
		 (p_asleep && !pend_p && P_READY && C_QUIET))

active proctype monitor()
{
end_m:
	atomic { LOST -> assert(false) }
}

init {
	/* the ring starts empty, at START, event indexes zero */
	mem[A_PROD] = START;
	mem[A_CONS] = START;

	/*
	 * Handshake, ordered by the xenbus states before any socket
	 * exists: the backend (producer) advertises in InitWait, the
	 * frontend (consumer) accepts in Initialised, the backend reads
	 * the acceptance before Connected.
	 */
	adv = BACK_EN;
	acc = FRONT_EN && adv;
	p_mit = adv && acc;
	c_mit = acc;
#ifdef UNILATERAL_C
	c_mit = 1;	/* broken: consumer mitigates, producer speaks v1 */
	p_mit = 0;
#endif
#ifdef UNILATERAL_P
	p_mit = 1;	/* broken: producer mitigates, consumer speaks v1 */
	c_mit = 0;
#endif
#if !defined(UNILATERAL_C) && !defined(UNILATERAL_P)
	assert(p_mit == c_mit);	/* both sides agree, whatever the params */
#endif

	atomic {
		run flusher(PR);
		run flusher(CO);
		run producer();
		run consumer()
	}
}
