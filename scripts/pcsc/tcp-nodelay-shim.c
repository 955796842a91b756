/*
 * LD_PRELOAD shim for pcscd running Debian's vpcd driver.
 *
 * vpcd writes each frame to the virtual card's TCP socket in two send() calls and never sets
 * TCP_NODELAY, so every APDU waits for Nagle's algorithm to meet the peer's delayed ACK: about
 * 44 ms per exchange instead of well under a millisecond. This shim wraps accept()/accept4() and
 * sets TCP_NODELAY on every TCP socket the process accepts.
 *
 * With VPCD_BIND_LOOPBACK=1 it also narrows IPv4 listening sockets bound to INADDR_ANY to
 * 127.0.0.1: vpcd listens on every interface, and a virtual card reader must never be reachable
 * from the network.
 *
 * Build: cc -shared -fPIC -O2 -Wall -o tcp-nodelay-shim.so tcp-nodelay-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

/* Sets TCP_NODELAY when fd is a TCP socket; Unix sockets (pcscd's client socket) are left alone. */
static void set_nodelay(int fd) {
  int domain = 0;
  socklen_t length = sizeof domain;
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) return;
  if (domain != AF_INET && domain != AF_INET6) return;
  int on = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
  static accept_fn real_accept;
  if (!real_accept) real_accept = (accept_fn)dlsym(RTLD_NEXT, "accept");
  int client = real_accept(fd, address, length);
  set_nodelay(client);
  return client;
}

int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
  static accept4_fn real_accept4;
  if (!real_accept4) real_accept4 = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
  int client = real_accept4(fd, address, length, flags);
  set_nodelay(client);
  return client;
}

int bind(int fd, const struct sockaddr *address, socklen_t length) {
  static bind_fn real_bind;
  if (!real_bind) real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
  const char *loopback = getenv("VPCD_BIND_LOOPBACK");
  if (loopback && strcmp(loopback, "1") == 0 && address && address->sa_family == AF_INET &&
      length >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in narrowed;
    memcpy(&narrowed, address, sizeof narrowed);
    if (narrowed.sin_addr.s_addr == htonl(INADDR_ANY)) {
      narrowed.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&narrowed, sizeof narrowed);
    }
  }
  return real_bind(fd, address, length);
}
