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

#endif
