#include "sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
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

int open_listen_socket(const conf::ListenAddr& a, int type) {
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
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) fail(a, type, "bind", errno, fd);
  if (type == SOCK_STREAM && listen(fd, 1024) != 0) fail(a, type, "listen", errno, fd);
  return fd;
}

}  // namespace rdnsd::server
