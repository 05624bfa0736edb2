/*
 * tty.h: NetBSD's terminal structures (sys/termios.h, sys/ttycom.h) and what ptyfs asks
 * the kern.tty component (tty.c).
 */
#ifndef VFS_TTY_H
#define VFS_TTY_H

#include "vfs/vfs.h"

#define NB_NCCS	20

/* struct termios (44 bytes) */
struct nb_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_cc[NB_NCCS];
	int32_t c_ispeed, c_ospeed;
};

/* struct winsize (8 bytes) */
struct nb_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* struct ptmget (TIOCPTSNAME, 2056 bytes) */
struct nb_ptmget {
	int32_t cfd, sfd;
	char cn[1024], sn[1024];
};

/* a pty whose master is open, for ptyfs's listing */
struct pty_info {
	int pi_unit;
	nb_uid_t pi_uid;
	nb_gid_t pi_gid;
	nb_mode_t pi_mode;
	struct nb_timespec pi_time;
};
/* The first pty with unit >= from whose master is open: 0, or ENOENT. */
int tty_pty_next(struct kern *k, int from, struct pty_info *pi) KERN_HIDDEN;

#endif
