/*
 * rumpus_sp.h: serving a rumpus kernel to NetBSD's librumpclient (the sysproxy protocol).
 * docs/netbsd.md, "Our sysproxy server".
 */
#ifndef RUMPUS_SP_H
#define RUMPUS_SP_H

struct rumpus_kernel;

/* Listens on url (unix:///path or tcp://addr:port) and serves kernel k there from a
 * thread of its own: every client connection becomes a process of k, its syscalls run
 * on an lwp of that process and copy through the connection.  Returns 0 or a NetBSD
 * errno (EINVAL: bad URL or NULL k; EADDRINUSE...).  XXX: there is no stop yet; a
 * server lives until the process exits. */
int rumpus_sp_listen(struct rumpus_kernel *k, const char *url);

#endif
