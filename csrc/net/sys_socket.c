/*
 * sys_socket.c: the socket syscalls (NetBSD's uipc_syscalls): socket, socketpair, bind,
 * listen, accept, paccept, connect, sendto, sendmsg, recvfrom, recvmsg, shutdown,
 * getsockname, getpeername, setsockopt, getsockopt; socket options of level SOL_SOCKET;
 * control messages in and out (SCM_RIGHTS become held file references in flight).
 *
 * Every user pointer goes through copyin/copyout; addresses are copied into a zeroed
 * nb_sockaddr_storage-sized buffer whose sa_len is set to the caller's length, so a
 * protocol can read sa_family and sa_len without checking the length first.
 */
#include "net/net.h"
#include "kern/sysargs_gen.h"

#define NB_MCLBYTES	2048		/* largest option value, as NetBSD's mbuf cluster */
#define NB_CONTROL_MAX	(16 * 1024)	/* largest control buffer of one sendmsg */
#define NB_HZ		100
#define NB_INT_MAX	0x7fffffff

/* ---------------------------------------------------------------- helpers */

/* Installs an existing file (its reference passes to the table) at the lowest free
 * descriptor.  XXX: kern has no "reserve a slot for this file" call, so a scratch file
 * is allocated with the slot and dropped. */
static int
fd_install(struct lwp *l, struct file *fp, bool cloexec, int *fdp)
{
	struct kern *k = l->l_kern;
	struct file *tmp;
	int fd, error;

	if ((error = fd_allocfile(l, &tmp, &fd)) != 0)
		return error;
	fd_affix(l, fp, fd);
	cred_free(k, tmp->f_cred);
	mutex_destroy(&tmp->f_lock);
	kmem_free(k, tmp, sizeof(*tmp));
	atomic_fetch_sub(&k->k_nfiles, 1);	/* tmp only reserved the slot */
	if (cloexec)
		fd_setcloexec(l, fd, true);
	*fdp = fd;
	return 0;
}

/* Copies in a socket address of namelen bytes into *sa (zeroed storage). */
static int
sockaddr_in_user(const void *uaddr, nb_socklen_t namelen, struct nb_sockaddr_storage *ss)
{
	int error;

	memset(ss, 0, sizeof(*ss));
	if (namelen > sizeof(*ss) || namelen < 2)
		return EINVAL;
	if ((error = copyin(uaddr, ss, namelen)) != 0)
		return error;
	ss->ss_len = (uint8_t)namelen;
	return 0;
}

/* Copies an address out as NetBSD does: at most *ulen bytes, and the length copied
 * back to ulenp. */
static int
sockaddr_out_user(const struct nb_sockaddr_storage *ss, void *uaddr, void *ulenp,
    nb_socklen_t ulen)
{
	nb_socklen_t len = ss->ss_len;
	int error;

	if (len > ulen)
		len = ulen;
	if (len > 0 && (error = copyout(ss, uaddr, len)) != 0)
		return error;
	return ulenp != NULL ? copyout(&len, ulenp, sizeof(len)) : 0;
}

/* Builds the kernel form of a user control buffer. */
static int
so_internalize(struct lwp *l, struct socket *so, const void *uctl, size_t len,
    struct sbctl **ctlp)
{
	struct kern *k = l->l_kern;
	struct sbctl *ctl = NULL;
	uint8_t *buf;
	size_t off = 0;
	int error = 0, nfiles = 0, i;

	*ctlp = NULL;
	if (len < sizeof(struct nb_cmsghdr) || len > NB_CONTROL_MAX)
		return EINVAL;
	if ((buf = kmem_alloc(k, len)) == NULL)
		return ENOMEM;
	if ((error = copyin(uctl, buf, len)) != 0)
		goto out;
	/* first pass: validate and count descriptors */
	while (off < len) {
		struct nb_cmsghdr *cm = (struct nb_cmsghdr *)(buf + off);

		if (len - off < sizeof(*cm) || cm->cmsg_len < sizeof(*cm) ||
		    cm->cmsg_len > len - off) {
			error = EINVAL;
			goto out;
		}
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t dl;
			if (!(so->so_proto->pr_flags & PR_RIGHTS)) {
				error = EOPNOTSUPP;
				goto out;
			}
			if (cm->cmsg_len < NB_CMSG_HDRSZ ||
			    ((dl = cm->cmsg_len - NB_CMSG_HDRSZ) % sizeof(int)) != 0) {
				error = EINVAL;
				goto out;
			}
			nfiles += (int)(dl / sizeof(int));
		}
		off += NB_CMSG_ALIGN(cm->cmsg_len);
	}
	if ((ctl = kmem_zalloc(k, sizeof(*ctl))) == NULL) {
		error = ENOMEM;
		goto out;
	}
	if (nfiles > 0) {
		if ((ctl->sc_files = kmem_zalloc(k, sizeof(struct file *) * (size_t)nfiles)) == NULL) {
			error = ENOMEM;
			goto out;
		}
		ctl->sc_nfiles = nfiles;
	}
	/* second pass: take the files, keep the other messages */
	nfiles = 0;
	for (off = 0; off < len; off += NB_CMSG_ALIGN(((struct nb_cmsghdr *)(buf + off))->cmsg_len)) {
		struct nb_cmsghdr *cm = (struct nb_cmsghdr *)(buf + off);
		uint8_t *data = (uint8_t *)cm + NB_CMSG_HDRSZ;

		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t n = (cm->cmsg_len - NB_CMSG_HDRSZ) / sizeof(int);
			for (i = 0; i < (int)n; i++) {
				int fd;
				memcpy(&fd, data + i * sizeof(int), sizeof(fd));
				if ((error = fd_getfile(l, fd, &ctl->sc_files[nfiles])) != 0)
					goto out;
				nfiles++;
			}
		} else {
			size_t dl = cm->cmsg_len >= NB_CMSG_HDRSZ ? cm->cmsg_len - NB_CMSG_HDRSZ : 0;
			if ((error = sbctl_add(k, &ctl, cm->cmsg_level, cm->cmsg_type, data, dl)) != 0)
				goto out;
		}
	}
