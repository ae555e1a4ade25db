#include "tests/e2e/support/wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace rdnsd::e2e::wire {
namespace {

using Clock = std::chrono::steady_clock;

uint16_t get16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
uint32_t get32(const Bytes& b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

// Offset past a (possibly compressed) name at `at`, or 0 when it is malformed.
size_t skip_name(const Bytes& b, size_t at) {
  while (at < b.size()) {
    uint8_t len = b[at];
    if (len == 0) return at + 1;
    if ((len & 0xC0) == 0xC0) return at + 2 <= b.size() ? at + 2 : 0;
    if (len & 0xC0) return 0;
    at += 1 + len;
  }
  return 0;
}

// Walks the resource records after the question; calls `fn(section, offset of the RR,
// type, ttl, rdata offset, rdata length)` for each; stops at the first malformed one.
template <typename Fn>
void walk_records(const Reply& r, Fn fn) {
  const Bytes& b = r.bytes;
  size_t at = r.question_end;
  if (at == 0) return;
  int counts[3] = {r.an, r.ns, r.ar};
  for (int section = 0; section < 3; ++section) {
    for (int i = 0; i < counts[section]; ++i) {
      size_t start = at;
      at = skip_name(b, at);
      if (at == 0 || at + 10 > b.size()) return;
      uint16_t type = get16(b, at);
      uint32_t ttl = get32(b, at + 4);
      uint16_t rdlen = get16(b, at + 8);
      if (at + 10 + rdlen > b.size()) return;
      fn(section, start, at, type, ttl, at + 10, rdlen);
      at += 10 + rdlen;
    }
  }
}

sockaddr_storage loopback(uint16_t port, bool v6, socklen_t& len) {
  sockaddr_storage ss{};
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  }
  return ss;
}

bool wait_readable(int fd, Millis timeout) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int n = poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

}  // namespace

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

Bytes encode_name(std::string_view name) {
  Bytes out;
  while (!name.empty()) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  out.push_back(0);
  return out;
}

Bytes header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
  Bytes b;
  for (uint16_t v : {id, flags, qd, an, ns, ar}) put16(b, v);
  return b;
}

Bytes opt_rr(uint16_t udp_size, uint8_t version, bool do_bit, const Bytes& options) {
  Bytes b{0};  // root owner
  put16(b, rr::OPT);
  put16(b, udp_size);
  b.push_back(0);  // extended rcode
  b.push_back(version);
  put16(b, do_bit ? 0x8000 : 0);
  put16(b, static_cast<uint16_t>(options.size()));
  b.insert(b.end(), options.begin(), options.end());
  return b;
}

Bytes build(const Query& q) {
  uint16_t flags = static_cast<uint16_t>((q.opcode & 0xF) << 11 | (q.rd ? 0x0100 : 0));
  Bytes b = header(q.id, flags, 1, 0, 0, q.edns ? 1 : 0);
  Bytes name = encode_name(q.name);
  b.insert(b.end(), name.begin(), name.end());
  put16(b, q.qtype);
  put16(b, q.qclass);
  if (q.edns) {
    Bytes opt = opt_rr(q.udp_size, q.edns_version, q.do_bit, q.edns_options);
    b.insert(b.end(), opt.begin(), opt.end());
  }
  return b;
}

std::optional<Reply> parse_reply(Bytes bytes) {
  if (bytes.size() < 12) return std::nullopt;
  Reply r;
  r.bytes = std::move(bytes);
  const Bytes& b = r.bytes;
  r.id = get16(b, 0);
  uint16_t flags = get16(b, 2);
  r.qr = flags & 0x8000;
  r.opcode = (flags >> 11) & 0xF;
  r.aa = flags & 0x0400;
  r.tc = flags & 0x0200;
  r.rd = flags & 0x0100;
  r.ra = flags & 0x0080;
  r.rcode = flags & 0xF;
  r.qd = get16(b, 4);
  r.an = get16(b, 6);
  r.ns = get16(b, 8);
  r.ar = get16(b, 10);
  if (r.qd == 1) {
    size_t end = skip_name(b, 12);
    if (end != 0 && end + 4 <= b.size()) r.question_end = end + 4;
  } else if (r.qd == 0) {
    r.question_end = 12;
  }
  return r;
}

Bytes Reply::question() const {
  if (question_end <= 12) return {};
  return Bytes(bytes.begin() + 12, bytes.begin() + static_cast<long>(question_end));
}

std::optional<int> Reply::full_rcode() const {
  std::optional<int> out;
  walk_records(*this,
               [&](int section, size_t, size_t at, uint16_t type, uint32_t ttl, size_t, uint16_t) {
                 (void)at;
                 if (section == 2 && type == rr::OPT && !out)
                   out = static_cast<int>((ttl >> 24) << 4) | rcode;
               });
  return out;
}

std::optional<uint32_t> Reply::authority_soa_ttl() const {
  std::optional<uint32_t> out;
  walk_records(*this,
               [&](int section, size_t, size_t, uint16_t type, uint32_t ttl, size_t, uint16_t) {
                 if (section == 1 && type == rr::SOA && !out) out = ttl;
               });
  return out;
}

