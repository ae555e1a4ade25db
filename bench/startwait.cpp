// startwait: starts a server and measures the time to its first correct answer.
//
//   startwait -p PORT -q "NAME TYPE" [-s ADDRESS] [-r RCODE] [-t SECONDS] [-o LOGFILE]
//             -- COMMAND [ARGS...]
//
// Takes the clock, forks and execs COMMAND (stdout and stderr to LOGFILE, default
// /dev/null), then queries ADDRESS:PORT over UDP in a tight loop (a new query as soon as
// the previous one is refused or unanswered after 1 ms) until an answer comes back with
// the query's ID and question, the expected RCODE (default NOERROR) and at least one
// answer RR. Then prints "pid=PID ms=MILLISECONDS queries=N" on its own line and stays
// the server's parent until the server exits (the caller stops it by PID), exiting with
// the server's exit status (128+signal if a signal ended it). Exits 1 (after killing
// the server) if the server exits or no correct answer came within SECONDS (default 600)
// before that line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "dnswire.h"

namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

[[noreturn]] void usage() {
  fprintf(stderr,
          "usage: startwait -p PORT -q \"NAME TYPE\" [-s ADDRESS] [-r RCODE] [-t SECONDS]\n"
          "                 [-o LOGFILE] -- COMMAND [ARGS...]\n");
  exit(2);
}

pid_t spawn(char** argv, const char* log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    setpgid(0, 0);  // its own group: a terminal's ^C to the runner does not reach it twice
    execvp(argv[0], argv);
    perror("startwait: exec");
    _exit(127);
  }
  return pid;
}

// Fills `ss` with ADDRESS:PORT; false if ADDRESS is not an IP address.
bool make_addr(const char* addr, int port, sockaddr_storage& ss, socklen_t& len) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(port));
    len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(port));
    len = sizeof *v6;
    return true;
  }
  return false;
}

// True if nothing is bound to ADDRESS:PORT over UDP: otherwise another process could
// answer the probe queries and the time would be meaningless.
bool port_free(const char* addr, int port) {
  sockaddr_storage ss{};
  socklen_t len;
  if (!make_addr(addr, port, ss, len)) usage();
  int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

int connect_udp(const char* addr, int port) {
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
    usage();
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    perror("startwait: socket");
    exit(1);
  }
  return fd;
}

// True if `m` answers `q` (same ID and question) with `rcode` and at least one answer RR.
bool correct(const uint8_t* m, ssize_t len, const std::string& q, int rcode) {
  size_t ql = bench::question_length(reinterpret_cast<const uint8_t*>(q.data()), q.size());
  if (len < ssize_t(12 + ql) || memcmp(m, q.data(), 2) != 0 || !(m[2] & 0x80)) return false;
  if ((m[3] & 15) != rcode || bench::get16(m + 6) == 0) return false;
  return memcmp(m + 12, q.data() + 12, ql) == 0;
}

// Waits for the server to exit and turns its status into ours.
int wait_exit(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  const char* addr = "127.0.0.1";
  const char* log = "/dev/null";
  const char* question = nullptr;
  int port = 0, rcode = 0;
  double limit_s = 600;
  int c;
  while ((c = getopt(argc, argv, "+s:p:q:r:t:o:")) != -1) {
    switch (c) {
      case 's':
        addr = optarg;
        break;
      case 'p':
        port = atoi(optarg);
        break;
      case 'q':
        question = optarg;
        break;
      case 'r':
        rcode = bench::rcode_number(optarg);
        break;
      case 't':
        limit_s = atof(optarg);
        break;
      case 'o':
        log = optarg;
        break;
      default:
        usage();
    }
  }
  if (optind >= argc || port <= 0 || !question || rcode < 0 || limit_s <= 0) usage();
  auto query = bench::make_query(question, false);
  if (!query) usage();
  if (!port_free(addr, port)) {
    fprintf(stderr, "startwait: UDP %s port %d is already in use\n", addr, port);
    return 1;
  }
  int fd = connect_udp(addr, port);

  double t0 = now_ms();
  pid_t pid = spawn(argv + optind, log);
  uint16_t id = 0;
  uint8_t buf[4096];
  for (unsigned long n = 1;; ++n) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      fprintf(stderr, "startwait: the server exited (status %d) before answering\n", status);
      return 1;
    }
    if (now_ms() - t0 > limit_s * 1e3) {
      fprintf(stderr, "startwait: no correct answer within %.0f s\n", limit_s);
      kill(pid, SIGTERM);
      waitpid(pid, &status, 0);
      return 1;
    }
    ++id;
    (*query)[0] = char(id >> 8);
    (*query)[1] = char(id & 0xFF);
    if (send(fd, query->data(), query->size(), 0) < 0) {
      usleep(100);  // refused: nothing bound yet
      continue;
    }
    pollfd p{fd, POLLIN, 0};
    double sent = now_ms();
    while (now_ms() - sent < 1.0) {
      if (poll(&p, 1, 1) <= 0) continue;
      ssize_t len = recv(fd, buf, sizeof buf, 0);
      if (len < 0) {
        usleep(100);
        break;  // ICMP port unreachable: not listening yet
      }
      if (correct(buf, len, *query, rcode)) {
        printf("pid=%d ms=%.2f queries=%lu\n", pid, now_ms() - t0, n);
        fflush(stdout);
        return wait_exit(pid);
      }
    }
  }
}
