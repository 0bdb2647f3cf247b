// SPDX-License-Identifier: GPL-2.0
/*
 * The test table: one row per test pair, run in this order.  Names say
 * what is checked; the oracle is what a Linux AF_INET TCP socket does.
 * Row i uses dom0 server port 7001 + i and guest server port 8001 + i.
 * .timeout_s is each side's time limit (default 30 s), .big scales it by
 * the transfer sizes (1: --big, 2: --stream), .arg goes to both halves.
 * .not_v1 says why a plain v1 backend, one that offers no extension
 * (Linux's), cannot carry the test; --v1 runs only those without.
 */
#include "tests.h"

#define KiB 1024L
#define MiB (1024L * 1024)

/*
 * Why a test does not run against Linux's backend with the EOI fix (the
 * bed's upstream-back-eoifix guest): faults of that backend, seen there
 * and in its code (Documentation/pvcalls.rst, "Linux's pair").
 */
#define LINUX_EOF_LOST \
	"Linux's backend: dom0's end of file is lost when one read takes it with the last data"
#define LINUX_RESET_LOST \
	"Linux's backend: a reset of dom0's socket is not seen (it watches for data only)"
#define LINUX_EARLY_CLOSE_LOST \
	"Linux's backend: a close by dom0's peer before the socket is set up is not seen"
#define LINUX_ACCEPT_UNANSWERED \
	"Linux's backend: closing a listener leaves its accept or poll unanswered for good"
#define LINUX_SEND_ERROR_SPINS \
	"Linux's backend: after a failed send its worker retries forever, the release then hangs"

