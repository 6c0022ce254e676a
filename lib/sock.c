/* The socket helpers of loop.h every server needs: bind a listening or
 * datagram socket, print a peer address, read back a bound port. Plain
 * sockets, no libevent: loop.c keeps that. */
#include "loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int parse_addr(const char *addr, int port, struct sockaddr_storage *ss,
		      socklen_t *len, tl_err *e)
{
	struct addrinfo hints, *ai;
	char host[128], serv[16];
	size_t n;
	int rc;

	if (addr[0] == '[') {
		n = strlen(addr);
		if (n < 3 || addr[n - 1] != ']' || n - 2 >= sizeof(host))
			return tl_fail(e, "address \"%s\": unbalanced [ ]", addr);
		memcpy(host, addr + 1, n - 2);
		host[n - 2] = 0;
	} else if (snprintf(host, sizeof(host), "%s", addr) >= (int)sizeof(host)) {
		return tl_fail(e, "address \"%s\" is too long", addr);
	}
	snprintf(serv, sizeof(serv), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc)
		return tl_fail(e, "address \"%s\": %s (give a numeric IPv4 or "
			       "IPv6 address)", addr, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int bind_one(const struct sockaddr_storage *ss, socklen_t len, int type,
		    int reuseport, int dual, tl_err *e)
{
	int fd, one = 1, zero = 0;
	char name[80];

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_fail(e, "socket: %s", strerror(errno));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) {
		close(fd);
		return tl_fail(e, "SO_REUSEPORT: %s", strerror(errno));
	}
	if (dual)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		int err = errno;

		close(fd);
		errno = err;
		tl_sock_str((const struct sockaddr *)ss, 1, name, sizeof(name));
		/* what to do, for the two an administrator meets */
		return tl_fail(e, "cannot bind %s %s: %s%s", type == SOCK_STREAM ? "TCP" :
			       "UDP", name, strerror(err), err == EACCES ?
			       ": a port below 1024 needs root (the daemon drops to its "
			       "user once bound) or CAP_NET_BIND_SERVICE, as the packaged "
			       "unit gives it; or choose another with --port" :
			       err == EADDRINUSE ? ": another program listens there "
			       "(`ss -lntup` shows which); stop it or choose another with "
			       "--port" : "");
	}
	return fd;
}

int tl_sock_bind(const char *addr, int port, int type, int reuseport, tl_err *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (addr && *addr) {
		if (parse_addr(addr, port, &ss, &len, e))
			return -1;
		return bind_one(&ss, len, type, reuseport, 0, e);
	}
	if (parse_addr("::", port, &ss, &len, e))
		return -1;
	fd = bind_one(&ss, len, type, reuseport, 1, e);
	if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL))
		return fd;
	if (parse_addr("0.0.0.0", port, &ss, &len, e))
		return -1;
	return bind_one(&ss, len, type, reuseport, 0, e);
}

const char *tl_sock_str(const struct sockaddr *sa, int with_port, char *out,
			size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof(ip));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			if (with_port) {
				snprintf(out, n, "[%s]:%d", ip, port);
				return out;
			}
		}
	} else {
		snprintf(out, n, "?");
		return out;
	}
	if (with_port)
		snprintf(out, n, "%s:%d", ip, port);
	else
		snprintf(out, n, "%s", ip);
	return out;
}

int tl_sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}