out:
	kmem_free(k, buf, len);
	if (error != 0) {
		sbctl_free(k, ctl);	/* sc_files slots not filled are NULL */
		return error;
	}
	*ctlp = ctl;
	return 0;
}

/*
 * Writes control data out to the user's buffer (space bytes at uctl): descriptors are
 * installed in the calling process.  What does not fit is dropped (its files closed)
 * and MSG_CTRUNC set.  Frees ctl.  *usedp gets the bytes written.
 */
static int
so_externalize(struct lwp *l, struct sbctl *ctl, void *uctl, size_t space, int flags,
    size_t *usedp, int *outflags)
{
	struct kern *k = l->l_kern;
	size_t used = 0;
	int error = 0, i;

	if (ctl->sc_nfiles > 0) {
		size_t fit = 0;
		int nfd = 0;

		if (uctl != NULL && space >= NB_CMSG_LEN(sizeof(int)))
			fit = (space - NB_CMSG_HDRSZ) / sizeof(int);
		if (fit < (size_t)ctl->sc_nfiles)
			*outflags |= MSG_CTRUNC;
		else
			fit = (size_t)ctl->sc_nfiles;
		if (fit > 0) {
			size_t clen = NB_CMSG_LEN(fit * sizeof(int));
			uint8_t *out = kmem_zalloc(k, clen);
			struct nb_cmsghdr *cm = (struct nb_cmsghdr *)out;

			if (out == NULL) {
				error = ENOMEM;
				goto done;
			}
			for (i = 0; i < (int)fit; i++) {
				int fd;
				int e = fd_install(l, ctl->sc_files[i],
				    (flags & MSG_CMSG_CLOEXEC) != 0, &fd);
				if (e != 0) {
					/* no descriptor left: the rest is truncated.  Out of
					 * memory before any was installed: the caller hears
					 * it (the files are closed) */
					if (e != EMFILE && nfd == 0)
						error = e;
					*outflags |= MSG_CTRUNC;
					break;
				}
				ctl->sc_files[i] = NULL;
				memcpy(out + NB_CMSG_HDRSZ + (size_t)nfd * sizeof(int), &fd, sizeof(fd));
				nfd++;
			}
			if (nfd > 0) {
				clen = NB_CMSG_LEN((size_t)nfd * sizeof(int));
				cm->cmsg_len = (nb_socklen_t)clen;
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				error = copyout(out, uctl, clen);
				used = NB_CMSG_SPACE((size_t)nfd * sizeof(int));
				if (used > space)
					used = space;
			}
			kmem_free(k, out, NB_CMSG_LEN(fit * sizeof(int)));
		}
	}
	if (error == 0 && ctl->sc_rawlen > 0) {
		size_t off = 0;
		while (off < ctl->sc_rawlen) {
			struct nb_cmsghdr *cm = (struct nb_cmsghdr *)((uint8_t *)ctl->sc_raw + off);
			size_t sz = NB_CMSG_SPACE(cm->cmsg_len - NB_CMSG_HDRSZ);
			size_t cl = cm->cmsg_len;

			if (uctl == NULL || used + cl > space) {
				*outflags |= MSG_CTRUNC;
				break;
			}
			if ((error = copyout(cm, (uint8_t *)uctl + used, cl)) != 0)
				break;
			used += sz;
			if (used > space)
				used = space;
			off += sz;
		}
	}
done:
	sbctl_free(k, ctl);
	*usedp = used;
	return error;
}

/* ---------------------------------------------------------------- socket, socketpair */

static int
so_mkfile(struct lwp *l, struct socket *so, int flags, int *fdp)
{
	struct file *fp;
	int fd, error;

	if ((error = fd_allocfile(l, &fp, &fd)) != 0)
		return error;
	fp->f_type = DTYPE_SOCKET;
	fp->f_flag = FREAD | FWRITE | ((flags & SOCK_NONBLOCK) ? FNONBLOCK : 0) |
	    ((flags & SOCK_NOSIGPIPE) ? O_NOSIGPIPE : 0);
	fp->f_ops = &socketops;
	fp->f_data = so;
	fd_affix(l, fp, fd);
	if (flags & SOCK_CLOEXEC)
		fd_setcloexec(l, fd, true);
	*fdp = fd;
	return 0;
}

int
sys___socket30(struct lwp *l, const struct sys___socket30_args *uap, register_t *retval)
{
	int type = SCARG(uap, type), flags = type & (int)SOCK_FLAGS_MASK, fd, error;
	struct socket *so;

	type &= ~(int)SOCK_FLAGS_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | SOCK_NOSIGPIPE))
		return EINVAL;
	if ((error = so_create(l, SCARG(uap, domain), type, SCARG(uap, protocol), &so)) != 0)
		return error;
	if ((error = so_mkfile(l, so, flags, &fd)) != 0) {
		so_close(so);
		return error;
	}
	retval[0] = fd;
	return 0;
}