const struct test_pair test_table[] = {
	/* creation and addressing */
	{ .name = "socket_non_stream_type_esocktnosupport",
	  .run_guest = g_socket_type },
	{ .name = "socket_udp_protocol_eprotonosupport",
	  .run_guest = g_socket_protocol },
	{ .name = "connect_bind_bad_sin_family_eafnosupport",
	  .run_guest = g_bad_family },
	{ .name = "connect_bind_short_addrlen_einval",
	  .run_guest = g_short_addrlen },
	{ .name = "sockopt_so_type_so_domain_so_error",
	  .run_guest = g_sockopt_identity },
	{ .name = "bind_twice_einval_getsockname_bound",
	  .run_guest = g_bind_twice },
	{ .name = "bind_port_of_dom0_listener_eaddrinuse",
	  .run_guest = g_bind_eaddrinuse, .run_dom0 = d_listen_hold },
	{ .name = "bind_foreign_address_eaddrnotavail",
	  .run_guest = g_bind_eaddrnotavail },
	/* connect */
	{ .name = "connect_blocking_echo_1mib_hash",
	  .run_guest = g_connect_echo, .run_dom0 = dom0_echo },
	{ .name = "connect_no_listener_econnrefused",
	  .run_guest = g_connect_refused },
	{ .name = "connect_nonblocking_einprogress_pollout_eisconn",
	  .run_guest = g_connect_nonblocking, .run_dom0 = dom0_hold },
	{ .name = "connect_pending_ealready",
	  .run_guest = g_connect_ealready, .run_dom0 = d_connect_ealready },
	{ .name = "connect_nonblocking_refused_so_error",
	  .run_guest = g_so_error_refused },
	{ .name = "getsockname_getpeername",
	  .run_guest = g_getsockname, .run_dom0 = dom0_hold },
	{ .name = "getsockname_connected_matches_dom0_view",
	  .run_guest = g_sockname_matches, .run_dom0 = d_sockname_matches,
	  .not_v1 = "socket-names extension: v1 gives no local address of a connected socket" },
	/* guest servers */
	{ .name = "guest_listen_accept_dom0_client",
	  .run_guest = g_listen_accept, .run_dom0 = d_listen_accept },
	{ .name = "accepted_getpeername_matches_dom0_client",
	  .run_guest = g_accept_peername, .run_dom0 = d_listen_accept,
	  .not_v1 = "socket-names extension: v1 gives no peer address of an accepted socket" },
	{ .name = "accept4_nonblock_cloexec_flags",
	  .run_guest = g_accept4_flags, .run_dom0 = d_connect_twice },
	{ .name = "accept_nonblocking_eagain_then_pollin",
	  .run_guest = g_accept_nonblocking, .run_dom0 = d_connect_read_ok },
	{ .name = "accept_nonblocking_then_close_frees_port",
	  .run_guest = g_accept_nb_close, .run_dom0 = d_accept_nb_close,
	  .not_v1 = LINUX_ACCEPT_UNANSWERED },
	{ .name = "dom0_client_guest_server_echo_1mib",
	  .run_guest = g_dom0_client, .run_dom0 = d_dom0_client },
	/* data calls and flags */
	{ .name = "io_send_recv_write_read_sendmsg_recvmsg_writev_readv",
	  .run_guest = g_io_variants, .run_dom0 = dom0_echo },
	{ .name = "recv_msg_peek",
	  .run_guest = g_msg_peek, .run_dom0 = d_send_abcdefgh },
	{ .name = "recv_msg_waitall_gathers_pieces",
	  .run_guest = g_msg_waitall, .run_dom0 = d_send_pieces },
	{ .name = "msg_dontwait_eagain",
	  .run_guest = g_msg_dontwait, .run_dom0 = d_msg_dontwait },
	{ .name = "so_rcvtimeo_eagain_after_timeout",
	  .run_guest = g_so_rcvtimeo, .run_dom0 = dom0_hold },
	{ .name = "so_sndtimeo_full_ring_eagain",
	  .run_guest = g_so_sndtimeo, .run_dom0 = d_read_after_full,
	  .timeout_s = 60, .arg = 21 },
	{ .name = "so_rcvlowat_poll_and_recv",
	  .run_guest = g_so_rcvlowat, .run_dom0 = d_so_rcvlowat },
	{ .name = "rcvlowat_above_half_ring_reads_to_eof",
	  .run_guest = g_rcvlowat_above_half_ring, .run_dom0 = d_write_close,
	  .timeout_s = 120, .arg = 2 * MiB,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "tcp_options_accepted",
	  .run_guest = g_tcp_options, .run_dom0 = dom0_echo },
	{ .name = "so_sndbuf_sizes_the_ring_echo_8mib",
	  .run_guest = g_sockbuf_sizes_ring, .run_dom0 = dom0_echo,
	  .timeout_s = 120 },
	{ .name = "so_rcvbuf_of_listener_sizes_accepted_rings",
	  .run_guest = g_sockbuf_of_listener, .run_dom0 = d_dom0_client },
	{ .name = "shutdown_wr_epipe_then_peer_eof_at_close",
	  .run_guest = g_shutdown_wr, .run_dom0 = d_shutdown_wr },
	/* readiness */
	{ .name = "poll_select_level_triggered",
	  .run_guest = g_poll_select, .run_dom0 = d_send_on_request },
	{ .name = "epoll_level_and_edge_triggered",
	  .run_guest = g_epoll, .run_dom0 = d_send_on_request },
	{ .name = "epoll_rdhup_then_hup",
	  .run_guest = g_epoll_rdhup_hup, .run_dom0 = d_shut_wr_on_request },
	{ .name = "epoll_err_hup_on_peer_reset",
	  .run_guest = g_epoll_err, .run_dom0 = d_reset,
	  .not_v1 = LINUX_RESET_LOST },
	{ .name = "recv_econnreset_on_peer_reset",
	  .run_guest = g_econnreset, .run_dom0 = d_reset,
	  .not_v1 = LINUX_RESET_LOST },
	/* closing and interruption */
	{ .name = "send_epipe_sigpipe_msg_nosignal",
	  .run_guest = g_epipe_sigpipe, .run_dom0 = d_accept_close,
	  .not_v1 = LINUX_EARLY_CLOSE_LOST },
	{ .name = "close_with_unread_data",
	  .run_guest = g_close_unread, .run_dom0 = d_send_then_wait_close },
	{ .name = "close_while_blocked_in_recv",
	  .run_guest = g_close_blocked_recv, .run_dom0 = dom0_hold },
	{ .name = "close_while_blocked_in_recv_no_shutdown",
	  .run_guest = g_close_blocked_recv_timeo, .run_dom0 = dom0_hold },
	{ .name = "close_while_blocked_in_poll",
	  .run_guest = g_close_blocked_poll, .run_dom0 = dom0_hold },
	{ .name = "close_while_blocked_in_accept",
	  .run_guest = g_close_blocked_accept,
	  .not_v1 = LINUX_ACCEPT_UNANSWERED },
	{ .name = "signal_interrupts_recv_eintr",
	  .run_guest = g_signal_eintr, .run_dom0 = d_send_on_request },
	{ .name = "signal_sa_restart_restarts_recv",
	  .run_guest = g_signal_restart, .run_dom0 = d_send_on_request },
	/* data integrity and volume */
	{ .name = "eof_not_before_ring_drained",
	  .run_guest = g_eof_after_data, .run_dom0 = d_write_close,
	  .timeout_s = 60, .arg = 256 * KiB,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "close_after_send_delivers_all_data",
	  .run_guest = g_send_close, .run_dom0 = d_recv_eof,
	  .timeout_s = 60, .arg = 1 * MiB },
	{ .name = "full_ring_is_not_an_error",
	  .run_guest = g_full_ring, .run_dom0 = d_full_ring,
	  .timeout_s = 120, .arg = 81 },
	{ .name = "ring_wrap_every_offset",
	  .run_guest = g_ring_wrap, .run_dom0 = dom0_echo,
	  .timeout_s = 600 },
	{ .name = "xfer_guest_to_dom0_writes_1b",
	  .run_guest = g_xfer_out, .run_dom0 = d_xfer_out,
	  .timeout_s = 120, .big = 1, .arg = 1 },
	{ .name = "xfer_guest_to_dom0_writes_7b",
	  .run_guest = g_xfer_out, .run_dom0 = d_xfer_out,
	  .timeout_s = 120, .big = 1, .arg = 7 },
	{ .name = "xfer_guest_to_dom0_writes_1kib",
	  .run_guest = g_xfer_out, .run_dom0 = d_xfer_out,
	  .timeout_s = 120, .big = 1, .arg = 1 * KiB },
	{ .name = "xfer_guest_to_dom0_writes_64kib",
	  .run_guest = g_xfer_out, .run_dom0 = d_xfer_out,
	  .timeout_s = 120, .big = 1, .arg = 64 * KiB },
	{ .name = "xfer_guest_to_dom0_writes_1mib",
	  .run_guest = g_xfer_out, .run_dom0 = d_xfer_out,
	  .timeout_s = 120, .big = 1, .arg = 1 * MiB },
	{ .name = "xfer_dom0_to_guest_writes_1b",
	  .run_guest = g_xfer_in, .run_dom0 = d_xfer_in,
	  .timeout_s = 120, .big = 1, .arg = 1,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "xfer_dom0_to_guest_writes_7b",
	  .run_guest = g_xfer_in, .run_dom0 = d_xfer_in,
	  .timeout_s = 120, .big = 1, .arg = 7,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "xfer_dom0_to_guest_writes_1kib",
	  .run_guest = g_xfer_in, .run_dom0 = d_xfer_in,
	  .timeout_s = 120, .big = 1, .arg = 1 * KiB,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "xfer_dom0_to_guest_writes_64kib",
	  .run_guest = g_xfer_in, .run_dom0 = d_xfer_in,
	  .timeout_s = 120, .big = 1, .arg = 64 * KiB,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "xfer_dom0_to_guest_writes_1mib",
	  .run_guest = g_xfer_in, .run_dom0 = d_xfer_in,
	  .timeout_s = 120, .big = 1, .arg = 1 * MiB,
	  .not_v1 = LINUX_EOF_LOST },
	/* opt.stream (1 GiB) each way, sizes 1 B..1 MiB (tests_stream.c) */
	{ .name = "stream_guest_to_dom0_random_sizes_hash",
	  .run_guest = g_stream_out, .run_dom0 = d_stream_out,
	  .timeout_s = 120, .big = 2 },
	{ .name = "stream_dom0_to_guest_random_sizes_hash",
	  .run_guest = g_stream_in, .run_dom0 = d_stream_in,
	  .timeout_s = 120, .big = 2,
	  .not_v1 = LINUX_EOF_LOST },
	{ .name = "concurrent_100_connections_hash",
	  .run_guest = g_concurrent, .run_dom0 = d_concurrent,
	  .timeout_s = 120 },
	{ .name = "sockets_until_enobufs_then_all_freed",
	  .run_guest = g_enobufs, .run_dom0 = d_enobufs,
	  .timeout_s = 600 },
	/* faults and load */
	{ .name = "dom0_peer_killed_midtransfer_econnreset_or_eof",
	  .run_guest = g_peer_killed, .run_dom0 = d_peer_killed,
	  .timeout_s = 120,
	  .not_v1 = LINUX_SEND_ERROR_SPINS },
	{ .name = "load_concurrent_connections_memory_back",
	  .run_guest = g_load_concurrent, .run_dom0 = d_load_concurrent,
	  .timeout_s = 1800 },
	{ .name = "load_connect_xfer_close_cycles_memory_back",
	  .run_guest = g_load_cycles, .run_dom0 = d_load_cycles,
	  .timeout_s = 3600 },
	/* sharing the command ring, permissions (tests_limits.c) */
	{ .name = "blocked_accepts_killed_ring_and_ports_free",
	  .run_guest = g_blocked_accepts_killed, .run_dom0 = d_hold_on_request,
	  .timeout_s = 180,
	  .not_v1 = LINUX_ACCEPT_UNANSWERED },
	{ .name = "bind_privileged_port_unprivileged_eacces",
	  .run_guest = g_bind_privileged_port_eacces },
	{ .name = "socket_in_other_netns_eafnosupport",
	  .run_guest = g_netns_socket_eafnosupport },
};

const int test_count = ARRAY_SIZE(test_table);
