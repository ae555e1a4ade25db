// rdnsctl's side of the admin socket: one request line out, one answer line back.
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {
namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

ConnectError broken(const std::string& path, const std::string& what) {
  return ConnectError("connection to " + path + " " + what);
}

}  // namespace

int connect_socket(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path)
    throw ConnectError("cannot connect to " + path + ": the path is too long for a socket");
  std::memcpy(sa.sun_path, path.data(), path.size());
  Fd s{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) throw ConnectError(std::string("cannot make a socket: ") + std::strerror(errno));
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw ConnectError("cannot connect to " + path + ": " + std::strerror(errno) +
                       " (is rdnsd running? the socket is set by --socket or RDNSD_SOCKET)");
  int fd = s.fd;
  s.fd = -1;
  return fd;
}

void send_line(int fd, const std::string& path, std::initializer_list<std::string_view> pieces) {
  auto send_all = [&](std::string_view data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw broken(path, std::string("failed while sending: ") + std::strerror(errno));
      sent += size_t(n);
    }
  };
  for (std::string_view piece : pieces) send_all(piece);
  send_all("\n");
}

namespace {

// One answer line from the socket (without its newline).
std::string read_answer(int fd, const std::string& path) {
  std::string answer;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw broken(path, std::string("failed while reading: ") + std::strerror(errno));
    if (n == 0) throw broken(path, "closed before an answer came");
    answer.append(buf, size_t(n));
    if (auto nl = answer.find('\n'); nl != std::string::npos) {
      answer.resize(nl);
      return answer;
    }
  }
}

}  // namespace

std::string round_trip(const std::string& path, std::initializer_list<std::string_view> pieces) {
  Fd s{connect_socket(path)};
  try {
    send_line(s.fd, path, pieces);
  } catch (const ConnectError&) {
    // A connection the server refuses (busy, forbidden) gets one line and is closed,
    // maybe before the request is written: that line is the answer, if it came.
    try {
      return read_answer(s.fd, path);
    } catch (const ConnectError&) {
    }
    throw;
  }
  return read_answer(s.fd, path);
}

}  // namespace rdnsd::admin::cli
