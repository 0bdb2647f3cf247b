// SPDX-License-Identifier: GPL-2.0
/*
 * pvc-hold: the test bed's guest helper for the "xl destroy with open
 * sockets" check.  It opens PV Calls sockets of every kind the backend
 * tracks (a listener, a connected client and the accepted peer), says
 * "pvc-hold: ready" and then sleeps until the domain is destroyed, so
 * dom0 can check that the backend releases everything it held.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAMILY_PARAM "/sys/module/xen_pvcalls_front/parameters/family"
#define HOLD_PORT 8999

static int family(void)
{
	FILE *f = fopen(FAMILY_PARAM, "r");
	int fam = 0;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = 0;
		fclose(f);
	}
	return fam > 0 ? fam : 19;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fam = family(), l, c, s = -1;

	a.sin_port = htons(HOLD_PORT);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(fam, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 4))
		perror("pvc-hold: listener");
	c = socket(fam, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		perror("pvc-hold: connect");
	else if (l >= 0)
		s = accept(l, NULL, NULL);
	if (c >= 0 && write(c, "hold", 4) != 4)
		perror("pvc-hold: write");
	printf("pvc-hold: ready family %d listener %d client %d accepted %d\n",
	       fam, l, c, s);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
