// SPDX-License-Identifier: GPL-2.0
/*
 * A data ring's mapping: its indexes page, the data pages that page
 * lists and its event channel, mapped and bound for one socket at a
 * time.  A RELEASE with reuse may leave an idle one in its frontend's
 * cache (fe->ring_cache, at most pvcb_ring_cache of them, each for at
 * most pvcb_ring_cache_ms), filed under the grant of its indexes page, for
 * the CONNECT or ACCEPT that names that grant again
 * (Documentation/pvcalls.rst, "Ring reuse").  Whoever takes one from
 * the cache gets it only if the request and the indexes page still
 * describe exactly what is mapped.
 *
 * The event channel's handler (dring.c's, passed in) gets the ringmap
 * and looks at m->owner under m->owner_lock: NULL while the ring is
 * idle, and then the event is nobody's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <xen/events.h>

#include "pvcalls-back.h"
#include "validate.h"

/* How long an idle ring stays mapped for a frontend that promised it. */
#define PVCB_CACHE_TTL	msecs_to_jiffies(pvcb_ring_cache_ms)

static void pvcb_ringmap_free(struct pvcb_ringmap *m)
{
	if (m->irq >= 0) {
		unbind_from_irqhandler(m->irq, m);
		atomic_dec(&pvcb_stats.evtchns);
	}
	pvcb_gmap_unmap(&m->dmap);
	pvcb_gmap_unmap(&m->imap);
	kfree(m->refs);
	kfree(m);
}

/*
 * Map the indexes page @ref, then the data ring it lists (its order and
 * grants read once and kept), and bind @evtchn to @handler.
 */
static struct pvcb_ringmap *pvcb_ringmap_new(struct pvcb_frontend *fe,
					     u32 ref, u32 evtchn,
					     irq_handler_t handler, int *err)
{
	struct xenbus_device *dev = fe->dev;
	struct pvcb_ringmap *m = kzalloc(sizeof(*m), GFP_KERNEL);
	u32 order, i;
	int irq;

	*err = -ENOMEM;
	if (!m)
		return NULL;
	m->irq = -1;
	m->ref = ref;
	m->evtchn = evtchn;
	spin_lock_init(&m->owner_lock);
	INIT_LIST_HEAD(&m->cache_node);

	*err = pvcb_gmap_map(&m->imap, dev->otherend_id, &ref, 1);
	if (*err)
		goto fail;
	m->intf = pvcb_gmap_addr(&m->imap, 0);

	/* Read once: the frontend can rewrite the page at any time. */
	order = READ_ONCE(m->intf->ring_order);
	*err = pvcb_check_ring_order(order, pvcb_max_page_order);
	if (*err)
		goto fail;
	m->order = order;
	/* 1 << order <= 512 refs: they end inside the indexes page (wire.h) */
	m->refs = kmalloc_array(1U << order, sizeof(*m->refs), GFP_KERNEL);
	*err = -ENOMEM;
	if (!m->refs)
		goto fail;
	for (i = 0; i < (1U << order); i++)
		m->refs[i] = READ_ONCE(m->intf->ref[i]);
	*err = pvcb_gmap_map(&m->dmap, dev->otherend_id, m->refs,
			     1U << order);
	if (*err)
		goto fail;

	irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, evtchn,
							    handler, 0,
							    "pvcalls-back-data",
							    m);
	*err = irq;
	if (irq < 0)
		goto fail;
	m->irq = irq;
	atomic_inc(&pvcb_stats.evtchns);
	*err = 0;
	return m;

fail:
	pvcb_ringmap_free(m);
	return NULL;
}

/*
 * Is the cached @m still what the request and the indexes page say?
 * Each value is read once from the page.
 */
static bool pvcb_ringmap_same(struct pvcb_ringmap *m, u32 evtchn)
{
	u32 i;

	if (m->evtchn != evtchn || READ_ONCE(m->intf->ring_order) != m->order)
		return false;
	for (i = 0; i < (1U << m->order); i++)
		if (READ_ONCE(m->intf->ref[i]) != m->refs[i])
			return false;
	return true;
}

