// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping the grants of a socket's indexes page and data ring.
 *
 * xenbus_map_ring_valloc() would give one contiguous mapping, but on a
 * bad grant it calls xenbus_dev_fatal(), which moves the whole device to
 * Closing: one bad CONNECT would cost the guest all its sockets.  Here
 * each grant is mapped onto its own ballooned page, as the block and net
 * backends do, and a failure is just an error for that one request.
 * The data ring is then addressed page by page (see dring.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "pvcalls-back.h"

/* Grants mapped or unmapped per hypercall batch (stack arrays). */
#define PVCB_GMAP_BATCH	16

static unsigned long pvcb_gmap_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

static void pvcb_gmap_free_arrays(struct pvcb_gmap *g)
{
	kfree(g->pages);
	kfree(g->handles);
	g->pages = NULL;
	g->handles = NULL;
}

/*
 * Unmap the pages of @g[@first, @first + @count) that hold a mapping.
 * Returns false if Xen refused (the pages must then leak).
 */
static bool pvcb_gmap_unmap_batch(struct pvcb_gmap *g, unsigned int first,
				  unsigned int count)
{
	struct gnttab_unmap_grant_ref unmap[PVCB_GMAP_BATCH];
	struct page *pages[PVCB_GMAP_BATCH];
	struct gntab_unmap_queue_data *q = &g->unmap_q;
	unsigned int i, n = 0;
	int err;

	for (i = first; i < first + count; i++) {
		if (g->handles[i] == INVALID_GRANT_HANDLE)
			continue;
		gnttab_set_unmap_op(&unmap[n], pvcb_gmap_kaddr(g->pages[i]),
				    GNTMAP_host_map, g->handles[i]);
		pages[n++] = g->pages[i];
	}
	if (!n)
		return true;
	memset(q, 0, sizeof(*q));
	q->unmap_ops = unmap;
	q->kunmap_ops = NULL;
	q->pages = pages;
	q->count = n;
	err = gnttab_unmap_refs_sync(q);
	if (err) {
		pr_alert("unmapping %u grant(s) failed (%d): leaking their pages\n",
			 n, err);
		return false;
	}
	for (i = first; i < first + count; i++)
		g->handles[i] = INVALID_GRANT_HANDLE;
	return true;
}

/*
 * Unmap the first @nr_pages pages of @g that hold a mapping and free the
 * pages and arrays.  Returns false if Xen refused to unmap (the pages
 * then leak: a page still mapped must never go back to the allocator).
 */
static bool pvcb_gmap_release(struct pvcb_gmap *g, unsigned int nr_pages)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < nr_pages; i += PVCB_GMAP_BATCH)
		ok &= pvcb_gmap_unmap_batch(g, i, min_t(unsigned int,
							PVCB_GMAP_BATCH,
							nr_pages - i));
	if (ok)
		gnttab_free_pages(nr_pages, g->pages);
	pvcb_gmap_free_arrays(g);
	return ok;
}

/* Map @g[@first, @first + @count) from @refs: 0, -EINVAL on a bad grant. */
static int pvcb_gmap_map_batch(struct pvcb_gmap *g, domid_t domid,
			       const grant_ref_t *refs, unsigned int first,
			       unsigned int count)
{
	struct gnttab_map_grant_ref map[PVCB_GMAP_BATCH];
	unsigned int i;
	bool bad = false;
	int err;

	for (i = 0; i < count; i++)
		gnttab_set_map_op(&map[i], pvcb_gmap_kaddr(g->pages[first + i]),
				  GNTMAP_host_map, refs[first + i], domid);
	err = gnttab_map_refs(map, NULL, g->pages + first, count);
	for (i = 0; i < count; i++) {
		if (map[i].status == GNTST_okay)
			g->handles[first + i] = map[i].handle;
		else
			bad = true;
	}
	if (bad)
		return -EINVAL;
	return err;
}

/*
 * Map @nr grants @refs of domain @domid (1 <= @nr <= 1 << the largest
 * ring order).  Returns 0, -EINVAL for a grant Xen refuses (bad,
 * revoked, not ours...), -ENOMEM; on error nothing is left mapped.
 * Counts one mapped ring in the stats.  @refs must be a private copy
 * (read once from shared memory).
 */
int pvcb_gmap_map(struct pvcb_gmap *g, domid_t domid, const grant_ref_t *refs,
		  unsigned int nr)
{
	unsigned int i;
	int err = 0;

	/*
	 * One grant (a Xen page) per kernel page: pvcb_gmap_addr() and the
	 * data pump (pvcb_ring_vec()) index the mapping in PAGE_SIZE steps.
	 */
	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);
	if (!nr || nr > (1U << PVC_MAX_RING_ORDER))
		return -EINVAL;
	g->nr = 0;
	g->pages = kcalloc(nr, sizeof(*g->pages), GFP_KERNEL);
	g->handles = kmalloc_array(nr, sizeof(*g->handles), GFP_KERNEL);
	if (!g->pages || !g->handles) {
		pvcb_gmap_free_arrays(g);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		g->handles[i] = INVALID_GRANT_HANDLE;
	if (gnttab_alloc_pages(nr, g->pages)) {
		pvcb_gmap_free_arrays(g);
		return -ENOMEM;
	}
	for (i = 0; i < nr && !err; i += PVCB_GMAP_BATCH)
		err = pvcb_gmap_map_batch(g, domid, refs, i,
					  min_t(unsigned int, PVCB_GMAP_BATCH,
						nr - i));
	if (err) {
		pvcb_gmap_release(g, nr);
		return err;
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
