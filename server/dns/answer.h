#pragma once
// The DNS answer core: query bytes in, answer bytes out, no I/O and no heap allocation
// (a TSIG-signed query costs OpenSSL's own allocations for its MACs). It knows nothing of
// sockets, libuv or LMDB; it asks a RecordSource for records.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/dns/catalog.h"
#include "server/dns/cookie.h"
#include "server/dns/forward.h"
#include "server/dns/message_writer.h"
#include "server/dns/query.h"
#include "server/dns/source.h"
#include "server/tsig/tsig.h"

namespace rdnsd::dns {

enum class Transport : uint8_t { Udp, Tcp };

// What an answer was, as the response rate limiter (server/rrl/) classes it, after BIND
// and Knot: a positive answer (one class per name and type), NXDOMAIN and NODATA (one per
// zone), and errors (one per client block). rdnsd's zones never nest, so there are no
// referrals.
enum class AnswerKind : uint8_t { Normal, NxDomain, NoData, Error };

// A query's COOKIE (RFC 7873): none, a client cookie alone, or with a server cookie that
// is ours and fresh (valid) or not (invalid: another server's, too old, a bad hash).
enum class CookieState : uint8_t { None, ClientOnly, Valid, Invalid };

// What the answer core needs from the configuration. Built once, read-only afterwards.
struct AnswerConfig {
  uint16_t udp_payload = 1232;  // advertised in OPT and the cap for UDP answers (RFC 6891)
  // CHAOS TXT answers and NSID (RFC 5001); a switched-off CHAOS name is REFUSED.
  bool identity_enabled = true;
  std::string identity;  // id.server / hostname.bind
  bool version_enabled = true;
  std::string version;  // version.bind / version.server
  bool nsid_enabled = false;
  std::string nsid;                      // raw bytes of the NSID option
  uint32_t tcp_idle_timeout_ms = 10000;  // announced in edns-tcp-keepalive (RFC 7828)
  // DNS Cookies (RFC 7873, RFC 9018): every query with a COOKIE option gets our server
  // cookie; the secrets that make and check them.
  cookie::Secrets cookies;
  // TSIG keys (RFC 8945). Null or empty: none configured, so every signed query is
  // answered NOTAUTH/BADKEY. Shared, read-only, by every worker.
  std::shared_ptr<const tsig::Keyring> keys;
  // Seconds since the epoch, for TSIG's time check and Time Signed and for cookies'
  // timestamps; empty: the system's real-time clock. Called only for signed queries and
  // queries with a COOKIE. Tests set it.
  std::function<uint64_t()> clock;
  // The catalog zone (RFC 9432) answered for names at and below its apex, which is
  // outside the reverse trees; disabled: those names are REFUSED like any other.
  CatalogZone catalog;
  // Forward zones of synthesized names (forward.h), answered for names at and below
  // their apexes, outside the reverse trees.
  std::vector<ForwardZone> forward;
};

// Whether the first `prefix_len` bytes of a well-formed key end on a label boundary, so
// that a zone's apex of that key length is a whole-label suffix of QNAME.
bool on_label_boundary(std::string_view key, size_t prefix_len) noexcept;

// Per-worker answer engine: owns its scratch (parsed query, compression table); one per
// thread. The config and the source must outlive it.
class Answerer {
 public:
  Answerer(const AnswerConfig& config, RecordSource& source) noexcept;

  // Answers one query. `out` should hold 65535 bytes for TCP and config.udp_payload (at
  // least 512) for UDP; the answer never exceeds `out_cap` (a smaller buffer only means
  // earlier truncation). Returns the answer's length, or 0 when the query must be
  // dropped: QR set, shorter than a header, or `out_cap` too small for its question (and,
  // for a signed query, its TSIG).
  //
  // A query with a TSIG (RFC 8945), over UDP or TCP, any opcode, is verified first: a
  // good one is answered as usual and signed with the query's MAC, room for the TSIG
  // kept in the size limit (a truncated answer is signed too); a bad key or MAC gets
  // NOTAUTH with an unsigned TSIG (BADKEY, BADSIG), a bad time or a truncated MAC a
  // signed NOTAUTH (BADTIME with our clock, BADTRUNC), a misplaced or malformed TSIG
  // FORMERR. A signed query is never answered unsigned: when the answer cannot be
  // signed (OpenSSL failed) it is dropped.
  //
  // A query with a COOKIE option (RFC 7873 section 5.2) gets our server cookie for
  // `client` in its answer (the one it sent, while ours and younger than half an hour);
  // a malformed COOKIE FORMERR; a query with no question and a COOKIE (section 5.4)
  // NOERROR, or BADCOOKIE when its server cookie is not valid.
  // The caller brackets batches of calls with source.begin()/source.end().
  size_t answer(const uint8_t* query, size_t query_len, uint8_t* out, size_t out_cap,
                Transport transport, ClientIp client = {}) noexcept;

