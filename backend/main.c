// SPDX-License-Identifier: GPL-2.0
/*
 * xen-pvcalls-back: PV Calls protocol v1 backend for dom0.
 *
 * A frontend in a guest forwards socket calls over a command ring; we
 * carry them out with kernel sockets in dom0's initial network namespace
 * and move the data of connected sockets over per-socket data rings.
 *
 * Objects and lifetimes
 *   pvcb_frontend: one per xenbus device, allocated at probe, freed at
 *     remove.  Its command ring, evtchn and sockets exist only between a
 *     successful connect (frontend Initialised) and disconnect (frontend
 *     Closing/Closed, device removal, module unload).
 *   pvcb_sock: one per frontend socket id, created by SOCKET (or by a
 *     completed ACCEPT for id_new), freed by RELEASE or by disconnect.
 *     Only the command work and disconnect take sockets out of the
 *     table, and disconnect runs after the command work is stopped, so
 *     a socket found in the table by the command work stays alive while
 *     that work uses it.  RELEASE takes its socket out of the table and
 *     queues it on fe->release_list, where fe->release_work frees it.
 *
 * Socket states (pvcb_sock.state)
 *   NEW/BOUND -> CONNECTING -> ACTIVE  (CONNECT; back on failure)
 *   NEW -> BOUND -> LISTENING          (BIND, LISTEN)
 *   ACCEPT on a LISTENING socket creates a new socket directly ACTIVE.
 *
 * Grants
 *   The command ring is mapped with xenbus_map_ring_valloc().  A socket's
 *   indexes page and data ring are mapped grant by grant onto their own
 *   pages (grant.c), so a bad grant in one CONNECT or ACCEPT fails that
 *   request only instead of closing the device; each value is read once
 *   from shared memory and validated before use.
 *
 * Execution contexts
 *   Interrupt handlers (command ring and per-socket evtchns, all bound
 *   with the lateeoi variant) and sk callbacks (softirq) only queue work,
 *   but for sk_data_ready of an ACTIVE socket with notify-mitigation,
 *   which copies what fits into the data ring itself (dring.c).
 *   Everything else runs in process context on one unbound workqueue:
 *   fe->cmd_work consumes the command ring (and answers a connect that
 *   finished within kernel_connect), fe->release_work tears released
 *   sockets down one at a time, in the order of their RELEASEs, and
 *   answers each (one worker per frontend, however many it releases at
 *   once), s->work completes other connects,
 *   pumps data and accepts connections (s->run, set with the state: see
 *   Files below).  No work item ever blocks on the network (sockets are
 *   used non-blocking and sk callbacks requeue the work), so one slow
 *   socket never holds up the commands of others.
 *   The late EOI of an interrupt is sent when its work has run, flagged
 *   spurious when no run since the previous EOI found anything to do: a
 *   guest flooding events gets its evtchn throttled instead of burning
 *   dom0 CPU.
 *
 * Locking order (outer first)
 *   s->lock (mutex)  ->  fe->lock (mutex)  ->  fe->rsp_lock (spinlock)
 *   sk->sk_callback_lock is taken alone (callbacks read s from
 *   sk_user_data under it; teardown restores the callbacks under it),
 *   but for s->ring.in_lock (spinlock, BH), which sk_data_ready takes
 *   inside it and the work under s->lock.  Under in_lock the work only
 *   marks its turn; sk_data_ready reads the socket (tcp_read_sock(),
 *   which may send an ACK) and signals the frontend.
 *   A ring's owner_lock (spinlock, irq-safe; ringmap.c) is taken last,
 *   by its event handler and when a socket takes or leaves the ring.
 *   The command work holds no lock while it dispatches; it takes fe->lock
 *   for table lookups and s->lock for a socket's state.  Release never
 *   holds s->lock while it waits for s->work (cancel_work_sync), since
 *   the work takes s->lock.
 *
 * Teardown (xenbus.c: pvcb_disconnect)
 *   1. fe->closing stops command consumption; cmd_work is cancelled and
 *      the sockets still queued for release (fe->releasing) are waited for.
 *   2. Every socket is released: callbacks restored, evtchn unbound,
 *      work cancelled, kernel socket released, grants unmapped; then
 *      the rings kept for reuse are unmapped and unbound.
 *   3. The command ring evtchn is unbound; cmd_work is cancelled again
 *      (a late response of step 2 or an event handled before the unbind
 *      may have queued it after step 1, and now nothing can queue it,
 *      so nothing touches fe after this until it is freed); the ring
 *      is unmapped.  A run of cmd_work that finds fe->closing sends no
 *      EOI: its irq may be unbound already.
 *   The debugfs counters (stats.c) are back to 0 afterwards.
 *
 * Files (Documentation/structure.rst), each calling only files below it
 *   main.c      module parameters, init and exit
 *   xenbus.c    probe, handshake, connect and disconnect of a frontend
 *   commands.c  fe->cmd_work: pvcb_cmd_handlers[], SOCKET, RELEASE
 *   active.c    CONNECT and its completion
 *   passive.c   BIND, LISTEN, ACCEPT, POLL
 *   sockets.c   id table, socket lifetime, sk callbacks, s->work
 *   dring.c     a socket's data ring: its state, the data pump
 *   ringmap.c   a ring's mapping and evtchn; the cache of idle ones
 *   cmdring.c   the command ring: take a request, produce a response
 *   names.c, grant.c, validate.c, stats.c: leaves
 *   Calls upwards are function pointers: s->work runs s->run, which
 *   active.c, passive.c or dring.c set together with the socket's state;
 *   a late answer goes down to cmdring.c (pvcb_respond_late()), which
 *   requeues fe->cmd_work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <xen/xen.h>

#include "pvcalls-back.h"
#include "validate.h"

/*
 * Each page of a ring is one grant mapping in dom0 (Xen's maptrack table
 * is shared by every backend of dom0), so larger rings are the
 * administrator's choice.
 */
