// SPDX-License-Identifier: GPL-2.0
/*
 * The backend's pure request validation (backend/validate.c), against
 * oracles written out here from the v1 rules: every input class, the
 * boundaries, and random inputs.  Address buffers are heap blocks of
 * exactly PVC_ADDR_MAX bytes so AddressSanitizer catches any read past
 * what the request carries.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "validate.h"
#include "host.h"

static char why[200];
static uint64_t rs = 88172645463325252ull;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

static void test_cmd(void)
{
	uint32_t c;
	int bad = 0;

	for (c = 0; c < 100000 && !bad; c++) {
		int want = c <= 6 ? 0 : -EOPNOTSUPP;

		if (pvcb_check_cmd(c) != want) {
			snprintf(why, sizeof(why), "cmd %u: %d", c,
				 pvcb_check_cmd(c));
			bad = 1;
		}
	}
	if (!bad && (pvcb_check_cmd(0xffffffffu) != -EOPNOTSUPP ||
		     pvcb_check_cmd(0x80000000u) != -EOPNOTSUPP)) {
		snprintf(why, sizeof(why), "huge cmd accepted");
		bad = 1;
	}
	tap_check(!bad, "validate_cmd_only_v1_commands", "%s", why);
}

static int socket_oracle(uint32_t d, uint32_t t, uint32_t p)
{
	if (d != 2)
		return -EAFNOSUPPORT;
	if (t != 1)
		return -ESOCKTNOSUPPORT;
	if (p != 0 && p != 6)
		return -EPROTONOSUPPORT;
	return 0;
}

static void test_socket(void)
{
	static const uint32_t vals[] = { 0, 1, 2, 3, 5, 6, 10, 17, 255, 256,
					 0x7fffffff, 0x80000000u, 0xffffffffu,
					 0x80001 /* SOCK_NONBLOCK|STREAM */ };
	size_t i, j, k;
	int bad = 0, i2;

	for (i = 0; i < ARRAY_SIZE(vals); i++)
		for (j = 0; j < ARRAY_SIZE(vals); j++)
			for (k = 0; k < ARRAY_SIZE(vals); k++) {
				int got = pvcb_check_socket(vals[i], vals[j], vals[k]);
				int want = socket_oracle(vals[i], vals[j], vals[k]);

				if (got != want && !bad) {
					snprintf(why, sizeof(why),
						 "socket(%u, %u, %u) = %d, want %d",
						 vals[i], vals[j], vals[k], got,
						 want);
					bad = 1;
				}
			}
	for (i2 = 0; i2 < 1000000 && !bad; i2++) {
		uint32_t d = rnd() % 4, t = rnd() % 4, p = rnd() % 8;

		if (i2 & 1) {
			d = rnd();
			t = rnd();
			p = rnd();
		}
		if (pvcb_check_socket(d, t, p) != socket_oracle(d, t, p)) {
			snprintf(why, sizeof(why), "socket(%u, %u, %u) = %d", d,
				 t, p, pvcb_check_socket(d, t, p));
			bad = 1;
		}
	}
	tap_check(!bad, "validate_socket_domain_type_protocol_errnos", "%s", why);
}

static void test_addr(void)
{
	uint8_t *buf = malloc(PVC_ADDR_MAX);
	struct pvcb_inet_addr out;
	uint32_t len;
	uint16_t fam;
	int bad = 0, i, r, want;

	if (!buf)
		abort();
	/* every length with a good and a bad family */
	for (fam = 0; fam < 12 && !bad; fam++)
		for (len = 0; len <= 64 && !bad; len++) {
			memset(buf, 0, PVC_ADDR_MAX);
			memcpy(buf, &fam, 2);
			buf[2] = 0x1f;	/* port 8080, network order */
			buf[3] = 0x90;
			buf[4] = 127;
			buf[7] = 1;
			want = len < 16 || len > PVC_ADDR_MAX ? -EINVAL :
			       fam != 2 ? -EAFNOSUPPORT : 0;
			memset(&out, 0xee, sizeof(out));
			r = pvcb_parse_inet_addr(buf, len, &out);
			if (r != want) {
				snprintf(why, sizeof(why),
					 "family %u len %u: %d, want %d", fam,
					 len, r, want);
				bad = 1;
			} else if (!r && (memcmp(&out.port, buf + 2, 2) ||
					  memcmp(&out.addr, buf + 4, 4))) {
				snprintf(why, sizeof(why),
					 "address or port not copied raw");
				bad = 1;
			}
		}
	/* huge claimed lengths never read past the request */
	for (i = 0; i < 1000000 && !bad; i++) {
		for (len = 0; len < PVC_ADDR_MAX; len++)
			buf[len] = (i & 3) ? rnd() : (len < 2 ? (len ? 0 : 2) : rnd());
		len = (i & 1) ? rnd() : rnd() % 40;
		memcpy(&fam, buf, 2);
		want = len < 16 || len > PVC_ADDR_MAX ? -EINVAL :
		       fam != 2 ? -EAFNOSUPPORT : 0;
		r = pvcb_parse_inet_addr(buf, len, &out);
		if (r != want) {
			snprintf(why, sizeof(why),
				 "random family %u len %u: %d, want %d", fam,
				 len, r, want);
			bad = 1;
		}
	}
	free(buf);
	tap_check(!bad, "validate_inet_addr_length_and_family", "%s", why);
}

