#pragma once
// The DNS answer core: query bytes in, answer bytes out, no I/O and no heap allocation.
// It knows nothing of sockets, libuv or LMDB; it asks a RecordSource for records.
#include <cstddef>
#include <cstdint>
#include <string>

#include "source.h"

namespace rdnsd::dns {

enum class Transport : uint8_t { Udp, Tcp };

// What the answer core needs from the configuration. Built once, read-only afterwards.
struct AnswerConfig {
  uint16_t udp_payload = 1232;  // advertised in OPT and the cap for UDP answers (RFC 6891)
  // CHAOS TXT answers and NSID (RFC 5001); an empty optional means switched off (REFUSED).
  bool identity_enabled = true;
  std::string identity;  // id.server / hostname.bind
  bool version_enabled = true;
  std::string version;   // version.bind / version.server
  bool nsid_enabled = false;
  std::string nsid;      // raw bytes of the NSID option
  uint32_t tcp_idle_timeout_ms = 10000;  // announced in edns-tcp-keepalive (RFC 7828)
};

// Per-worker answer engine: owns its scratch (compression table); one per thread.
class Answerer {
 public:
  Answerer(const AnswerConfig& config, RecordSource& source);

  // Answers one query. `out` must hold at least 65535 bytes for TCP and
  // config.udp_payload (at least 512) for UDP. Returns the answer's length, or 0 when
  // the query must be dropped (QR set, or too short to hold a header).
  // The caller brackets batches of calls with source.begin()/source.end().
  size_t answer(const uint8_t* query, size_t query_len, uint8_t* out, size_t out_cap,
                Transport transport) noexcept;

 private:
  const AnswerConfig& config_;
  RecordSource& source_;
};

}  // namespace rdnsd::dns
