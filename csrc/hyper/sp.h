/* sp.h: host sockets for the sysproxy server (hyper/sp.c).  0 or a NetBSD errno. */
#ifndef HYPER_SP_H
#define HYPER_SP_H

#include <stddef.h>

/* unix:///path or tcp://addr:port (addr "*" or "0": every address). */
int  hyp_sp_listen(const char *url, int *fdp);
int  hyp_sp_accept(int lfd, int *fdp);
/* All n bytes or an error; end of stream is ENOTCONN.  ms bounds each wait for the peer
 * (ETIMEDOUT when it makes no progress for that long); -1 waits as long as it takes. */
int  hyp_sp_read(int fd, void *buf, size_t n, int ms);
int  hyp_sp_write(int fd, const void *buf, size_t n, int ms);
void hyp_sp_close(int fd);
/* Ends both directions of fd's stream (a thread blocked reading it returns ENOTCONN);
 * the descriptor stays open until hyp_sp_close. */
void hyp_sp_shutdown(int fd);
/* len bytes from the host's random source (fork cookies must not be guessable). */
int  hyp_sp_random(void *buf, size_t len);
void hyp_sp_unlink(const char *url);	/* a unix:// URL's socket file */
/* A detached host thread. */
int  hyp_sp_spawn(void *(*fn)(void *), void *arg);

#endif
