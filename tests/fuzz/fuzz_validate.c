// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the backend's request validation
 * (backend/validate.c, compiled here from the very same source).
 *
 * The input is read as one 64-byte command request, as a hostile
 * frontend would write it into the shared ring, followed by a few
 * extra bytes: a ring order, a max-page-order, a backlog limit and a
 * version string.  Every validator the backend runs on those values is
 * called and its verdict is checked against the v1 rules written out
 * again here.  The request is copied to a heap block of exactly its
 * size, so AddressSanitizer catches any read past what it carries.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "validate.h"

/* abort() with the failing rule: libFuzzer saves the input as a crash */
#define MUST(c)	do { if (!(c)) { \
	fprintf(stderr, "invariant broken: %s (line %d)\n", #c, __LINE__); \
	abort(); } } while (0)

static uint32_t get32(const uint8_t **p, size_t *n)
{
	uint32_t v = 0;
	size_t k = *n < 4 ? *n : 4;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

static void check_addr(const struct pvc_request *req, const uint8_t *addr,
		       uint32_t len)
{
	struct pvcb_inet_addr out;
	uint16_t fam;
	int r;

	(void)req;
	memset(&out, 0xa5, sizeof(out));
	r = pvcb_parse_inet_addr(addr, len, &out);
	memcpy(&fam, addr, sizeof(fam));
	MUST(r == 0 || r == -EINVAL || r == -EAFNOSUPPORT);
	if (len < PVCB_SOCKADDR_IN_LEN || len > PVC_ADDR_MAX) {
		MUST(r == -EINVAL);	/* never an out-of-range length */
		return;
	}
	if (fam != PVC_AF_INET) {
		MUST(r == -EAFNOSUPPORT);	/* never another family */
		return;
	}
	MUST(r == 0);
	MUST(!memcmp(&out.port, addr + 2, 2));
	MUST(!memcmp(&out.addr, addr + 4, 4));
}

static void check_request(const struct pvc_request *req)
{
	int r = pvcb_check_cmd(req->cmd);

	MUST(r == 0 || r == -EOPNOTSUPP);
	MUST((r == 0) == (req->cmd <= PVC_CMD_POLL));
	if (r)
		return;

	switch (req->cmd) {
	case PVC_CMD_SOCKET:
		r = pvcb_check_socket(req->u.socket.domain, req->u.socket.type,
				      req->u.socket.protocol);
		if (req->u.socket.domain != PVC_AF_INET)
			MUST(r == -EAFNOSUPPORT);
		else if (req->u.socket.type != PVC_SOCK_STREAM)
			MUST(r == -ESOCKTNOSUPPORT);
		else if (req->u.socket.protocol != 0 &&
			 req->u.socket.protocol != PVCB_IPPROTO_TCP)
			MUST(r == -EPROTONOSUPPORT);
		else
			MUST(r == 0);
		break;
	case PVC_CMD_CONNECT:
		check_addr(req, req->u.connect.addr, req->u.connect.len);
		break;
	case PVC_CMD_BIND:
		check_addr(req, req->u.bind.addr, req->u.bind.len);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pvc_request *req;
	uint32_t order, max, backlog, blmax, lim;
	char *ver;
	int r;

	if (size < sizeof(*req))
		return -1;	/* not a request: keep it out of the corpus */
	/* exactly one request on the heap: ASan sees any over-read */
	req = malloc(sizeof(*req));
	if (!req)
		abort();
	memcpy(req, data, sizeof(*req));
	data += sizeof(*req);
	size -= sizeof(*req);
	check_request(req);
	free(req);

	/* the indexes page's ring_order against the backend's limit */
	order = get32(&data, &size);
	max = get32(&data, &size);
	r = pvcb_check_ring_order(order, max);
	lim = max < PVC_MAX_RING_ORDER ? max : PVC_MAX_RING_ORDER;
	MUST(r == 0 || r == -EINVAL);
	MUST((r == 0) == (order >= 1 && order <= lim));

	/* the module parameter clamp: a valid order in any case */
	lim = pvcb_clamp_max_page_order(max);
	MUST(lim >= 1 && lim <= PVC_MAX_RING_ORDER);
	MUST(max < 1 || max > PVC_MAX_RING_ORDER || lim == max);

	/* LISTEN's backlog never reaches the socket layer out of range */
	backlog = get32(&data, &size);
	blmax = get32(&data, &size);
	r = pvcb_clamp_backlog(backlog, blmax);
	MUST(r >= 1 && r <= 65535);
	MUST((uint32_t)r <= (blmax ? blmax : 1));
	MUST(backlog < 1 || backlog > blmax || backlog > 65535 ||
	     (uint32_t)r == backlog);

	/* the rest: the frontend's "version" xenstore value */
	ver = malloc(size + 1);
	if (!ver)
		abort();
	memcpy(ver, data, size);
	ver[size] = '\0';
	r = pvcb_parse_version(ver);
	MUST(r == 0 || r == -EPROTONOSUPPORT);
	MUST((r == 0) == !strcmp(ver, "1"));
	free(ver);
	MUST(pvcb_parse_version(NULL) == -EPROTONOSUPPORT);
	return 0;
}