int
sys_socketpair(struct lwp *l, const struct sys_socketpair_args *uap, register_t *retval)
{
	int type = SCARG(uap, type), flags = type & (int)SOCK_FLAGS_MASK, error, sv[2];
	struct socket *so1, *so2;
	struct kern *k = l->l_kern;

	(void)retval;
	type &= ~(int)SOCK_FLAGS_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | SOCK_NOSIGPIPE))
		return EINVAL;
	if ((error = kern_uaddr_ok(SCARG(uap, rsv), sizeof(sv))) != 0)
		return error;
	if ((error = so_create(l, SCARG(uap, domain), type, SCARG(uap, protocol), &so1)) != 0)
		return error;
	if ((error = so_create(l, SCARG(uap, domain), type, SCARG(uap, protocol), &so2)) != 0) {
		so_close(so1);
		return error;
	}
	net_lock(k);
	error = so1->so_proto->pr_usrreqs->pr_connect2 ?
	    so1->so_proto->pr_usrreqs->pr_connect2(so1, so2) : EOPNOTSUPP;
	if (error == 0) {
		so1->so_state |= SS_ISAPIPE;
		so2->so_state |= SS_ISAPIPE;
	}
	net_unlock(k);
	if (error != 0) {
		so_close(so1);
		so_close(so2);
		return error;
	}
	if ((error = so_mkfile(l, so1, flags, &sv[0])) != 0) {
		so_close(so1);
		so_close(so2);
		return error;
	}
	if ((error = so_mkfile(l, so2, flags, &sv[1])) != 0) {
		fd_close(l, sv[0]);
		so_close(so2);
		return error;
	}
	if ((error = copyout(sv, SCARG(uap, rsv), sizeof(sv))) != 0) {
		fd_close(l, sv[0]);
		fd_close(l, sv[1]);
	}
	return error;
}

/* ---------------------------------------------------------------- bind, listen, connect */

int
sys_bind(struct lwp *l, const struct sys_bind_args *uap, register_t *retval)
{
	struct nb_sockaddr_storage ss;
	struct socket *so;
	struct file *fp;
	int error;

	(void)retval;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	if ((error = sockaddr_in_user(SCARG(uap, name), SCARG(uap, namelen), &ss)) == 0) {
		net_lock(so->so_kern);
		error = so->so_proto->pr_usrreqs->pr_bind ?
		    so->so_proto->pr_usrreqs->pr_bind(so, (struct nb_sockaddr *)&ss, l) : EOPNOTSUPP;
		net_unlock(so->so_kern);
	}
	fd_putfile(fp);
	return error;
}

int
sys_listen(struct lwp *l, const struct sys_listen_args *uap, register_t *retval)
{
	int backlog = SCARG(uap, backlog), error;
	struct socket *so;
	struct file *fp;

	(void)retval;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	net_lock(so->so_kern);
	if (so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING))
		error = EINVAL;
	else if (!(so->so_proto->pr_flags & PR_LISTEN) || so->so_proto->pr_usrreqs->pr_listen == NULL)
		error = EOPNOTSUPP;
	else if ((error = so->so_proto->pr_usrreqs->pr_listen(so, l)) == 0) {
		if (backlog < 0)
			backlog = 0;
		if (backlog > net_state(so->so_kern)->ns_somaxconn)
			backlog = net_state(so->so_kern)->ns_somaxconn;
		so->so_qlimit = backlog;
		so->so_options |= SO_ACCEPTCONN;
	}
	net_unlock(so->so_kern);
	fd_putfile(fp);
	return error;
}

