/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * Shared part of the notify-mitigation models: free-running index
 * arithmetic, the indexes page and ring as shared memory, and a weak
 * memory model with one store buffer per CPU (NSB of them).
 *
 * Every store goes into its CPU's buffer and reaches memory later, in
 * any order (a "flusher" process per buffer commits entries), except
 * that a store never overtakes an older store to the same address, nor
 * one issued before a WMB; MB waits until the buffer is empty.  Loads
 * read the own buffer first (store forwarding), then memory.  Sending
 * an event drains the sender's buffer first.
 *
 * Needs RS (ring slots) and NSB defined before inclusion.
 */

#define MODW		256
#define SUB(a, b)	(((a) + MODW - (b)) % MODW)
#define ADD(a, b)	(((a) + (b)) % MODW)
/* pvc_notify_crossed(): did old -> new move past event index e? */
#define CROSSED(old, new, e)	(SUB(new, e) < SUB(new, old))

/* shared memory: the indexes page and the ring */
#define A_PROD	0	/* in_prod */
#define A_CONS	1	/* in_cons */
#define A_PEV	2	/* in_prod_event: consumer asks for data */
#define A_CEV	3	/* in_cons_event: producer asks for space */
#define A_PERR	4	/* in_error, written by the producer (EOF) */
#define A_CERR	5	/* error written by the consumer (out_error) */
#define A_SLOT	6
#define NADDR	(A_SLOT + RS)
#define SBN	4	/* store buffer entries per side */

byte mem[NADDR];

typedef sbuf {
	byte a[SBN];	/* address */
	byte v[SBN];	/* value */
	bit f[SBN];	/* a WMB was issued right before this store */
	byte n;
	bit wmb;	/* WMB issued, applies to the next store */
};
sbuf sb[NSB];

inline STORE(s, addr, val)
{
	d_step {
		sb[s].n < SBN;	/* a full buffer stalls the store */
		sb[s].a[sb[s].n] = addr;
		sb[s].v[sb[s].n] = val;
		sb[s].f[sb[s].n] = sb[s].wmb;
		sb[s].wmb = 0;
		sb[s].n++
	}
}

/* load with store forwarding from the own buffer */
inline LOAD(s, addr, dst)
{
	d_step {
		dst = mem[addr];
		k = 0;
		do
		:: k < sb[s].n ->
			if
			:: sb[s].a[k] == addr -> dst = sb[s].v[k]
			:: else -> skip
			fi;
			k++
		:: else -> break
		od;
		k = 0
	}
}

/* virt_mb(): all earlier stores reach memory before any later access */
#define MB(s)	(sb[s].n == 0)
/* virt_wmb(): earlier stores reach memory before later stores */
#define WMB(s)	sb[s].wmb = (sb[s].n > 0)

/* send an event: orders the sender's earlier stores before it */
inline SIGNAL(s, pend)
{
	MB(s);
	pend = 1
}

/*
 * Commit one store of side s to memory: any entry that no WMB mark and
 * no older store to the same address holds back.
 */
proctype flusher(byte s)
{
	byte j, i;
	bit ok;

end_f:
	do
	:: atomic {
		sb[s].n > 0 ->
		j = 0;
		do
		:: j + 1 < sb[s].n && sb[s].f[j + 1] == 0 -> j++
		:: break
		od;
		ok = 1;
		i = 0;
		do
		:: i < j ->
			if
			:: sb[s].a[i] == sb[s].a[j] -> ok = 0
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		if
		:: ok ->
			mem[sb[s].a[j]] = sb[s].v[j];
			i = j;
			do
			:: i + 1 < sb[s].n ->
				sb[s].a[i] = sb[s].a[i + 1];
				sb[s].v[i] = sb[s].v[i + 1];
				sb[s].f[i] = sb[s].f[i + 1];
				i++
			:: else -> break
			od;
			sb[s].n--;
			sb[s].a[sb[s].n] = 0;
			sb[s].v[sb[s].n] = 0;
			sb[s].f[sb[s].n] = 0;
			if
			:: j == 0 -> sb[s].f[0] = 0
			:: else -> skip
			fi
		:: else -> skip
		fi;
		j = 0;
		i = 0;
		ok = 0
	   }
	od
}
