// echo_responder: the loopback ceiling for the query benchmarks.
//
//   echo_responder ADDRESS PORT
//
// Receives UDP datagrams in recvmmsg batches of 64, sets QR on each (and nothing else:
// no parsing, no lookup) and sends the batch back with one sendmmsg. It runs until
// SIGTERM or SIGINT. Whatever a real server does on top of this costs CPU that this
// program does not spend, so its queries per CPU-second bound every server's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kBatch = 64;
constexpr int kBufSize = 4096;
volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

int open_socket(const char* addr, int port) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(port));
    len = sizeof *v6;
  } else {
    fprintf(stderr, "echo_responder: bad address %s\n", addr);
    exit(2);
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    perror("echo_responder: bind");
    exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: echo_responder ADDRESS PORT\n");
    return 2;
  }
  int fd = open_socket(argv[1], atoi(argv[2]));
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: a signal interrupts recvmmsg
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  static char bufs[kBatch][kBufSize];
  static sockaddr_storage peers[kBatch];
  static iovec iov[kBatch];
  static mmsghdr msgs[kBatch];
  fprintf(stderr, "echo_responder: ready on %s port %s\n", argv[1], argv[2]);
  while (!g_stop) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {bufs[i], kBufSize};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    int out = 0;
    for (int i = 0; i < n; ++i) {
      size_t len = msgs[i].msg_len;
      if (len < 12) continue;
      bufs[i][2] = char(bufs[i][2] | 0x80);
      iov[i].iov_len = len;
      if (out != i) {
        msgs[out] = msgs[i];
      }
      ++out;
    }
    for (int sent = 0; sent < out;) {
      int r = sendmmsg(fd, msgs + sent, unsigned(out - sent), 0);
      if (r <= 0) break;
      sent += r;
    }
  }
  close(fd);
  return 0;
}
