/*
 * tcp.h: the TCP header, its options and NetBSD's TCP socket options (netinet/tcp.h).
 */
#ifndef NETINET_TCP_H
#define NETINET_TCP_H

#include <stdint.h>

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PUSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20
#define TH_ECE		0x40
#define TH_CWR		0x80

/* On the wire: 20 bytes, then th_off * 4 - 20 bytes of options.  Multi-byte fields are
 * in network order; tcp_input converts them into a struct tcphdr_h. */
#define TCP_HLEN	20
#define TCP_MAXOLEN	40

#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MAXSEG		2
#define TCPOLEN_MAXSEG		4
#define TCPOPT_WINDOW		3
#define TCPOLEN_WINDOW		3
#define TCPOPT_SACK_PERMITTED	4
#define TCPOLEN_SACK_PERMITTED	2
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_TSTAMP_APPA	12	/* NOP NOP TS */

#define TCP_MAXWIN	65535
#define TCP_MAX_WINSHIFT 14
#define TCP_MSS		536		/* net.inet.tcp.mssdflt */
#define TCP_MINMSS	216

/* setsockopt(IPPROTO_TCP, ...), NetBSD's numbers */
#define TCP_NODELAY	1
#define TCP_MAXSEG	2
#define TCP_KEEPIDLE	3
#define TCP_NOPUSH	4
#define TCP_KEEPINTVL	5
#define TCP_KEEPCNT	6
#define TCP_KEEPINIT	7
#define TCP_INFO	9

/* getsockopt(IPPROTO_TCP, TCP_INFO): NetBSD's struct tcp_info (236 bytes, the FreeBSD
 * layout); the __tcpi_ fields NetBSD leaves 0 are 0 here too (it fills __tcpi_retransmits
 * and __tcpi_retrans, with the retransmitted segments). */
#define TCPI_OPT_TIMESTAMPS	0x01
#define TCPI_OPT_SACK		0x02
#define TCPI_OPT_WSCALE		0x04
#define TCPI_OPT_ECN		0x08
struct tcp_info {
	uint8_t tcpi_state;		/* TCPS_* */
	uint8_t __tcpi_ca_state, __tcpi_retransmits, __tcpi_probes, __tcpi_backoff;
	uint8_t tcpi_options;		/* TCPI_OPT_* */
	uint8_t tcpi_snd_wscale:4, tcpi_rcv_wscale:4;
	uint32_t tcpi_rto;		/* us */
	uint32_t __tcpi_ato;
	uint32_t tcpi_snd_mss, tcpi_rcv_mss;	/* both the segment size */
	uint32_t __tcpi_unacked, __tcpi_sacked, __tcpi_lost, __tcpi_retrans, __tcpi_fackets;
	uint32_t __tcpi_last_data_sent, __tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;	/* us since */
	uint32_t __tcpi_last_ack_recv, __tcpi_pmtu, __tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt, tcpi_rttvar;	/* us */
	uint32_t tcpi_snd_ssthresh, tcpi_snd_cwnd;	/* bytes, segments */
	uint32_t __tcpi_advmss, __tcpi_reordering, __tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space, tcpi_snd_wnd, tcpi_snd_bwnd;	/* bytes, segments */
	uint32_t tcpi_snd_nxt, tcpi_rcv_nxt;	/* absolute */
	uint32_t tcpi_toe_tid, tcpi_snd_rexmitpack, tcpi_rcv_ooopack, tcpi_snd_zerowin;
	uint32_t __tcpi_pad[26];
};

#endif