static int
do_accept(struct lwp *l, int s, void *uname, void *ulen, int flags, bool inherit,
    register_t *retval)
{
	struct nb_sockaddr_storage ss;
	nb_socklen_t namelen = 0;
	struct socket *so, *so2 = NULL;
	struct file *fp, *fp2;
	struct kern *k = l->l_kern;
	int error, fd;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | SOCK_NOSIGPIPE))
		return EINVAL;
	/* the address pointers are checked once a connection was taken, as NetBSD does:
	 * a non-blocking accept with none pending is EAGAIN whatever they are */
	if ((error = fd_getsock(l, s, &so, &fp)) != 0)
		return error;
	if ((error = fd_allocfile(l, &fp2, &fd)) != 0) {
		fd_putfile(fp);
		return error;
	}
	net_lock(k);
	if (!(so->so_proto->pr_flags & PR_LISTEN)) {
		error = EOPNOTSUPP;
		goto bad;
	}
	if (!(so->so_options & SO_ACCEPTCONN)) {
		error = EINVAL;
		goto bad;
	}
	/* NetBSD's do_sys_accept: non-blocking with nothing queued is EWOULDBLOCK before
	 * anything else (a listener shut down, a pending error) */
	if ((fp->f_flag & FNONBLOCK) && so->so_qlen == 0) {
		error = EWOULDBLOCK;
		goto bad;
	}
	while (so->so_qlen == 0 && so->so_error == 0) {
		if (so->so_state & SS_CANTRCVMORE) {
			error = ECONNABORTED;
			goto bad;
		}
		if (fp->f_flag & FNONBLOCK) {
			error = EWOULDBLOCK;
			goto bad;
		}
		if ((error = br_cv_wait(&so->so_cv, &net_state(k)->ns_lock)) != 0)
			goto bad;
		if (!(so->so_options & SO_ACCEPTCONN)) {
			error = EINVAL;
			goto bad;
		}
	}
	if (so->so_error != 0) {
		error = so->so_error;
		so->so_error = 0;
		goto bad;
	}
	so2 = so->so_q;
	so->so_q = so2->so_qnext;
	so->so_qlen--;
	so2->so_qnext = NULL;
	so2->so_head = NULL;
	so2->so_state &= ~SS_NOFDREF;
	memset(&ss, 0, sizeof(ss));
	error = so2->so_proto->pr_usrreqs->pr_accept ?
	    so2->so_proto->pr_usrreqs->pr_accept(so2, &ss) : 0;
	net_unlock(k);
	if (error == 0 && uname != NULL && ulen == NULL)
		error = EFAULT;
	if (error == 0 && uname != NULL)
		error = copyin(ulen, &namelen, sizeof(namelen));
	if (error == 0 && uname != NULL)
		error = sockaddr_out_user(&ss, uname, ulen, namelen);
	if (error != 0) {
		fd_abort(l, fp2, fd);
		so_close(so2);
		fd_putfile(fp);
		return error;
	}
	fp2->f_type = DTYPE_SOCKET;
	fp2->f_flag = FREAD | FWRITE;
	if (inherit)
		fp2->f_flag |= fp->f_flag & (FNONBLOCK | O_NOSIGPIPE);
	fp2->f_flag |= ((flags & SOCK_NONBLOCK) ? FNONBLOCK : 0) |
	    ((flags & SOCK_NOSIGPIPE) ? O_NOSIGPIPE : 0);
	fp2->f_ops = &socketops;
	fp2->f_data = so2;
	fd_affix(l, fp2, fd);
	if (flags & SOCK_CLOEXEC)
		fd_setcloexec(l, fd, true);
	fd_putfile(fp);
	retval[0] = fd;
	return 0;
bad:
	net_unlock(k);
	fd_abort(l, fp2, fd);
	fd_putfile(fp);
	return error;
}

int
sys_accept(struct lwp *l, const struct sys_accept_args *uap, register_t *retval)
{
	return do_accept(l, SCARG(uap, s), SCARG(uap, name), SCARG(uap, anamelen), 0, true, retval);
}

int
sys_paccept(struct lwp *l, const struct sys_paccept_args *uap, register_t *retval)
{
	/* XXX: the signal mask is ignored: rump kernels deliver no signals to callers */
	return do_accept(l, SCARG(uap, s), SCARG(uap, name), SCARG(uap, anamelen),
	    SCARG(uap, flags), false, retval);
}

int
sys_connect(struct lwp *l, const struct sys_connect_args *uap, register_t *retval)
{
	struct nb_sockaddr_storage ss;
	struct socket *so;
	struct file *fp;
	struct kern *k = l->l_kern;
	const struct pr_usrreqs *pu;
	int error;

	(void)retval;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	if ((error = sockaddr_in_user(SCARG(uap, name), SCARG(uap, namelen), &ss)) != 0) {
		fd_putfile(fp);
		return error;
	}
	pu = so->so_proto->pr_usrreqs;
	net_lock(k);
	if (so->so_options & SO_ACCEPTCONN) {
		error = EOPNOTSUPP;
		goto out;
	}
	if (so->so_state & SS_ISCONNECTING) {
		error = EALREADY;
		goto out;
	}
	if (so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING)) {
		/* datagram sockets may change their peer; connected streams may not */
		if ((so->so_proto->pr_flags & PR_CONNREQUIRED) || pu->pr_disconnect == NULL ||
		    pu->pr_disconnect(so) != 0) {
			error = EISCONN;
			goto out;
		}
	}
	if (pu->pr_connect == NULL) {
		error = EOPNOTSUPP;
		goto out;
	}
	if ((error = pu->pr_connect(so, (struct nb_sockaddr *)&ss, l)) != 0)
		goto out;
	if ((fp->f_flag & FNONBLOCK) && (so->so_state & SS_ISCONNECTING)) {
		error = EINPROGRESS;
		goto out;
	}
	while ((so->so_state & SS_ISCONNECTING) && so->so_error == 0) {
		if ((error = br_cv_wait(&so->so_cv, &net_state(k)->ns_lock)) != 0)
			break;
	}
	if (error == 0 && so->so_error != 0) {
		error = so->so_error;
		so->so_error = 0;
	}
	if (error != 0)
		so->so_state &= ~SS_ISCONNECTING;
out:
	net_unlock(k);
	fd_putfile(fp);
	return error;
}

/* ---------------------------------------------------------------- send, receive */

static int
iov_total(const struct nb_iovec *iov, int n, size_t *total)
{
	size_t t = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > SSIZE_MAX - t)
			return EINVAL;
		t += iov[i].iov_len;
	}
	*total = t;
	return 0;
}

