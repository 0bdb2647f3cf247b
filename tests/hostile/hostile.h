/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvcalls-hostile-front: a test-only PV Calls frontend that binds the
 * guest's pvcalls xenbus device instead of xen-pvcalls-front, does the
 * v1 handshake itself and then sends the backend what a malicious guest
 * could: unknown commands and ids, bad addresses, bad ring orders, grant
 * refs and event channels, impossible data ring indexes, event storms,
 * an overfull command ring.  Each case checks the backend's answer and
 * reports one result line "ok N name" / "not ok N name # why" in
 * /sys/kernel/debug/pvcalls-hostile/results (and the kernel log).
 */
#ifndef PVCALLS_HOSTILE_H
#define PVCALLS_HOSTILE_H

#include <linux/types.h>
#include <linux/wait.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/ring.h>

#include <xen-pvcalls/wire.h>
#include <xen-pvcalls/dring.h>

/* Responses that came while we waited for another one. */
#define HF_STASH	64
/*
 * How long a command may take to be answered: 5 s, times the module
 * parameter slow (the bed's pvcalls_slow on a debug kernel).
 */
extern unsigned int hf_slow;
#define HF_ANSWER_MS	(5000 * hf_slow)
/* hf_cmd() result when no answer came, or an answer with a wrong echo */
#define HF_NO_ANSWER	(-100000)
#define HF_BAD_ECHO	(-100001)

struct hf {
	struct xenbus_device *dev;
	domid_t domid;
	unsigned int max_order;		/* the backend's max-page-order */
	struct pvc_front_ring ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	int irq;
	wait_queue_head_t wq;		/* woken by every event we get */
	u32 next_req_id;
	struct pvc_response stash[HF_STASH];
	unsigned int nr_stash;
	unsigned int tests, failures;
};

/* Largest ring the cases offer: the default order. */
#define HF_MAX_ORDER	PVC_DEFAULT_RING_ORDER

/* One data ring we offer the backend: indexes page + 1 << order pages. */
struct hf_dring {
	struct hf *h;
	struct page *ipage;
	struct pvc_indexes *intf;
	grant_ref_t iref;
	unsigned int order;
	u32 size;			/* bytes per direction */
	struct page *pages[1 << HF_MAX_ORDER];
	grant_ref_t refs[1 << HF_MAX_ORDER];
	evtchn_port_t port;
	int irq;
};

/* hf_ring.c: the command ring and our data rings */
void hf_req_init(struct hf *h, struct pvc_request *req, u32 cmd, u64 id);
void hf_push(struct hf *h, const struct pvc_request *req);
void hf_kick(struct hf *h);
int hf_wait(struct hf *h, u32 req_id, struct pvc_response *rsp,
	    unsigned int ms);
int hf_cmd(struct hf *h, const struct pvc_request *req);
int hf_grant_page(struct hf *h, struct page *page, bool readonly);
int hf_dring_alloc(struct hf *h, struct hf_dring *d, unsigned int order);
void hf_dring_free(struct hf_dring *d);
void hf_dring_write(struct hf_dring *d, u32 off, const void *buf, u32 len);
void hf_dring_read(struct hf_dring *d, u32 off, void *buf, u32 len);

/* hf_main.c: results */
__printf(4, 5) void hf_tap(struct hf *h, bool ok, const char *name,
			   const char *fmt, ...);

/* hf_cases.c */
void hf_run_cases(struct hf *h);

#endif /* PVCALLS_HOSTILE_H */