unsigned int pvcb_max_page_order = PVC_DEFAULT_RING_ORDER;
module_param_named(max_page_order, pvcb_max_page_order, uint, 0444);
MODULE_PARM_DESC(max_page_order,
		 "Largest data ring order offered to frontends (1..9, default 4: 32 KiB each way; 9: 1 MiB)");

unsigned int pvcb_max_sockets = 16384;
module_param_named(max_sockets, pvcb_max_sockets, uint, 0444);
MODULE_PARM_DESC(max_sockets,
		 "Most sockets one frontend may hold at once (default 16384)");

unsigned int pvcb_max_backlog = 128;
module_param_named(max_backlog, pvcb_max_backlog, uint, 0444);
MODULE_PARM_DESC(max_backlog,
		 "Largest listen backlog granted to a frontend (default 128)");

/* The extensions offered at the handshake (Documentation/pvcalls.rst). */
bool pvcb_socket_names = true;
module_param_named(socket_names, pvcb_socket_names, bool, 0444);
MODULE_PARM_DESC(socket_names,
		 "Offer the socket-names extension (0: behave as a plain v1 backend)");

bool pvcb_in_order = true;
module_param_named(in_order, pvcb_in_order, bool, 0444);
MODULE_PARM_DESC(in_order,
		 "Offer the in-order extension (0: behave as a plain v1 backend)");

/*
 * Each idle ring kept holds its grants mapped in dom0 and its event
 * channel bound, for at most a few seconds (ringmap.c).
 */
unsigned int pvcb_ring_cache = 8;
module_param_named(ring_cache, pvcb_ring_cache, uint, 0444);
MODULE_PARM_DESC(ring_cache,
		 "Idle data rings kept per frontend for reuse after a RELEASE with reuse (0..64, default 8; 0: none)");

unsigned int pvcb_ring_cache_ms = 5000;
module_param_named(ring_cache_ms, pvcb_ring_cache_ms, uint, 0444);
MODULE_PARM_DESC(ring_cache_ms,
		 "How long an idle ring stays kept for reuse (100..60000 ms, default 5000)");

bool pvcb_notify = true;
module_param_named(notify_mitigation, pvcb_notify, bool, 0444);
MODULE_PARM_DESC(notify_mitigation,
		 "Offer the notify-mitigation extension (0: behave as a plain v1 backend)");

struct workqueue_struct *pvcb_wq;

static int __init pvcb_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;

	pvcb_max_page_order = pvcb_clamp_max_page_order(pvcb_max_page_order);
	if (pvcb_max_sockets < 1)
		pvcb_max_sockets = 1;
	pvcb_ring_cache = min(pvcb_ring_cache, 64U);
	pvcb_ring_cache_ms = clamp(pvcb_ring_cache_ms, 100U, 60000U);

	pvcb_wq = alloc_workqueue("xen-pvcalls-back", WQ_UNBOUND, 0);
	if (!pvcb_wq)
		return -ENOMEM;

	pvcb_stats_init();

	err = pvcb_xenbus_register();
	if (err) {
		pvcb_stats_exit();
		destroy_workqueue(pvcb_wq);
		return err;
	}
	pr_info("PV Calls v1 backend ready (max-page-order %u)\n",
		pvcb_max_page_order);
	return 0;
}

static void __exit pvcb_exit(void)
{
	/* removes every device: each one is disconnected and freed */
	pvcb_xenbus_unregister();
	destroy_workqueue(pvcb_wq);
	pvcb_stats_exit();
}

module_init(pvcb_init);
module_exit(pvcb_exit);

MODULE_DESCRIPTION("Xen PV Calls v1 backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:pvcalls");