/* mp is a kernel copy whose msg_iov points to a kernel copy of the iovec array. */
static int
do_sendmsg(struct lwp *l, int s, const struct nb_msghdr *mp, int flags, register_t *retval)
{
	struct nb_sockaddr_storage ss;
	struct sbctl *ctl = NULL;
	struct socket *so;
	struct file *fp;
	struct uio uio;
	size_t total;
	int error;

	if ((error = iov_total(mp->msg_iov, mp->msg_iovlen, &total)) != 0)
		return error;
	if ((error = fd_getsock(l, s, &so, &fp)) != 0)
		return error;
	if (mp->msg_name != NULL &&
	    (error = sockaddr_in_user(mp->msg_name, mp->msg_namelen, &ss)) != 0)
		goto out;
	if (mp->msg_control != NULL && mp->msg_controllen > 0 &&
	    (error = so_internalize(l, so, mp->msg_control, mp->msg_controllen, &ctl)) != 0)
		goto out;
	uio.uio_iov = mp->msg_iov;
	uio.uio_iovcnt = mp->msg_iovlen;
	uio.uio_offset = 0;
	uio.uio_resid = total;
	uio.uio_rw = UIO_WRITE;
	uio.uio_user = true;
	if (fp->f_flag & FNONBLOCK)
		flags |= MSG_NBIO;
	error = so_send(so, mp->msg_name != NULL ? (struct nb_sockaddr *)&ss : NULL, &uio, ctl,
	    flags & (MSG_USERFLAGS | MSG_NBIO), l);
	if (error == 0)
		retval[0] = (register_t)(total - uio.uio_resid);
	/* EPIPE posts SIGPIPE unless MSG_NOSIGNAL or the file's FNOSIGPIPE (SO_NOSIGPIPE,
	 * SOCK_NOSIGPIPE), as NetBSD's do_sys_sendmsg_so; the kernel's signal model decides
	 * what it does (kern/sig.c) */
	if (error == EPIPE && !(flags & MSG_NOSIGNAL) &&
	    !(__atomic_load_n(&fp->f_flag, __ATOMIC_RELAXED) & O_NOSIGPIPE)) {
		fd_putfile(fp);
		kern_psignal(l->l_proc, NB_SIGPIPE);
		return error;
	}
out:
	fd_putfile(fp);
	return error;
}

/* On return mp->msg_namelen, msg_controllen and msg_flags hold the results. */
static int
do_recvmsg(struct lwp *l, int s, struct nb_msghdr *mp, int flags, register_t *retval)
{
	struct nb_sockaddr_storage from;
	struct sbctl *ctl = NULL;
	struct socket *so;
	struct file *fp;
	struct uio uio;
	size_t total, used = 0;
	int error, oflags;

	if ((error = iov_total(mp->msg_iov, mp->msg_iovlen, &total)) != 0)
		return error;
	if ((error = fd_getsock(l, s, &so, &fp)) != 0)
		return error;
	uio.uio_iov = mp->msg_iov;
	uio.uio_iovcnt = mp->msg_iovlen;
	uio.uio_offset = 0;
	uio.uio_resid = total;
	uio.uio_rw = UIO_READ;
	uio.uio_user = true;
	oflags = flags & MSG_USERFLAGS;
	if (fp->f_flag & FNONBLOCK)
		oflags |= MSG_NBIO;
	error = so_receive(so, &from, &uio, &ctl, &oflags, l);
	fd_putfile(fp);
	if (error != 0) {
		sbctl_free(l->l_kern, ctl);
		return error;
	}
	if (mp->msg_name != NULL && mp->msg_namelen > 0 && from.ss_len > 0) {
		nb_socklen_t len = from.ss_len < mp->msg_namelen ? from.ss_len : mp->msg_namelen;
		if ((error = copyout(&from, mp->msg_name, len)) != 0) {
			sbctl_free(l->l_kern, ctl);
			return error;
		}
		mp->msg_namelen = len;
	} else
		mp->msg_namelen = 0;
	if (ctl != NULL)
		error = so_externalize(l, ctl, mp->msg_control, mp->msg_control ?
		    mp->msg_controllen : 0, flags, &used, &oflags);
	mp->msg_controllen = (nb_socklen_t)used;
	mp->msg_flags = oflags;
	if (error == 0)
		retval[0] = (register_t)(total - uio.uio_resid);
	return error;
}

int
sys_sendto(struct lwp *l, const struct sys_sendto_args *uap, register_t *retval)
{
	struct nb_iovec iov = { (void *)(uintptr_t)SCARG(uap, buf), SCARG(uap, len) };
	struct nb_msghdr m = { (void *)(uintptr_t)SCARG(uap, to), SCARG(uap, tolen), &iov, 1,
	    NULL, 0, 0 };

	return do_sendmsg(l, SCARG(uap, s), &m, SCARG(uap, flags), retval);
}

int
sys_recvfrom(struct lwp *l, const struct sys_recvfrom_args *uap, register_t *retval)
{
	struct nb_iovec iov = { SCARG(uap, buf), SCARG(uap, len) };
	struct nb_msghdr m = { SCARG(uap, from), 0, &iov, 1, NULL, 0, 0 };
	int error;

	if (m.msg_name != NULL) {
		if (SCARG(uap, fromlenaddr) == NULL)
			return EFAULT;
		if ((error = copyin(SCARG(uap, fromlenaddr), &m.msg_namelen, sizeof(nb_socklen_t))) != 0)
			return error;
	}
	if ((error = do_recvmsg(l, SCARG(uap, s), &m, SCARG(uap, flags), retval)) != 0)
		return error;
	if (SCARG(uap, from) != NULL)
		error = copyout(&m.msg_namelen, SCARG(uap, fromlenaddr), sizeof(nb_socklen_t));
	return error;
}

