// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping the grants of a socket's indexes page and data ring.
 *
 * xenbus_map_ring_valloc() would give one contiguous mapping, but on a
 * bad grant it calls xenbus_dev_fatal(), which moves the whole device to
 * Closing: one bad CONNECT would cost the guest all its sockets.  Here
 * each grant is mapped onto its own ballooned page, as the block and net
 * backends do, and a failure is just an error for that one request.
 * The data ring is then addressed page by page (see active.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <xen/grant_table.h>
#include <xen/page.h>

#include "pvcalls-back.h"

static unsigned long pvcb_gmap_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/*
 * Unmap the first @nr_pages pages of @g that hold a mapping and free the
 * pages.  Returns false if Xen refused to unmap (the pages then leak).
 */
static bool pvcb_gmap_release(struct pvcb_gmap *g, unsigned int nr_pages)
{
	struct gnttab_unmap_grant_ref unmap[XENBUS_MAX_RING_GRANTS];
	struct page *pages[XENBUS_MAX_RING_GRANTS];
	struct gntab_unmap_queue_data *q = &g->unmap_q;
	unsigned int i, n = 0;
	int err;

	for (i = 0; i < nr_pages; i++) {
		if (g->handles[i] == INVALID_GRANT_HANDLE)
			continue;
		gnttab_set_unmap_op(&unmap[n], pvcb_gmap_kaddr(g->pages[i]),
				    GNTMAP_host_map, g->handles[i]);
		pages[n++] = g->pages[i];
	}
	if (n) {
		memset(q, 0, sizeof(*q));
		q->unmap_ops = unmap;
		q->kunmap_ops = NULL;
		q->pages = pages;
		q->count = n;
		err = gnttab_unmap_refs_sync(q);
		if (err) {
			/* a page still mapped must never go back to the allocator */
			pr_alert("unmapping %u grant(s) failed (%d): leaking their pages\n",
				 n, err);
			return false;
		}
	}
	gnttab_free_pages(nr_pages, g->pages);
	return true;
}

/*
 * Map @nr grants @refs of domain @domid.  Returns 0, -EINVAL for a
 * grant Xen refuses (bad, revoked, not ours...), -ENOMEM; on error
 * nothing is left mapped.  Counts one mapped ring in the stats.
 * @refs must be a private copy (read once from shared memory).
 */
int pvcb_gmap_map(struct pvcb_gmap *g, domid_t domid, const grant_ref_t *refs,
		  unsigned int nr)
{
	struct gnttab_map_grant_ref map[XENBUS_MAX_RING_GRANTS];
	unsigned int i;
	bool bad = false;
	int err;

	if (!nr || nr > XENBUS_MAX_RING_GRANTS)
		return -EINVAL;
	g->nr = 0;
	if (gnttab_alloc_pages(nr, g->pages))
		return -ENOMEM;

	for (i = 0; i < nr; i++) {
		gnttab_set_map_op(&map[i], pvcb_gmap_kaddr(g->pages[i]),
				  GNTMAP_host_map, refs[i], domid);
		g->handles[i] = INVALID_GRANT_HANDLE;
	}
	err = gnttab_map_refs(map, NULL, g->pages, nr);
	for (i = 0; i < nr; i++) {
		if (map[i].status == GNTST_okay)
			g->handles[i] = map[i].handle;
		else
			bad = true;
	}
	if (err || bad) {
		pvcb_gmap_release(g, nr);
		return err && !bad ? err : -EINVAL;
	}
	g->nr = nr;
	atomic_inc(&pvcb_stats.mapped_rings);
	return 0;
}

/* Undo pvcb_gmap_map.  Idempotent. */
void pvcb_gmap_unmap(struct pvcb_gmap *g)
{
	if (!g->nr)
		return;
	/* a mapping Xen would not undo stays counted: it is still held */
	if (pvcb_gmap_release(g, g->nr))
		atomic_dec(&pvcb_stats.mapped_rings);
	g->nr = 0;
}

/* Kernel address of byte @off of the mapping. */
void *pvcb_gmap_addr(const struct pvcb_gmap *g, u32 off)
{
	return page_address(g->pages[off >> PAGE_SHIFT]) + (off & ~PAGE_MASK);
}
