// SPDX-License-Identifier: GPL-2.0
/*
 * The notify-mitigation decisions (include/xen-pvcalls/notify.h) against
 * their definitions, exhaustively on small windows around the 2^32 wrap:
 * "crossed" is membership of (old, new] modulo 2^32, and the armed event
 * values fire exactly when the waiter's condition becomes true.
 */
#include <stdint.h>
#include <xen-pvcalls/notify.h>
#include "host.h"

static char why[200];
static const uint32_t bases[] = { 0, 0x7fffffc0u, 0xffffffc0u };

static void test_crossed(void)
{
	int64_t d, e, o;
	size_t b;
	int bad = 0;

	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (o = 0; o < 128 && !bad; o++)
			for (d = 0; d <= 64 && !bad; d++)
				for (e = -70; e <= 140 && !bad; e++) {
					uint32_t old = bases[b] + (uint32_t)o;
					uint32_t new = old + (uint32_t)d;
					uint32_t ev = old + (uint32_t)e;
					int want = e >= 1 && e <= d;

					if (pvc_notify_crossed(old, new, ev) != want) {
						snprintf(why, sizeof(why),
							 "crossed(%u, %u, %u) = %d",
							 old, new, ev, !want);
						bad = 1;
					}
				}
	tap_check(!bad, "notify_crossed_is_old_new_interval_mod_2_32", "%s", why);
}

static void test_reached(void)
{
	int64_t d;
	size_t b;
	int bad = 0;

	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (d = -100000; d <= 100000 && !bad; d++) {
			uint32_t armed = bases[b] + 12345;
			uint32_t idx = armed + (uint32_t)d;

			if (pvc_notify_reached(idx, armed) != (d >= 0)) {
				snprintf(why, sizeof(why), "reached(%u, %u)",
					 idx, armed);
				bad = 1;
			}
		}
	tap_check(!bad, "notify_reached_within_2_31", "%s", why);
}

static void test_clamp(void)
{
	static const uint32_t sizes[] = { 2, 4, 16, 2048, 32768 };
	uint32_t s, n;
	size_t i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && !bad; i++) {
		s = sizes[i];
		for (n = 0; n <= 2 * s + 2 && !bad; n++) {
			uint32_t want = n == 0 ? 1 : n > s / 2 ? s / 2 : n;

			if (pvc_notify_clamp(n, s) != want) {
				snprintf(why, sizeof(why), "clamp(%u, %u) = %u",
					 n, s, pvc_notify_clamp(n, s));
				bad = 1;
			}
		}
		if (pvc_notify_clamp(0xffffffffu, s) != s / 2) {
			snprintf(why, sizeof(why), "clamp(~0, %u)", s);
			bad = 1;
		}
	}
	tap_check(!bad, "notify_clamp_1_to_half_ring", "%s", why);
}

/*
 * A consumer waiting for @need bytes arms prod_event; as the producer
 * moves prod one byte at a time, the event must fire exactly on the
 * step where queued bytes reach the (clamped) need.  Symmetrically for
 * a producer waiting for space.
 */
static void test_events(void)
{
	const uint32_t size = 64;
	uint32_t need, q, step;
	size_t b;
	int bad = 0;

	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (need = 0; need <= size + 2 && !bad; need++)
			for (q = 0; q < size && !bad; q++) {
				uint32_t cons = bases[b] + 7, prod = cons + q;
				uint32_t ev = pvc_notify_prod_event(cons, need, size);
				uint32_t c = pvc_notify_clamp(need, size);

				if (q >= c)
					continue;	/* would not wait */
				for (step = 0; prod - cons < size && !bad; step++) {
					int fire = pvc_notify_crossed(prod, prod + 1, ev);
					int want = prod + 1 - cons == c;

					if (fire != want) {
						snprintf(why, sizeof(why),
							 "consumer need %u: queued %u->%u fire %d",
							 need, prod - cons,
							 prod + 1 - cons, fire);
						bad = 1;
					}
					prod++;
				}
			}
	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (need = 0; need <= size + 2 && !bad; need++)
			for (q = 1; q <= size && !bad; q++) {
				/* q bytes queued: space = size - q */
				uint32_t prod = bases[b] + 5, cons = prod - q;
				uint32_t ev = pvc_notify_cons_event(prod, need, size);
				uint32_t c = pvc_notify_clamp(need, size);

				if (size - q >= c)
					continue;	/* would not wait */
				while (cons != prod && !bad) {
					int fire = pvc_notify_crossed(cons, cons + 1, ev);
					int want = size - (prod - cons - 1) == c;

					if (fire != want) {
						snprintf(why, sizeof(why),
							 "producer want %u: space %u->%u fire %d",
							 need, size - (prod - cons),
							 size - (prod - cons - 1), fire);
						bad = 1;
					}
					cons++;
				}
			}
	tap_check(!bad, "notify_armed_events_fire_exactly_when_satisfied", "%s", why);
}

void test_notify(void)
{
	test_crossed();
	test_reached();
	test_clamp();
	test_events();
}