/* Copies in a msghdr and its iovec array (small arrays on the caller's stack). */
static int
msghdr_in(struct lwp *l, const void *umsg, struct nb_msghdr *m, struct nb_iovec *small,
    int nsmall, struct nb_iovec **iovp)
{
	struct nb_iovec *iov = small;
	size_t sz;
	int error;

	if ((error = copyin(umsg, m, sizeof(*m))) != 0)
		return error;
	if (m->msg_iovlen < 0 || m->msg_iovlen > IOV_MAX)
		return EMSGSIZE;
	sz = sizeof(*iov) * (size_t)m->msg_iovlen;
	if (m->msg_iovlen > nsmall && (iov = kmem_alloc(l->l_kern, sz)) == NULL)
		return ENOMEM;
	if (sz > 0 && (error = copyin(m->msg_iov, iov, sz)) != 0) {
		if (iov != small)
			kmem_free(l->l_kern, iov, sz);
		return error;
	}
	m->msg_iov = iov;
	*iovp = iov;
	return 0;
}

int
sys_sendmsg(struct lwp *l, const struct sys_sendmsg_args *uap, register_t *retval)
{
	struct nb_iovec small[8], *iov = small;
	struct nb_msghdr m;
	int error;

	if ((error = msghdr_in(l, SCARG(uap, msg), &m, small, 8, &iov)) != 0)
		return error;
	error = do_sendmsg(l, SCARG(uap, s), &m, SCARG(uap, flags), retval);
	if (iov != small)
		kmem_free(l->l_kern, iov, sizeof(*iov) * (size_t)m.msg_iovlen);
	return error;
}

int
sys_recvmsg(struct lwp *l, const struct sys_recvmsg_args *uap, register_t *retval)
{
	struct nb_iovec small[8], *iov = small;
	struct nb_msghdr m, um;
	int error;

	if ((error = msghdr_in(l, SCARG(uap, msg), &m, small, 8, &iov)) != 0)
		return error;
	error = do_recvmsg(l, SCARG(uap, s), &m, SCARG(uap, flags), retval);
	if (error == 0) {
		/* write back the results, keeping the caller's pointers */
		if ((error = copyin(SCARG(uap, msg), &um, sizeof(um))) == 0) {
			um.msg_namelen = m.msg_namelen;
			um.msg_controllen = m.msg_controllen;
			um.msg_flags = m.msg_flags;
			error = copyout(&um, SCARG(uap, msg), sizeof(um));
		}
	}
	if (iov != small)
		kmem_free(l->l_kern, iov, sizeof(*iov) * (size_t)m.msg_iovlen);
	return error;
}

/* ---------------------------------------------------------------- shutdown, names */

int
sys_shutdown(struct lwp *l, const struct sys_shutdown_args *uap, register_t *retval)
{
	int how = SCARG(uap, how), error = 0;
	struct socket *so;
	struct file *fp;
	struct kern *k = l->l_kern;

	(void)retval;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	net_lock(k);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		error = EINVAL;
	else {
		if (how == SHUT_RD || how == SHUT_RDWR) {
			/* drop what is buffered; later data is discarded by the protocol */
			so_rflush(so);
		}
		if (how == SHUT_WR || how == SHUT_RDWR)
			error = so->so_proto->pr_usrreqs->pr_shutdown ?
			    so->so_proto->pr_usrreqs->pr_shutdown(so) : EOPNOTSUPP;
	}
	net_unlock(k);
	fd_putfile(fp);
	return error;
}

static int
do_getname(struct lwp *l, int s, void *uasa, void *ualen, bool peer)
{
	struct nb_sockaddr_storage ss;
	nb_socklen_t len;
	struct socket *so;
	struct file *fp;
	int error;

	if ((error = copyin(ualen, &len, sizeof(len))) != 0)
		return error;
	if ((error = fd_getsock(l, s, &so, &fp)) != 0)
		return error;
	memset(&ss, 0, sizeof(ss));
	net_lock(so->so_kern);
	if (peer && !(so->so_state & SS_ISCONNECTED))
		error = ENOTCONN;
	else if (peer)
		error = so->so_proto->pr_usrreqs->pr_peeraddr ?
		    so->so_proto->pr_usrreqs->pr_peeraddr(so, &ss) : EOPNOTSUPP;
	else
		error = so->so_proto->pr_usrreqs->pr_sockaddr ?
		    so->so_proto->pr_usrreqs->pr_sockaddr(so, &ss) : EOPNOTSUPP;
	net_unlock(so->so_kern);
	fd_putfile(fp);
	if (error == 0)
		error = sockaddr_out_user(&ss, uasa, ualen, len);
	return error;
}

int
sys_getsockname(struct lwp *l, const struct sys_getsockname_args *uap, register_t *retval)
{
	(void)retval;
	return do_getname(l, SCARG(uap, fdes), SCARG(uap, asa), SCARG(uap, alen), false);
}

int
sys_getpeername(struct lwp *l, const struct sys_getpeername_args *uap, register_t *retval)
{
	(void)retval;
	return do_getname(l, SCARG(uap, fdes), SCARG(uap, asa), SCARG(uap, alen), true);
}

/* ---------------------------------------------------------------- socket options */

