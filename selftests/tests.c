// SPDX-License-Identifier: GPL-2.0
/*
 * The test table: one row per test pair, run in this order.  Names say
 * what is checked; the oracle is what a Linux AF_INET TCP socket does.
 * Row i uses dom0 server port 7001 + i and guest server port 8001 + i.
 */
#include "tests.h"

#define KiB 1024L
#define MiB (1024L * 1024)

/* name, guest half, dom0 half [, timeout s, scale timeout by size, arg] */
#define T(name, g, d) { name, g, d, 0, 0, 0 }
#define TX(name, g, d, timeout, big, arg) { name, g, d, timeout, big, arg }

const struct test_pair test_table[] = {
	/* creation and addressing */
	T("socket_non_stream_type_esocktnosupport", g_socket_type, NULL),
	T("socket_udp_protocol_eprotonosupport", g_socket_protocol, NULL),
	T("connect_bind_bad_sin_family_eafnosupport", g_bad_family, NULL),
	T("connect_bind_short_addrlen_einval", g_short_addrlen, NULL),
	T("sockopt_so_type_so_domain_so_error", g_sockopt_identity, NULL),
	T("bind_twice_einval_getsockname_bound", g_bind_twice, NULL),
	T("bind_port_of_dom0_listener_eaddrinuse", g_bind_eaddrinuse,
	  d_listen_hold),
	T("bind_foreign_address_eaddrnotavail", g_bind_eaddrnotavail, NULL),
	/* connect */
	T("connect_blocking_echo_1mib_hash", g_connect_echo, dom0_echo),
	T("connect_no_listener_econnrefused", g_connect_refused, NULL),
	T("connect_nonblocking_einprogress_pollout_eisconn",
	  g_connect_nonblocking, dom0_hold),
	T("connect_pending_ealready", g_connect_ealready, d_connect_ealready),
	T("connect_nonblocking_refused_so_error", g_so_error_refused, NULL),
	T("getsockname_getpeername", g_getsockname, dom0_hold),
	T("getsockname_connected_matches_dom0_view", g_sockname_matches,
	  d_sockname_matches),
	T("connect_unbound_sockets_answered_names_match_dom0",
	  g_connect_unbound_names, d_connect_unbound_names),
	/* guest servers */
	T("guest_listen_accept_dom0_client", g_listen_accept, d_listen_accept),
	T("accepted_getpeername_matches_dom0_client", g_accept_peername,
	  d_listen_accept),
	T("accept4_nonblock_cloexec_flags", g_accept4_flags, d_connect_twice),
	T("accept_nonblocking_eagain_then_pollin", g_accept_nonblocking,
	  d_connect_read_ok),
	T("accept_nonblocking_then_close_frees_port", g_accept_nb_close,
	  d_accept_nb_close),
	T("dom0_client_guest_server_echo_1mib", g_dom0_client, d_dom0_client),
	/* data calls and flags */
	T("io_send_recv_write_read_sendmsg_recvmsg_writev_readv",
	  g_io_variants, dom0_echo),
	T("recv_msg_peek", g_msg_peek, d_send_abcdefgh),
	T("recv_msg_waitall_gathers_pieces", g_msg_waitall, d_send_pieces),
	T("msg_dontwait_eagain", g_msg_dontwait, d_msg_dontwait),
	T("so_rcvtimeo_eagain_after_timeout", g_so_rcvtimeo, dom0_hold),
	TX("so_sndtimeo_full_ring_eagain", g_so_sndtimeo, d_read_after_full, 60, 0, 21),
	T("so_rcvlowat_poll_and_recv", g_so_rcvlowat, d_so_rcvlowat),
	TX("rcvlowat_above_half_ring_reads_to_eof", g_rcvlowat_above_half_ring,
	   d_write_close, 120, 0, 2 * MiB),
	T("tcp_options_accepted", g_tcp_options, dom0_echo),
	TX("so_sndbuf_sizes_the_ring_echo_8mib", g_sockbuf_sizes_ring,
	   dom0_echo, 120, 0, 0),
	T("so_rcvbuf_of_listener_sizes_accepted_rings", g_sockbuf_of_listener,
	  d_dom0_client),
	T("shutdown_wr_epipe_then_peer_eof_at_close", g_shutdown_wr, d_shutdown_wr),
	/* readiness */
	T("poll_select_level_triggered", g_poll_select, d_send_on_request),
	T("epoll_level_and_edge_triggered", g_epoll, d_send_on_request),
	T("epoll_rdhup_then_hup", g_epoll_rdhup_hup, d_shut_wr_on_request),
	T("epoll_err_hup_on_peer_reset", g_epoll_err, d_reset),
	T("recv_econnreset_on_peer_reset", g_econnreset, d_reset),
	/* closing and interruption */
	T("send_epipe_sigpipe_msg_nosignal", g_epipe_sigpipe, d_accept_close),
	T("close_with_unread_data", g_close_unread, d_send_then_wait_close),
	T("close_while_blocked_in_recv", g_close_blocked_recv, dom0_hold),
	T("close_while_blocked_in_recv_no_shutdown", g_close_blocked_recv_timeo,
	  dom0_hold),
	T("close_while_blocked_in_poll", g_close_blocked_poll, dom0_hold),
	T("close_while_blocked_in_accept", g_close_blocked_accept, NULL),
	T("signal_interrupts_recv_eintr", g_signal_eintr, d_send_on_request),
	T("signal_sa_restart_restarts_recv", g_signal_restart,
	  d_send_on_request),
	/* data integrity and volume */
	TX("eof_not_before_ring_drained", g_eof_after_data, d_write_close, 60, 0, 256 * KiB),
	TX("close_after_send_delivers_all_data", g_send_close, d_recv_eof, 60, 0, 1 * MiB),
	TX("full_ring_is_not_an_error", g_full_ring, d_full_ring, 120, 0, 81),
	TX("ring_wrap_every_offset", g_ring_wrap, dom0_echo, 600, 0, 0),
	TX("xfer_guest_to_dom0_writes_1b", g_xfer_out, d_xfer_out, 120, 1, 1),
	TX("xfer_guest_to_dom0_writes_7b", g_xfer_out, d_xfer_out, 120, 1, 7),
	TX("xfer_guest_to_dom0_writes_1kib", g_xfer_out, d_xfer_out, 120, 1, 1 * KiB),
	TX("xfer_guest_to_dom0_writes_64kib", g_xfer_out, d_xfer_out, 120, 1, 64 * KiB),
	TX("xfer_guest_to_dom0_writes_1mib", g_xfer_out, d_xfer_out, 120, 1, 1 * MiB),
	TX("xfer_dom0_to_guest_writes_1b", g_xfer_in, d_xfer_in, 120, 1, 1),
	TX("xfer_dom0_to_guest_writes_7b", g_xfer_in, d_xfer_in, 120, 1, 7),
	TX("xfer_dom0_to_guest_writes_1kib", g_xfer_in, d_xfer_in, 120, 1, 1 * KiB),
	TX("xfer_dom0_to_guest_writes_64kib", g_xfer_in, d_xfer_in, 120, 1, 64 * KiB),
	TX("xfer_dom0_to_guest_writes_1mib", g_xfer_in, d_xfer_in, 120, 1, 1 * MiB),
	/* opt.stream (1 GiB) each way, sizes 1 B..1 MiB (tests_stream.c) */
	TX("stream_guest_to_dom0_random_sizes_hash", g_stream_out, d_stream_out,
	   120, 2, 0),
	TX("stream_dom0_to_guest_random_sizes_hash", g_stream_in, d_stream_in,
	   120, 2, 0),
	TX("concurrent_100_connections_hash", g_concurrent, d_concurrent, 120, 0, 0),
	TX("sockets_until_enobufs_then_all_freed", g_enobufs, d_enobufs, 600, 0, 0),
	/* faults and load */
	TX("dom0_peer_killed_midtransfer_econnreset_or_eof", g_peer_killed,
	   d_peer_killed, 120, 0, 0),
	TX("load_concurrent_connections_memory_back", g_load_concurrent,
	   d_load_concurrent, 1800, 0, 0),
	TX("load_connect_xfer_close_cycles_memory_back", g_load_cycles,
	   d_load_cycles, 3600, 0, 0),
	/* sharing the command ring, permissions (tests_limits.c) */
	TX("blocked_accepts_killed_ring_and_ports_free", g_blocked_accepts_killed,
	   d_hold_on_request, 180, 0, 0),
	T("bind_privileged_port_unprivileged_eacces",
	  g_bind_privileged_port_eacces, NULL),
	T("socket_in_other_netns_eafnosupport", g_netns_socket_eafnosupport,
	  NULL),
};

const int test_count = ARRAY_SIZE(test_table);
