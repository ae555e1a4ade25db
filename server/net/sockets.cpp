#include "server/net/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace rdnsd::server {

namespace {

socklen_t fill_address(const conf::ListenAddr& a, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.family == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a.port);
    inet_pton(AF_INET, a.host.c_str(), &sin->sin_addr);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(a.port);
  inet_pton(AF_INET6, a.host.c_str(), &sin6->sin6_addr);
  return sizeof(sockaddr_in6);
}

[[noreturn]] void fail(const conf::ListenAddr& a, int type, const char* what, int err, int fd) {
  if (fd >= 0) close(fd);
  throw std::runtime_error(std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + a.text + ": " +
                           what + ": " + std::strerror(err));
}

void set_option(int fd, int level, int name, const conf::ListenAddr& a, int type) {
  int one = 1;
  if (setsockopt(fd, level, name, &one, sizeof one) != 0) fail(a, type, "setsockopt", errno, fd);
}

// SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN; SO_RCVBUF is capped
// there. The kernel keeps twice the size asked for (bookkeeping included) and reports
// that, so a buffer read back below twice the request was capped.
void set_receive_buffer(int fd, const conf::ListenAddr& a, int type, size_t bytes,
                        std::string* note) {
  const int want = int(std::min<size_t>(bytes, size_t(INT32_MAX / 2)));
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want) != 0)
    fail(a, type, "setsockopt SO_RCVBUF", errno, fd);
  const size_t got = receive_buffer_of(fd) / 2;
  if (!note) return;
  *note = std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + a.text + ": receive buffer " +
          std::to_string(got) + " bytes";
  if (got < size_t(want))
    *note += ", not the " + std::to_string(want) +
             " asked for (net.core.rmem_max caps it; raise that, or give rdnsd CAP_NET_ADMIN)";
}

}  // namespace

bool is_wildcard(const conf::ListenAddr& a) {
  return a.host == "0.0.0.0" || a.host == "::";
}

void check_address_free(const conf::ListenAddr& a, int type) {
  sockaddr_storage ss;
  socklen_t len = fill_address(a, ss);
  int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(a, type, "socket", errno, -1);
  if (a.family == 6) set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, a, type);
  if (type == SOCK_STREAM) set_option(fd, SOL_SOCKET, SO_REUSEADDR, a, type);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) fail(a, type, "bind", errno, fd);
  close(fd);
}

int open_listen_socket(const conf::ListenAddr& a, int type, size_t receive_buffer,
                       std::string* note) {
  sockaddr_storage ss;
  socklen_t len = fill_address(a, ss);
  int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(a, type, "socket", errno, -1);
  set_option(fd, SOL_SOCKET, SO_REUSEPORT, a, type);
  if (type == SOCK_STREAM) set_option(fd, SOL_SOCKET, SO_REUSEADDR, a, type);
  if (a.family == 6) set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, a, type);
  if (type == SOCK_DGRAM && is_wildcard(a)) {
    if (a.family == 4)
      set_option(fd, IPPROTO_IP, IP_PKTINFO, a, type);
    else
      set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, a, type);
  }
  if (receive_buffer > 0) set_receive_buffer(fd, a, type, receive_buffer, note);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) fail(a, type, "bind", errno, fd);
  if (type == SOCK_STREAM && listen(fd, 1024) != 0) fail(a, type, "listen", errno, fd);
  return fd;
}

size_t receive_buffer_of(int fd) {
  int got = 0;
  socklen_t len = sizeof got;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) != 0 || got < 0) return 0;
  return size_t(got);
}

}  // namespace rdnsd::server
