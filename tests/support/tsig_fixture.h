#pragma once
// Shared by the TSIG tests (tests/unit/tsig/, and the answer core's signed-query tests):
// keys with their ldns spellings, ldns as the independent signer and verifier, hand-made
// messages, and small wire edits (truncating a MAC, moving the TSIG).
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/tsig/tsig.h"

// After the standard headers (and ours, which include some): ldns may define bool as a
// macro, and with clang and libstdc++ 12 it first breaks <algorithm>.
#include <ldns/ldns.h>

namespace rdnsd::tsig::testing {

using Bytes = std::vector<uint8_t>;

inline const std::string kSecret = "0123456789abcdef0123456789abcdef";

inline std::string base64(std::string_view raw) {
  static const char* const kDigits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    const uint32_t v = uint32_t{static_cast<uint8_t>(raw[i])} << 16 |
                       uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8 |
                       static_cast<uint8_t>(raw[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kDigits[(v >> s) & 63]);
  }
  if (raw.size() - i == 1) {
    const uint32_t v = uint32_t{static_cast<uint8_t>(raw[i])} << 16;
    out += {kDigits[v >> 18], kDigits[(v >> 12) & 63], '=', '='};
  } else if (raw.size() - i == 2) {
    const uint32_t v = uint32_t{static_cast<uint8_t>(raw[i])} << 16 |
                       uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8;
    out += {kDigits[v >> 18], kDigits[(v >> 12) & 63], kDigits[(v >> 6) & 63], '='};
  }
  return out;
}

inline Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// ldns's name for each algorithm (ldns 1.8.3 knows MD5, SHA-1, SHA-256 and SHA-512 only:
// it has no SHA-224 and misspells SHA-384, so those two are checked against kdig and dig
// captures instead).
inline const char* ldns_name_of(Algorithm a) {
  switch (a) {
    case Algorithm::HmacMd5:
      return "hmac-md5.sig-alg.reg.int.";
    case Algorithm::HmacSha1:
      return "hmac-sha1.";
    case Algorithm::HmacSha224:
      return "hmac-sha224.";
    case Algorithm::HmacSha256:
      return "hmac-sha256.";
    case Algorithm::HmacSha384:
      return "hmac-sha384.";
    case Algorithm::HmacSha512:
      return "hmac-sha512.";
  }
  return "";
}

constexpr Algorithm kLdnsAlgorithms[] = {Algorithm::HmacMd5, Algorithm::HmacSha1,
                                         Algorithm::HmacSha256, Algorithm::HmacSha512};
constexpr Algorithm kAllAlgorithms[] = {Algorithm::HmacMd5,    Algorithm::HmacSha1,
                                        Algorithm::HmacSha224, Algorithm::HmacSha256,
                                        Algorithm::HmacSha384, Algorithm::HmacSha512};

// "k-sha256." and so on: one key per algorithm, all with kSecret.
inline std::string key_name_for(Algorithm a) {
  static const char* const kNames[] = {"k-md5.",    "k-sha1.",   "k-sha224.",
                                       "k-sha256.", "k-sha384.", "k-sha512."};
  return kNames[static_cast<size_t>(a)];
}

inline Keyring all_keys() {
  Keyring ring;
  for (Algorithm a : kAllAlgorithms) ring.add(make_key(key_name_for(a), a, kSecret));
  return ring;
}

inline uint64_t wall_clock() {
  return static_cast<uint64_t>(std::time(nullptr));
}

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline uint16_t get16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
inline void set16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// Text name -> wire (no escapes).
inline Bytes wire_name(std::string_view text) {
  Bytes out;
  size_t start = 0;
  while (start < text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    if (dot > start) {
      out.push_back(static_cast<uint8_t>(dot - start));
      out.insert(out.end(), text.begin() + static_cast<long>(start),
                 text.begin() + static_cast<long>(dot));
    }
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

// A query: header (ID, RD), one question, optionally an A record in the answer section
// (to give messages distinct content).
inline Bytes query(std::string_view qname = "2.0.192.in-addr.arpa.", uint16_t qtype = 6,
                   uint16_t id = 0x4242) {
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);
  put16(b, 1);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  const Bytes n = wire_name(qname);
  b.insert(b.end(), n.begin(), n.end());
  put16(b, qtype);
  put16(b, 1);
  return b;
}

// Appends one RR (owner a pointer to the question name) to the section given by
// `count_at` (6: answer, 8: authority, 10: additional) and counts it.
inline void add_rr(Bytes& msg, size_t count_at, uint16_t type, Bytes rdata) {
  put16(msg, 0xC00C);
  put16(msg, type);
  put16(msg, 1);
  put32(msg, 3600);
  put16(msg, static_cast<uint16_t>(rdata.size()));
  msg.insert(msg.end(), rdata.begin(), rdata.end());
  set16(msg, count_at, static_cast<uint16_t>(get16(msg, count_at) + 1));
}

// The answer a server would start from: the request's header and question, QR and AA
// set, no records.
inline Bytes answer_to(const Bytes& request) {
  size_t end = 12;
  while (request[end] != 0) end += 1 + request[end];
  end += 5;
  Bytes b(request.begin(), request.begin() + static_cast<long>(end));
  b[2] = static_cast<uint8_t>(b[2] | 0x84);
  b[3] = 0;
  for (size_t i = 6; i < 12; ++i) b[i] = 0;
  return b;
}

// Ours: signs `msg` with `key` at `when`; prior empty for a request.
inline Bytes sign_ours(Bytes msg, const Key& key, uint64_t when,
                       std::span<const uint8_t> prior = {}, bool timers_only = false,
                       Mac* mac = nullptr) {
  SignSpec spec;
  spec.key = &key;
  spec.time_signed = when;
  spec.prior_mac = prior;
  spec.timers_only = timers_only;
  const size_t len = msg.size();
  msg.resize(len + signed_size(key));
  const size_t n = sign(msg.data(), len, msg.size(), spec, mac);
  msg.resize(n);
  return msg;
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;

inline Pkt parse(const Bytes& wire) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Pkt(p);
}

// A MAC as ldns passes prior MACs around: an INT16_DATA rdf (MAC Size, then MAC).
inline Rdf mac_rdf(std::span<const uint8_t> mac) {
  Bytes copy(mac.begin(), mac.end());
  return Rdf(ldns_native2rdf_int16_data(copy.size(), copy.data()));
}

// The MAC of a message's TSIG (without the size), as ldns parsed it.
inline Bytes tsig_mac_of(const Bytes& wire) {
  Pkt p = parse(wire);
  if (!p || !ldns_pkt_tsig(p.get())) return {};
  const ldns_rdf* r = ldns_rr_rdf(ldns_pkt_tsig(p.get()), 3);
  const uint8_t* d = ldns_rdf_data(r);
  return Bytes(d + 2, d + ldns_rdf_size(r));
}

// ldns signs `msg` (its clock as Time Signed); `prior` empty for a request.
inline Bytes sign_ldns(const Bytes& msg, std::string_view key_name, Algorithm a,
                       std::span<const uint8_t> prior = {}, bool timers_only = false,
                       uint16_t fudge = 300) {
  Pkt p = parse(msg);
  if (!p) return {};
  Rdf prior_rdf = prior.empty() ? nullptr : mac_rdf(prior);
  const std::string b64 = base64(kSecret);
  if (ldns_pkt_tsig_sign_next(p.get(), std::string(key_name).c_str(), b64.c_str(), fudge,
                              ldns_name_of(a), prior_rdf.get(),
                              timers_only ? 1 : 0) != LDNS_STATUS_OK) {
    return {};
  }
  uint8_t* out = nullptr;
  size_t out_len = 0;
  if (ldns_pkt2wire(&out, p.get(), &out_len) != LDNS_STATUS_OK) return {};
  Bytes signed_msg(out, out + out_len);
  std::free(out);
  return signed_msg;
}

// ldns verifies `wire` (any time: ldns does not check it).
inline bool verify_ldns(const Bytes& wire, std::string_view key_name,
                        std::span<const uint8_t> prior = {}, bool timers_only = false) {
  Pkt p = parse(wire);
  if (!p) return false;
  Rdf prior_rdf = prior.empty() ? nullptr : mac_rdf(prior);
  const std::string b64 = base64(kSecret);
  return ldns_pkt_tsig_verify_next(p.get(), wire.data(), wire.size(), std::string(key_name).c_str(),
                                   b64.c_str(), prior_rdf.get(), timers_only ? 1 : 0);
}

// Replaces the MAC of the message's TSIG RR (owner uncompressed) with `mac`, fixing MAC
// Size and RDLENGTH. The digest never covers the MAC itself, so a prefix of the MAC is
// what a signer truncating its MAC (RFC 8945 5.2.2.1) sends.
inline Bytes replace_mac(const Bytes& msg, const Bytes& mac) {
  const Located t = locate(msg.data(), msg.size());
  const size_t mac_at = static_cast<size_t>(t.mac - msg.data());
  const size_t rdlen_at = t.offset + t.key_name_len + 8;
  Bytes out(msg.begin(), msg.begin() + static_cast<long>(mac_at));
  out.insert(out.end(), mac.begin(), mac.end());
  out.insert(out.end(), msg.begin() + static_cast<long>(mac_at + t.mac_len), msg.end());
  set16(out, mac_at - 2, static_cast<uint16_t>(mac.size()));
  set16(out, rdlen_at, static_cast<uint16_t>(get16(msg, rdlen_at) - t.mac_len + mac.size()));
  return out;
}

inline Bytes truncate_mac(const Bytes& msg, size_t keep) {
  const Located t = locate(msg.data(), msg.size());
  return replace_mac(msg, Bytes(t.mac, t.mac + keep));
}

}  // namespace rdnsd::tsig::testing
