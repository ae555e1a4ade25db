// The listening sockets: options they are made with, and the UDP receive buffer.
#include "server/net/sockets.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

using namespace rdnsd;

namespace {

conf::ListenAddr loopback() {
  conf::ListenAddr a;
  a.host = "127.0.0.1";
  a.port = 0;  // the kernel picks a free one
  a.family = 4;
  a.text = "127.0.0.1:0";
  return a;
}

size_t default_receive_buffer() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  size_t size = server::receive_buffer_of(fd);
  close(fd);
  return size;
}

}  // namespace

TEST_CASE("a UDP socket keeps the system's receive buffer unless one is asked for") {
  int fd = server::open_listen_socket(loopback(), SOCK_DGRAM);
  REQUIRE(fd >= 0);
  CHECK(server::receive_buffer_of(fd) == default_receive_buffer());
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, &len) == 0);
  CHECK(on == 1);
  close(fd);
}

TEST_CASE("a UDP socket gets the receive buffer asked for, and a note says what it got") {
  const size_t want = 8u << 20;  // above Linux's default net.core.rmem_max
  std::string note;
  int fd = server::open_listen_socket(loopback(), SOCK_DGRAM, want, &note);
  REQUIRE(fd >= 0);
  const size_t got = server::receive_buffer_of(fd);
  CAPTURE(got);
  CAPTURE(note);
  CHECK(got >= default_receive_buffer());  // never lowered; raised up to what is allowed
  const std::string said = "udp 127.0.0.1:0: receive buffer " + std::to_string(got / 2) + " bytes";
  if (got >= 2 * want)
    CHECK(note == said);
  else
    CHECK(note.find(said + ", not the " + std::to_string(want) + " asked for") == 0);
  close(fd);
}