/* Take the cached ring filed under @ref out of the cache, if any. */
static struct pvcb_ringmap *pvcb_cache_take(struct pvcb_frontend *fe,
					    u32 ref)
{
	struct pvcb_ringmap *m, *found = NULL;

	mutex_lock(&fe->lock);
	list_for_each_entry(m, &fe->ring_cache, cache_node) {
		if (m->ref == ref) {
			list_del_init(&m->cache_node);
			fe->nr_cached--;
			atomic_dec(&pvcb_stats.cached_rings);
			found = m;
			break;
		}
	}
	mutex_unlock(&fe->lock);
	return found;
}

/*
 * The ring a CONNECT or ACCEPT names: the cached one filed under @ref
 * if it still matches, else a new mapping.  A cached ring that no
 * longer matches is unmapped and the request fails with -EINVAL.  The
 * owner is not set yet.  NULL and *@err on failure.
 */
struct pvcb_ringmap *pvcb_ringmap_get(struct pvcb_frontend *fe, u32 ref,
				      u32 evtchn, irq_handler_t handler,
				      int *err)
{
	struct pvcb_ringmap *m = pvcb_cache_take(fe, ref);

	if (!m)
		return pvcb_ringmap_new(fe, ref, evtchn, handler, err);
	if (!pvcb_ringmap_same(m, evtchn)) {
		pvcb_ringmap_free(m);
		if (pvcb_log_ok(fe))
			dev_warn(&fe->dev->dev,
				 "frontend changed ring %u it released for reuse: refused\n",
				 ref);
		*err = -EINVAL;
		return NULL;
	}
	atomic64_inc(&pvcb_stats.rings_reused);
	*err = 0;
	return m;
}

/* Who gets the events of @m's channel: @s, or nobody (NULL). */
void pvcb_ringmap_set_owner(struct pvcb_ringmap *m, struct pvcb_sock *s)
{
	unsigned long flags;

	spin_lock_irqsave(&m->owner_lock, flags);
	m->owner = s;
	spin_unlock_irqrestore(&m->owner_lock, flags);
}

/* Unmap the cached rings idle for PVCB_CACHE_TTL, or all (@all). */
static void pvcb_cache_expire(struct pvcb_frontend *fe, bool all)
{
	struct pvcb_ringmap *m, *tmp;
	LIST_HEAD(old);
	bool more;

	mutex_lock(&fe->lock);
	list_for_each_entry_safe(m, tmp, &fe->ring_cache, cache_node) {
		if (all || time_after_eq(jiffies, m->cached_at + PVCB_CACHE_TTL)) {
			list_move(&m->cache_node, &old);
			fe->nr_cached--;
			atomic_dec(&pvcb_stats.cached_rings);
		}
	}
	more = fe->nr_cached;
	mutex_unlock(&fe->lock);
	list_for_each_entry_safe(m, tmp, &old, cache_node)
		pvcb_ringmap_free(m);
	if (more && !all)
		queue_delayed_work(pvcb_wq, &fe->cache_expiry, HZ);
}

void pvcb_ring_cache_expiry(struct work_struct *work)
{
	struct pvcb_frontend *fe = container_of(to_delayed_work(work),
						struct pvcb_frontend,
						cache_expiry);

	pvcb_cache_expire(fe, false);
}

/* Disconnect: no command runs any more; unmap every cached ring. */
void pvcb_ring_cache_empty(struct pvcb_frontend *fe)
{
	cancel_delayed_work_sync(&fe->cache_expiry);
	pvcb_cache_expire(fe, true);
}

/*
 * @m's socket is gone: no handler looks at it (the owner is NULL), its
 * work is cancelled and the late EOI of its channel sent.  Keep @m for
 * reuse (@keep, while the cache has room and the frontend is
 * connected), or unmap it.
 */
void pvcb_ringmap_put(struct pvcb_frontend *fe, struct pvcb_ringmap *m,
		      bool keep)
{
	bool cached = false;

	if (keep && pvcb_ring_cache) {
		mutex_lock(&fe->lock);
		if (!READ_ONCE(fe->closing) && fe->nr_cached < pvcb_ring_cache) {
			m->cached_at = jiffies;
			list_add_tail(&m->cache_node, &fe->ring_cache);
			fe->nr_cached++;
			atomic_inc(&pvcb_stats.cached_rings);
			cached = true;
		}
		mutex_unlock(&fe->lock);
	}
	if (!cached) {
		pvcb_ringmap_free(m);
		return;
	}
	queue_delayed_work(pvcb_wq, &fe->cache_expiry, PVCB_CACHE_TTL);
}
