#pragma once
// Hand-made DNS packets and raw UDP/TCP clients, for what dig cannot send: malformed
// packets, odd header bits, pipelined TCP, half-sent messages.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/support/process.h"

namespace rdnsd::e2e::wire {

using Bytes = std::vector<uint8_t>;

namespace rr {
constexpr uint16_t A = 1, NS = 2, SOA = 6, PTR = 12, TXT = 16, AAAA = 28, OPT = 41, IXFR = 251,
                   AXFR = 252, ANY = 255;
}
namespace rcode {
constexpr int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5,
              BADVERS = 16;
}

// A query to build. Names are written label by label exactly as given (case kept).
struct Query {
  std::string name;
  uint16_t qtype = rr::PTR;
  uint16_t qclass = 1;
  uint16_t id = 0x4242;
  uint8_t opcode = 0;
  bool rd = false;
  bool edns = false;
  uint16_t udp_size = 1232;
  uint8_t edns_version = 0;
  bool do_bit = false;
  Bytes edns_options;  // raw option TLVs
};

// "a.b.c." -> wire labels (no compression, no escapes).
Bytes encode_name(std::string_view name);
Bytes build(const Query& q);
// A 12-byte header with the given fields.
Bytes header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar);
void put16(Bytes& b, uint16_t v);
void put32(Bytes& b, uint32_t v);
// An OPT RR (root owner) with the given payload size, version, DO bit and options.
Bytes opt_rr(uint16_t udp_size, uint8_t version = 0, bool do_bit = false,
             const Bytes& options = {});

// A parsed reply: header, plus the raw bytes for closer looks.
struct Reply {
  Bytes bytes;
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false;
  uint8_t opcode = 0;
  int rcode = 0;  // the 4 header bits (EDNS extended bits not added)
  uint16_t qd = 0, an = 0, ns = 0, ar = 0;
  // Offset just past the question section (when qd == 1 and it parses), else 0.
  size_t question_end = 0;
  // The question bytes (name, type, class) as sent back.
  Bytes question() const;
  // Extended rcode from the OPT record, when there is one: (ext << 4) | rcode.
  std::optional<int> full_rcode() const;
  // TTL and serial of the first SOA record in the authority section, if any.
  std::optional<uint32_t> authority_soa_ttl() const;
  std::optional<uint32_t> authority_soa_serial() const;
  // The options of the OPT record (code, data), if there is one.
  std::optional<std::vector<std::pair<uint16_t, Bytes>>> opt_options() const;
  // OPT payload size and DO bit, if there is an OPT record.
  std::optional<uint16_t> opt_udp_size() const;
  bool opt_do() const;
};
// Nullopt when shorter than a header.
std::optional<Reply> parse_reply(Bytes bytes);

// A connected UDP socket to 127.0.0.1 (or ::1) on `port`.
class UdpClient {
 public:
  explicit UdpClient(uint16_t port, bool v6 = false);
  ~UdpClient();
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;
  void send(const Bytes& packet);
  // One datagram, or nullopt when nothing arrives within `timeout`.
  std::optional<Bytes> receive(Millis timeout);
  // Sends and waits for the reply with the same ID (others are skipped).
  std::optional<Reply> exchange(const Bytes& packet, Millis timeout = Millis(2000));
  // Discards whatever has arrived.
  void drain();

 private:
  int fd_ = -1;
};

// A TCP connection to 127.0.0.1 (or ::1) on `port`. Throws if it cannot connect.
class TcpClient {
 public:
  explicit TcpClient(uint16_t port, bool v6 = false);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;
  // Sends bytes as they are (no framing). False when the peer has gone.
  bool send_raw(const Bytes& bytes);
  // Sends one message with its 2-byte length prefix.
  bool send_message(const Bytes& message);
  // Reads one framed message; nullopt on timeout or when the peer closed.
  std::optional<Bytes> receive_message(Millis timeout);
  std::optional<Reply> exchange(const Bytes& message, Millis timeout = Millis(2000));
  // True when the server closes the connection within `timeout` (EOF or reset).
  bool closed_by_peer(Millis timeout);
  void close();

 private:
  bool read_exact(uint8_t* out, size_t n, Millis timeout);
  int fd_ = -1;
  bool eof_ = false;
};

}  // namespace rdnsd::e2e::wire