  // The last answer, for the rate limiter: valid after answer() returned non-zero, until
  // the next call, while its `out` buffer lives (slip() too rewrites it there). `name` is a lookup
  // key (the question's for Normal, the zone's apex for NxDomain and NoData, empty for Error) in
  // this Answerer's own buffer.
  struct Outcome {
    AnswerKind kind;
    std::string_view name;
    uint16_t qtype;
    CookieState cookie;
  };
  Outcome outcome() const noexcept;
  // Rewrites the last answer as the one a rate-limited query gets when it slips (server/
  // rrl/): the header and the question with TC set (the client retries over TCP), and
  // the OPT without options; to a query with a client cookie but no valid server cookie,
  // BADCOOKIE with a fresh server cookie instead of TC (RFC 7873 section 5.2.3, as BIND
  // does). Returns its length, or 0 (drop) for a signed query, whose answer must not go
  // out unsigned.
  size_t slip() noexcept;

 private:
  size_t answer_signed(const uint8_t* query, size_t query_len, size_t out_cap, Transport transport,
                       ParseResult parsed) noexcept;
  size_t respond(ParseResult parsed, Transport transport) noexcept;
  bool check_tsig(const uint8_t* query, size_t query_len) noexcept;
  size_t size_limit(Transport transport, size_t out_cap) const noexcept;
  void plan_limits(Transport transport, size_t limit) noexcept;
  void answer_class(Transport transport) noexcept;
  void answer_chaos() noexcept;
  const std::string* chaos_text() const noexcept;
  void answer_internet(Transport transport) noexcept;
  void answer_transfer(Transport transport, bool at_apex) noexcept;
  bool in_catalog(std::string_view key) const noexcept;
  void answer_catalog(Transport transport) noexcept;
  bool stage_catalog(std::string_view below) noexcept;
  const ForwardZone* forward_zone(std::string_view key) const noexcept;
  void answer_forward(const ForwardZone& f, Transport transport) noexcept;
  bool stage_forward(const ForwardZone& f, std::string_view key) noexcept;
  bool stage_answer(bool at_apex, bool has_ptr) noexcept;
  bool put_dhcid() noexcept;
  void stage_negative() noexcept;
  void put_soa(uint16_t owner, uint32_t ttl, Section section) noexcept;
  void put_ns_set() noexcept;
  void put_ptr() noexcept;
  void put_opt() noexcept;
  void check_cookie() noexcept;
  const cookie::Secret& secret(uint64_t epoch) noexcept;
  void put_cookie() noexcept;
  void answer_cookie_query() noexcept;
  size_t finish() noexcept;
  size_t append_tsig(size_t len) noexcept;

  const AnswerConfig& config_;
  RecordSource& source_;
  // Per-query state, reset by answer().
  Query query_;
  MessageWriter response_;
  ZoneView zone_;
  PtrView ptr_;
  size_t limit_ = 0;  // the answer's size limit, OPT included, a signed query's TSIG not
  bool edns_out_ = false;
  bool nsid_out_ = false;
  bool keepalive_out_ = false;
  bool expire_room_ = false;  // room kept for EDNS EXPIRE (RFC 7314), asked for
  bool expire_out_ = false;   // and given: an SOA or IXFR answer of a served zone
  uint8_t ext_rcode_ = 0;     // upper 8 bits of a 12-bit RCODE, for the OPT TTL
  // The query's cookie (check_cookie()) and the server cookie its answer carries, made
  // once per query; the derived secrets of two rotation periods, cached.
  ClientIp client_;
  CookieState cookie_ = CookieState::None;
  bool cookie_out_ = false;
  bool cookie_made_ = false;  // server_cookie_ holds the answer's server cookie
  uint32_t cookie_now_ = 0;
  uint8_t server_cookie_[cookie::kServerLen] = {};
  cookie::Secret rotated_[2] = {};
  uint64_t rotated_epoch_[2] = {UINT64_MAX, UINT64_MAX};
  // A signed query's verification, the room its answer's TSIG takes after limit_ (0: the
  // answer is unsigned, FORMERR), and the time it was checked at. Set by check_tsig().
  tsig::Verified tsig_;
  size_t tsig_room_ = 0;
  uint64_t now_ = 0;
};

}  // namespace rdnsd::dns