static void test_ring_order(void)
{
	uint32_t o, m;
	int bad = 0;

	for (o = 0; o < 40 && !bad; o++)
		for (m = 0; m < 40 && !bad; m++) {
			uint32_t lim = m < 9 ? m : 9;
			int want = o >= 1 && o <= lim ? 0 : -EINVAL;
			int r = pvcb_check_ring_order(o, m);

			if (r != want) {
				snprintf(why, sizeof(why),
					 "order %u max %u: %d, want %d", o, m, r,
					 want);
				bad = 1;
			}
		}
	if (!bad && (pvcb_check_ring_order(0xffffffffu, 0xffffffffu) != -EINVAL ||
		     pvcb_check_ring_order(10, 0xffffffffu) != -EINVAL)) {
		snprintf(why, sizeof(why), "order above 9 accepted");
		bad = 1;
	}
	tap_check(!bad, "validate_ring_order_1_to_max", "%s", why);
}

static void test_backlog(void)
{
	static const uint32_t vals[] = { 0, 1, 2, 127, 128, 4096, 65534, 65535,
					 65536, 0x7fffffff, 0x80000000u,
					 0xffffffffu };
	size_t i, j;
	int bad = 0, k;

	for (i = 0; i < ARRAY_SIZE(vals); i++)
		for (j = 0; j < ARRAY_SIZE(vals); j++) {
			uint32_t b = vals[i], m = vals[j];
			uint32_t lim = m < 1 ? 1 : m > 65535 ? 65535 : m;
			int want = b < 1 ? 1 : b > lim ? (int)lim : (int)b;
			int r = pvcb_clamp_backlog(b, m);

			if (r != want && !bad) {
				snprintf(why, sizeof(why),
					 "backlog %u max %u: %d, want %d", b, m,
					 r, want);
				bad = 1;
			}
		}
	for (k = 0; k < 1000000 && !bad; k++) {
		uint32_t b = rnd(), m = (k & 1) ? rnd() : rnd() % 70000;
		int r = pvcb_clamp_backlog(b, m);

		if (r < 1 || r > 65535 || (uint32_t)r > (m ? m : 1) ||
		    (b >= 1 && b <= m && b <= 65535 && (uint32_t)r != b)) {
			snprintf(why, sizeof(why), "backlog %u max %u: %d", b,
				 m, r);
			bad = 1;
		}
	}
	tap_check(!bad, "validate_backlog_clamped", "%s", why);
}

static void test_page_order(void)
{
	unsigned int o;
	int bad = 0;

	for (o = 0; o < 100 && !bad; o++) {
		unsigned int want = o < 1 ? 1 : o > 9 ? 9 : o;

		if (pvcb_clamp_max_page_order(o) != want) {
			snprintf(why, sizeof(why), "order %u: %u", o,
				 pvcb_clamp_max_page_order(o));
			bad = 1;
		}
	}
	if (!bad && pvcb_clamp_max_page_order(~0u) != 9) {
		snprintf(why, sizeof(why), "~0 not clamped to 9");
		bad = 1;
	}
	tap_check(!bad, "validate_max_page_order_clamped_1_to_9", "%s", why);
}

static void test_version(void)
{
	static const char *const badv[] = { "", "0", "2", "01", "1 ", " 1",
					    "1\n", "10", "1,2", "11", "v1" };
	size_t i;
	int bad = 0;

	if (pvcb_parse_version("1")) {
		snprintf(why, sizeof(why), "\"1\" rejected");
		bad = 1;
	}
	if (pvcb_parse_version(NULL) != -EPROTONOSUPPORT) {
		snprintf(why, sizeof(why), "NULL accepted");
		bad = 1;
	}
	for (i = 0; i < ARRAY_SIZE(badv); i++)
		if (pvcb_parse_version(badv[i]) != -EPROTONOSUPPORT && !bad) {
			snprintf(why, sizeof(why), "\"%s\" accepted", badv[i]);
			bad = 1;
		}
	tap_check(!bad, "validate_version_exactly_1", "%s", why);
}

void test_validate(void)
{
	test_cmd();
	test_socket();
	test_addr();
	test_ring_order();
	test_backlog();
	test_page_order();
	test_version();
}
