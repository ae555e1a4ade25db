#pragma once
// The DNS answer core: query bytes in, answer bytes out, no I/O and no heap allocation.
// It knows nothing of sockets, libuv or LMDB; it asks a RecordSource for records.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/dns/message_writer.h"
#include "server/dns/query.h"
#include "server/dns/source.h"

namespace rdnsd::dns {

enum class Transport : uint8_t { Udp, Tcp };

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
};

// Per-worker answer engine: owns its scratch (parsed query, compression table); one per
// thread. The config and the source must outlive it.
class Answerer {
 public:
  Answerer(const AnswerConfig& config, RecordSource& source) noexcept;

  // Answers one query. `out` should hold 65535 bytes for TCP and config.udp_payload (at
  // least 512) for UDP; the answer never exceeds `out_cap` (a smaller buffer only means
  // earlier truncation). Returns the answer's length, or 0 when the query must be
  // dropped: QR set, shorter than a header, or `out_cap` too small for its question.
  // The caller brackets batches of calls with source.begin()/source.end().
  size_t answer(const uint8_t* query, size_t query_len, uint8_t* out, size_t out_cap,
                Transport transport) noexcept;

 private:
  void plan_limits(Transport transport, size_t out_cap) noexcept;
  void answer_class(Transport transport) noexcept;
  void answer_chaos() noexcept;
  const std::string* chaos_text() const noexcept;
  void answer_internet(Transport transport) noexcept;
  void answer_transfer(Transport transport, bool at_apex) noexcept;
  bool stage_answer(bool at_apex, bool has_ptr) noexcept;
  void stage_negative() noexcept;
  void put_soa(uint16_t owner, uint32_t ttl, Section section) noexcept;
  void put_ns_set() noexcept;
  void put_ptr() noexcept;
  void put_opt() noexcept;
  size_t finish() noexcept;

  const AnswerConfig& config_;
  RecordSource& source_;
  // Per-query state, reset by answer().
  Query query_;
  MessageWriter response_;
  ZoneView zone_;
  PtrView ptr_;
  size_t limit_ = 0;  // the answer's size limit, OPT included
  bool edns_out_ = false;
  bool nsid_out_ = false;
  bool keepalive_out_ = false;
  uint8_t ext_rcode_ = 0;  // upper 8 bits of a 12-bit RCODE, for the OPT TTL
};

}  // namespace rdnsd::dns