int
sockopt_get(const struct sockopt *sopt, void *buf, size_t len)
{
	if (sopt->sopt_size != len)
		return EINVAL;
	memcpy(buf, sopt->sopt_data, len);
	return 0;
}

int
sockopt_getint(const struct sockopt *sopt, int *val)
{
	return sockopt_get(sopt, val, sizeof(*val));
}

int
sockopt_set(struct sockopt *sopt, const void *buf, size_t len)
{
	if (len > sizeof(sopt->sopt_buf))
		return EINVAL;
	sopt->sopt_data = sopt->sopt_buf;
	memcpy(sopt->sopt_buf, buf, len);
	sopt->sopt_size = len;
	return 0;
}

int
sockopt_setint(struct sockopt *sopt, int val)
{
	return sockopt_set(sopt, &val, sizeof(val));
}

static int
so_setopt1(struct socket *so, struct sockopt *sopt)
{
	struct kern *k = so->so_kern;
	int opt = sopt->sopt_name, v, error;
	struct nb_linger lg;
	struct nb_timeval tv;

	switch (opt) {
	case SO_LINGER:
		if ((error = sockopt_get(sopt, &lg, sizeof(lg))) != 0)
			return error;
		if (lg.l_linger < 0 || lg.l_linger > 65535 || lg.l_linger > NB_INT_MAX / NB_HZ)
			return EDOM;
		so->so_linger = lg.l_linger;
		if (lg.l_onoff)
			so->so_options |= SO_LINGER;
		else
			so->so_options &= ~SO_LINGER;
		return 0;
	case SO_DEBUG:
	case SO_KEEPALIVE:
	case SO_DONTROUTE:
	case SO_USELOOPBACK:
	case SO_BROADCAST:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_OOBINLINE:
	case SO_TIMESTAMP:
	case SO_NOSIGPIPE:
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v)
			so->so_options |= opt;
		else
			so->so_options &= ~opt;
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF:
	case SO_SNDLOWAT:
	case SO_RCVLOWAT:
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v < 1)
			return EINVAL;
		switch (opt) {
		case SO_SNDBUF:
			error = sb_reserve(k, &so->so_snd, (size_t)v);
			if (error == 0) {
				so->so_snd.sb_flags &= ~SB_AUTOSIZE;	/* NetBSD */
				so_wwakeup(so);
			}
			return error;
		case SO_RCVBUF:
			error = sb_reserve(k, &so->so_rcv, (size_t)v);
			if (error == 0)
				so->so_rcv.sb_flags &= ~SB_AUTOSIZE;
			return error;
		case SO_SNDLOWAT:
			so->so_snd.sb_lowat = (size_t)v > so->so_snd.sb_hiwat ? so->so_snd.sb_hiwat : (size_t)v;
			return 0;
		default:
			so->so_rcv.sb_lowat = (size_t)v > so->so_rcv.sb_hiwat ? so->so_rcv.sb_hiwat : (size_t)v;
			return 0;
		}
	case SO_OSNDTIMEO:
	case SO_ORCVTIMEO: {
		/* NetBSD 5's numbers with its struct timeval50 (two longs), still honoured */
		struct { long tv_sec, tv_usec; } otv;
		if ((error = sockopt_get(sopt, &otv, sizeof(otv))) != 0)
			return error;
		tv.tv_sec = otv.tv_sec;
		tv.tv_usec = (int32_t)otv.tv_usec;
		if (otv.tv_usec < 0 || otv.tv_usec >= 1000000)
			return EDOM;
		opt = opt == SO_OSNDTIMEO ? SO_SNDTIMEO : SO_RCVTIMEO;
		goto settimeo;
	}
	case SO_SNDTIMEO:
	case SO_RCVTIMEO:
		if ((error = sockopt_get(sopt, &tv, sizeof(tv))) != 0)
			return error;
	settimeo:
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000 ||
		    tv.tv_sec > NB_INT_MAX / NB_HZ)
			return EDOM;
		(opt == SO_SNDTIMEO ? &so->so_snd : &so->so_rcv)->sb_timeo =
		    (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
		return 0;
	default:
		return ENOPROTOOPT;
	}
}

