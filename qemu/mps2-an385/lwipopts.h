/*
 * lwIP 2.1 configuration of the nanoacme firmware: NO_SYS (one superloop, raw
 * API, nothing from interrupts), IPv4 with DHCP and a DNS resolver, one TCP
 * connection to the CA at a time, an http-01 listener, small memory.
 *
 * RAM: the pbuf pool (PBUF_POOL_SIZE frames of full Ethernet size) holds
 * received segments until TLS has consumed them; the TCP window (TCP_WND)
 * is what bounds that, and tls_transport.c acknowledges data (tcp_recved)
 * only as TLS reads it. The heap (MEM_SIZE) carries outgoing segments
 * (tcp_write copies) and DHCP/DNS/ARP packets.
 */
#ifndef FW_LWIPOPTS_H
#define FW_LWIPOPTS_H

/* ---- system ---- */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP is never entered from an interrupt */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_TIMERS 1

/* ---- memory ---- */
#define MEM_ALIGNMENT 4
#define MEM_LIBC_MALLOC 0 /* lwIP's own heap: a static array, no malloc */
#define MEMP_MEM_MALLOC 0
#define MEM_SIZE 4096
#define MEMP_NUM_PBUF 4        /* PBUF_ROM/REF: few, tcp_write copies */
#define MEMP_NUM_UDP_PCB 2     /* DHCP, DNS */
/* the CA connection, one in TIME_WAIT, and the http-01 responder's connections (NACME_LWIP_HTTP01_CONNS) */
#define MEMP_NUM_TCP_PCB 6
#define MEMP_NUM_TCP_PCB_LISTEN 1 /* the http-01 listener */
#define MEMP_NUM_TCP_SEG 10
#define MEMP_NUM_ARP_QUEUE 2
#define MEMP_NUM_REASSDATA 0
#define MEMP_NUM_FRAG_PBUF 0
#define PBUF_POOL_SIZE 6
/* A whole frame with its CRC word (the driver reads whole words). */
#define PBUF_POOL_BUFSIZE 1520
#define ETH_PAD_SIZE 0

/* ---- protocols ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* no 1 s probe after the lease */
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 1
#define DNS_MAX_NAME_LENGTH 128
#define DNS_MAX_SERVERS 2
/* One static name -> address entry, as /etc/hosts gives (the demo's "NAME=ADDRESS" host). */
#define DNS_LOCAL_HOSTLIST 1
#define DNS_LOCAL_HOSTLIST_IS_DYNAMIC 1
#define MEMP_NUM_LOCALHOSTLIST 1
#define DNS_LOCAL_HOSTLIST_MAX_NAMELEN 64
#define LWIP_UDP 1
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (3 * TCP_MSS)
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ 0 /* out-of-order segments are dropped and resent */
#define LWIP_TCP_KEEPALIVE 0
#define LWIP_ALTCP 0
#define LWIP_CALLBACK_API 1
/*
 * SOF_REUSEADDR: the http-01 listener opens again (next order) while the
 * connections it served wait in TIME_WAIT on port 80.
 */
#define SO_REUSE 1

/* ---- netif ---- */
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0

/* ---- checksums: the LAN9118 model has no offload ---- */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* ---- statistics and debugging: off (LWIP_DEBUG is tested with #ifdef: never define it) ---- */
#define LWIP_STATS 0
#define LWIP_PERF 0

#endif /* FW_LWIPOPTS_H */
