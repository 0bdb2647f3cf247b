// SPDX-License-Identifier: GPL-2.0
/*
 * --only/--except selectors: which connect()/bind() addresses move.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcalls-run.h"

/*
 * ADDR[/PREFIX][:PORT] or :PORT.  ADDR is dotted IPv4; PREFIX 0..32
 * (default 32); PORT 1..65535 (default any).
 */
int parse_rule(const char *spec, struct rule *r)
{
	char buf[64], *colon, *slash, *end;
	unsigned long prefix = 32, port = 0;
	struct in_addr a = { 0 };

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);

	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = '\0';
		errno = 0;
		port = strtoul(colon, &end, 10);
		if (errno || *end || end == colon || port == 0 || port > 65535)
			return -EINVAL;
	}
	if (buf[0] == '\0') {
		/* ":PORT": any address */
		if (!colon)
			return -EINVAL;
		prefix = 0;
	} else {
		slash = strchr(buf, '/');
		if (slash) {
			*slash++ = '\0';
			errno = 0;
			prefix = strtoul(slash, &end, 10);
			if (errno || *end || end == slash || prefix > 32)
				return -EINVAL;
		}
		if (inet_pton(AF_INET, buf, &a) != 1)
			return -EINVAL;
	}
	r->mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	r->addr = a.s_addr & r->mask;
	r->port = port;
	return 0;
}

static bool rule_matches(const struct rule *r, const struct sockaddr_in *sin)
{
	if ((sin->sin_addr.s_addr & r->mask) != r->addr)
		return false;
	return !r->port || r->port == ntohs(sin->sin_port);
}

/* Moved when it matches some --only (or there is none) and no --except. */
bool select_address(const struct config *cfg, const struct sockaddr_in *sin)
{
	bool in = !cfg->n_only;
	int i;

	for (i = 0; i < cfg->n_only && !in; i++)
		in = rule_matches(&cfg->only[i], sin);
	for (i = 0; i < cfg->n_except && in; i++)
		in = !rule_matches(&cfg->except[i], sin);
	return in;
}