static int
so_getopt1(struct socket *so, struct sockopt *sopt)
{
	int opt = sopt->sopt_name;
	struct nb_linger lg;
	struct nb_timeval tv;
	uint64_t t;

	switch (opt) {
	case SO_LINGER:
		lg.l_onoff = (so->so_options & SO_LINGER) ? 1 : 0;
		lg.l_linger = so->so_linger;
		return sockopt_set(sopt, &lg, sizeof(lg));
	case SO_USELOOPBACK:
	case SO_DONTROUTE:
	case SO_DEBUG:
	case SO_KEEPALIVE:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_BROADCAST:
	case SO_OOBINLINE:
	case SO_TIMESTAMP:
	case SO_NOSIGPIPE:
	case SO_ACCEPTCONN:
		return sockopt_setint(sopt, (so->so_options & opt) ? 1 : 0);
	case SO_TYPE:
		return sockopt_setint(sopt, so->so_type);
	case SO_ERROR:
		sockopt_setint(sopt, so->so_error);
		so->so_error = 0;
		return 0;
	case SO_SNDBUF:
		return sockopt_setint(sopt, (int)so->so_snd.sb_hiwat);
	case SO_RCVBUF:
		return sockopt_setint(sopt, (int)so->so_rcv.sb_hiwat);
	case SO_SNDLOWAT:
		return sockopt_setint(sopt, (int)so->so_snd.sb_lowat);
	case SO_RCVLOWAT:
		return sockopt_setint(sopt, (int)so->so_rcv.sb_lowat);
	case SO_SNDTIMEO:
	case SO_RCVTIMEO:
		t = (opt == SO_SNDTIMEO ? &so->so_snd : &so->so_rcv)->sb_timeo;
		memset(&tv, 0, sizeof(tv));
		tv.tv_sec = (int64_t)(t / 1000000000u);
		tv.tv_usec = (int32_t)((t % 1000000000u) / 1000u);
		return sockopt_set(sopt, &tv, sizeof(tv));
	case SO_OSNDTIMEO:
	case SO_ORCVTIMEO: {
		struct { long tv_sec, tv_usec; } otv;
		t = (opt == SO_OSNDTIMEO ? &so->so_snd : &so->so_rcv)->sb_timeo;
		otv.tv_sec = (long)(t / 1000000000u);
		otv.tv_usec = (long)((t % 1000000000u) / 1000u);
		return sockopt_set(sopt, &otv, sizeof(otv));
	}
	case SO_OVERFLOWED:
		return sockopt_setint(sopt, so->so_rcv.sb_overflowed);
	default:
		return ENOPROTOOPT;
	}
}

int
sys_setsockopt(struct lwp *l, const struct sys_setsockopt_args *uap, register_t *retval)
{
	size_t size = SCARG(uap, valsize);
	struct sockopt sopt;
	struct socket *so;
	struct file *fp;
	int error, prerr;

	(void)retval;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	if (size > NB_MCLBYTES) {
		error = EINVAL;
		goto out;
	}
	if (size > 0 && SCARG(uap, val) == NULL) {
		error = EFAULT;
		goto out;
	}
	memset(&sopt, 0, sizeof(sopt));
	sopt.sopt_level = SCARG(uap, level);
	sopt.sopt_name = SCARG(uap, name);
	sopt.sopt_size = size;
	sopt.sopt_data = size <= sizeof(sopt.sopt_buf) ? sopt.sopt_buf : kmem_alloc(l->l_kern, size);
	if (sopt.sopt_data == NULL) {
		error = ENOMEM;
		goto out;
	}
	if (size > 0 && (error = copyin(SCARG(uap, val), sopt.sopt_data, size)) != 0)
		goto free;
	net_lock(so->so_kern);
	error = sopt.sopt_level == SOL_SOCKET ? so_setopt1(so, &sopt) : ENOPROTOOPT;
	if (error == 0 && sopt.sopt_level == SOL_SOCKET && sopt.sopt_name == SO_NOSIGPIPE) {
		/* the file carries it, as NetBSD's sys_setsockopt (F_GETNOSIGPIPE sees it) */
		mutex_enter(&fp->f_lock);
		if (so->so_options & SO_NOSIGPIPE)
			fp->f_flag |= O_NOSIGPIPE;
		else
			fp->f_flag &= ~(unsigned)O_NOSIGPIPE;
		mutex_exit(&fp->f_lock);
	}
	if ((error == 0 || error == ENOPROTOOPT) && so->so_proto->pr_ctloutput != NULL) {
		/* the protocol sees every option; it decides for other levels */
		prerr = so->so_proto->pr_ctloutput(PRCO_SETOPT, so, &sopt);
		if (prerr == 0)
			error = 0;
		else if (prerr != ENOPROTOOPT)
			error = prerr;
	}
	net_unlock(so->so_kern);
free:
	if (sopt.sopt_data != sopt.sopt_buf)
		kmem_free(l->l_kern, sopt.sopt_data, size);
out:
	fd_putfile(fp);
	return error;
}

int
sys_getsockopt(struct lwp *l, const struct sys_getsockopt_args *uap, register_t *retval)
{
	nb_socklen_t valsize = 0, len;
	struct sockopt sopt;
	struct socket *so;
	struct file *fp;
	int error;

	(void)retval;
	if (SCARG(uap, avalsize) != NULL &&
	    (error = copyin(SCARG(uap, avalsize), &valsize, sizeof(valsize))) != 0)
		return error;
	if ((error = fd_getsock(l, SCARG(uap, s), &so, &fp)) != 0)
		return error;
	memset(&sopt, 0, sizeof(sopt));
	sopt.sopt_level = SCARG(uap, level);
	sopt.sopt_name = SCARG(uap, name);
	sopt.sopt_data = sopt.sopt_buf;
	net_lock(so->so_kern);
	if (sopt.sopt_level == SOL_SOCKET)
		error = so_getopt1(so, &sopt);
	else
		error = so->so_proto->pr_ctloutput != NULL ?
		    so->so_proto->pr_ctloutput(PRCO_GETOPT, so, &sopt) : ENOPROTOOPT;
	net_unlock(so->so_kern);
	fd_putfile(fp);
	if (error != 0)
		return error;
	len = (nb_socklen_t)sopt.sopt_size < valsize ? (nb_socklen_t)sopt.sopt_size : valsize;
	if (len > 0 && (error = copyout(sopt.sopt_data, SCARG(uap, val), len)) != 0)
		return error;
	if (SCARG(uap, avalsize) != NULL)
		error = copyout(&len, SCARG(uap, avalsize), sizeof(len));
	return error;
}
