/* SPDX-License-Identifier: GPL-2.0 */
/* Guest (g_) and dom0 (d_) halves of the test pairs in tests.c. */
#ifndef PVC_SELFTEST_TESTS_H
#define PVC_SELFTEST_TESTS_H

#include "common.h"

int g_socket_type(struct tctx *t);
int g_socket_protocol(struct tctx *t);
int g_bad_family(struct tctx *t);
int g_short_addrlen(struct tctx *t);
int g_connect_echo(struct tctx *t);
int g_connect_refused(struct tctx *t);
int g_connect_nonblocking(struct tctx *t);
int d_connect_ealready(struct tctx *t);
int g_connect_ealready(struct tctx *t);
int g_so_error_refused(struct tctx *t);
int d_listen_hold(struct tctx *t);
int g_bind_eaddrinuse(struct tctx *t);
int g_bind_eaddrnotavail(struct tctx *t);
int g_bind_twice(struct tctx *t);
int g_listen_accept(struct tctx *t);
int g_accept_peername(struct tctx *t);
int d_listen_accept(struct tctx *t);
int g_accept4_flags(struct tctx *t);
int d_connect_twice(struct tctx *t);
int g_accept_nonblocking(struct tctx *t);
int d_connect_read_ok(struct tctx *t);
int g_accept_nb_close(struct tctx *t);
int d_accept_nb_close(struct tctx *t);
int g_getsockname(struct tctx *t);
int g_sockname_matches(struct tctx *t);
int d_sockname_matches(struct tctx *t);
int d_send_then_wait_close(struct tctx *t);
int g_close_unread(struct tctx *t);
int g_close_blocked_recv(struct tctx *t);
int g_close_blocked_recv_timeo(struct tctx *t);
int g_close_blocked_poll(struct tctx *t);
int g_close_blocked_accept(struct tctx *t);
int g_signal_eintr(struct tctx *t);
int g_signal_restart(struct tctx *t);
int d_accept_close(struct tctx *t);
int g_epipe_sigpipe(struct tctx *t);
int g_xfer_out(struct tctx *t);
int d_xfer_out(struct tctx *t);
int d_xfer_in(struct tctx *t);
int g_xfer_in(struct tctx *t);
int g_ring_wrap(struct tctx *t);
int d_write_close(struct tctx *t);
int g_eof_after_data(struct tctx *t);
int g_send_close(struct tctx *t);
int d_recv_eof(struct tctx *t);
int g_full_ring(struct tctx *t);
int d_full_ring(struct tctx *t);
int g_stream_out(struct tctx *t);
int d_stream_out(struct tctx *t);
int d_stream_in(struct tctx *t);
int g_stream_in(struct tctx *t);
int g_concurrent(struct tctx *t);
int d_concurrent(struct tctx *t);
int g_dom0_client(struct tctx *t);
int d_dom0_client(struct tctx *t);
int g_enobufs(struct tctx *t);
int d_enobufs(struct tctx *t);
int g_io_variants(struct tctx *t);
int d_send_pieces(struct tctx *t);
int g_msg_waitall(struct tctx *t);
int d_send_abcdefgh(struct tctx *t);
int g_msg_peek(struct tctx *t);
int g_msg_dontwait(struct tctx *t);
int d_msg_dontwait(struct tctx *t);
int g_so_rcvtimeo(struct tctx *t);
int g_so_sndtimeo(struct tctx *t);
int d_read_after_full(struct tctx *t);
int g_sockopt_identity(struct tctx *t);
int g_tcp_options(struct tctx *t);
int g_so_rcvlowat(struct tctx *t);
int d_so_rcvlowat(struct tctx *t);
int g_rcvlowat_above_half_ring(struct tctx *t);
int g_shutdown_wr(struct tctx *t);
int d_shutdown_wr(struct tctx *t);
int d_send_on_request(struct tctx *t);
int g_poll_select(struct tctx *t);
int g_epoll(struct tctx *t);
int d_shut_wr_on_request(struct tctx *t);
int g_epoll_rdhup_hup(struct tctx *t);
int d_reset(struct tctx *t);
int g_econnreset(struct tctx *t);
int g_epoll_err(struct tctx *t);

int g_load_concurrent(struct tctx *t);
int d_load_concurrent(struct tctx *t);
int g_load_cycles(struct tctx *t);
int d_load_cycles(struct tctx *t);
int g_peer_killed(struct tctx *t);
int d_peer_killed(struct tctx *t);

#endif