std::optional<uint32_t> Reply::authority_soa_serial() const {
  std::optional<uint32_t> out;
  walk_records(
      *this, [&](int section, size_t, size_t, uint16_t type, uint32_t, size_t rd, uint16_t rdlen) {
        if (section != 1 || type != rr::SOA || out) return;
        size_t at = skip_name(bytes, rd);        // MNAME
        if (at != 0) at = skip_name(bytes, at);  // RNAME
        if (at != 0 && at + 4 <= rd + rdlen) out = get32(bytes, at);
      });
  return out;
}

std::optional<std::vector<std::pair<uint16_t, Bytes>>> Reply::opt_options() const {
  std::optional<std::vector<std::pair<uint16_t, Bytes>>> out;
  walk_records(
      *this, [&](int section, size_t, size_t, uint16_t type, uint32_t, size_t rd, uint16_t rdlen) {
        if (section != 2 || type != rr::OPT || out) return;
        out.emplace();
        size_t at = rd, end = rd + rdlen;
        while (at + 4 <= end) {
          uint16_t code = get16(bytes, at), len = get16(bytes, at + 2);
          if (at + 4 + len > end) break;
          out->emplace_back(code, Bytes(bytes.begin() + static_cast<long>(at + 4),
                                        bytes.begin() + static_cast<long>(at + 4 + len)));
          at += 4 + len;
        }
      });
  return out;
}

std::optional<uint16_t> Reply::opt_udp_size() const {
  std::optional<uint16_t> out;
  walk_records(*this,
               [&](int section, size_t, size_t at, uint16_t type, uint32_t, size_t, uint16_t) {
                 if (section == 2 && type == rr::OPT && !out) out = get16(bytes, at + 2);
               });
  return out;
}

bool Reply::opt_do() const {
  bool out = false;
  walk_records(*this,
               [&](int section, size_t, size_t, uint16_t type, uint32_t ttl, size_t, uint16_t) {
                 if (section == 2 && type == rr::OPT) out = ttl & 0x8000;
               });
  return out;
}

// ---- UDP ----

UdpClient::UdpClient(uint16_t port, bool v6) {
  fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("udp socket: ") + std::strerror(errno));
  int rcvbuf = 1 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  socklen_t len = 0;
  auto addr = loopback(port, v6, len);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0)
    throw std::runtime_error(std::string("udp connect: ") + std::strerror(errno));
}

UdpClient::~UdpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void UdpClient::send(const Bytes& packet) {
  // Errors (ECONNREFUSED from an earlier ICMP) are ignored: the caller checks replies.
  (void)::send(fd_, packet.data(), packet.size(), MSG_NOSIGNAL);
}

std::optional<Bytes> UdpClient::receive(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0 || !wait_readable(fd_, left)) return std::nullopt;
    Bytes buf(65536);
    ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n >= 0) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    // ECONNREFUSED: nobody listens (yet); keep waiting until the deadline.
    if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) return std::nullopt;
    if (errno == ECONNREFUSED) return std::nullopt;
  }
}

std::optional<Reply> UdpClient::exchange(const Bytes& packet, Millis timeout) {
  send(packet);
  uint16_t id = packet.size() >= 2 ? static_cast<uint16_t>(packet[0] << 8 | packet[1]) : 0;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    auto got = receive(left);
    if (!got) return std::nullopt;
    auto reply = parse_reply(std::move(*got));
    if (reply && reply->id == id) return reply;
  }
  return std::nullopt;
}

void UdpClient::drain() {
  while (receive(Millis(0))) {
  }
}

// ---- TCP ----

TcpClient::TcpClient(uint16_t port, bool v6) {
  fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("tcp socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  socklen_t len = 0;
  auto addr = loopback(port, v6, len);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("tcp connect: ") + std::strerror(err));
  }
}

TcpClient::~TcpClient() {
  close();
}

void TcpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TcpClient::send_raw(const Bytes& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool TcpClient::send_message(const Bytes& message) {
  Bytes framed;
  put16(framed, static_cast<uint16_t>(message.size()));
  framed.insert(framed.end(), message.begin(), message.end());
  return send_raw(framed);
}

bool TcpClient::read_exact(uint8_t* out, size_t n, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  size_t done = 0;
  while (done < n) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0 || !wait_readable(fd_, left)) return false;
    ssize_t got = recv(fd_, out + done, n - done, MSG_DONTWAIT);
    if (got == 0) {
      eof_ = true;
      return false;
    }
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      eof_ = true;
      return false;
    }
    done += static_cast<size_t>(got);
  }
  return true;
}

std::optional<Bytes> TcpClient::receive_message(Millis timeout) {
  uint8_t len[2];
  if (!read_exact(len, 2, timeout)) return std::nullopt;
  Bytes msg(static_cast<size_t>(len[0] << 8 | len[1]));
  if (!read_exact(msg.data(), msg.size(), timeout)) return std::nullopt;
  return msg;
}

std::optional<Reply> TcpClient::exchange(const Bytes& message, Millis timeout) {
  if (!send_message(message)) return std::nullopt;
  auto got = receive_message(timeout);
  if (!got) return std::nullopt;
  return parse_reply(std::move(*got));
}

bool TcpClient::closed_by_peer(Millis timeout) {
  if (eof_) return true;
  auto deadline = Clock::now() + timeout;
  uint8_t buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0 || !wait_readable(fd_, left)) return false;
    ssize_t got = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      eof_ = true;
      return true;
    }
  }
}

}  // namespace rdnsd::e2e::wire
