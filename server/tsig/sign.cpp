// Signing: a TSIG RR appended to a finished message (RFC 8945 4.2, 4.3, 5.3).
#include <algorithm>
#include <cstring>

#include "server/tsig/hmac.h"
#include "server/tsig/tsig.h"

namespace rdnsd::tsig {
namespace {

using detail::put16;
using detail::put32;
using detail::put48;

// TYPE, CLASS, TTL, RDLENGTH after the owner.
constexpr size_t kRrFixed = 10;
// Time Signed (6), Fudge, MAC Size, Original ID, Error, Other Len (2 each).
constexpr size_t kRdataFixed = kTimeSize + 5 * 2;

size_t rr_size(size_t key_name, size_t algorithm, size_t mac, size_t other) noexcept {
  return key_name + kRrFixed + algorithm + kRdataFixed + mac + other;
}

// The fields of one TSIG RR, written by write_rr() once the MAC is known.
struct Rr {
  std::span<const uint8_t> key_name;
  std::span<const uint8_t> algorithm;
  uint64_t time_signed = 0;
  uint16_t fudge = 0;
  std::span<const uint8_t> mac;
  uint16_t original_id = 0;
  uint16_t error = 0;
  std::span<const uint8_t> other;
};

// Appends the RR at buf + len and counts it in ARCOUNT; the caller checked the room.
size_t write_rr(uint8_t* buf, size_t len, const Rr& rr) noexcept {
  uint8_t* p = buf + len;
  const size_t rdlen = rr.algorithm.size() + kRdataFixed + rr.mac.size() + rr.other.size();
  std::memcpy(p, rr.key_name.data(), rr.key_name.size());
  p += rr.key_name.size();
  put16(p, kRrType);
  put16(p + 2, kClassAny);
  put32(p + 4, 0);
  put16(p + 8, static_cast<uint16_t>(rdlen));
  p += kRrFixed;
  std::memcpy(p, rr.algorithm.data(), rr.algorithm.size());
  p += rr.algorithm.size();
  put48(p, rr.time_signed);
  put16(p + 6, rr.fudge);
  put16(p + 8, static_cast<uint16_t>(rr.mac.size()));
  p += 10;
  if (!rr.mac.empty()) std::memcpy(p, rr.mac.data(), rr.mac.size());
  p += rr.mac.size();
  put16(p, rr.original_id);
  put16(p + 2, rr.error);
  put16(p + 4, static_cast<uint16_t>(rr.other.size()));
  p += 6;
  if (!rr.other.empty()) std::memcpy(p, rr.other.data(), rr.other.size());
  p += rr.other.size();
  put16(buf + 10, static_cast<uint16_t>(detail::get16(buf + 10) + 1));
  return static_cast<size_t>(p - buf);
}

}  // namespace

size_t signed_size(const Key& key, size_t other_len) noexcept {
  return rr_size(key.name_wire.size(), algorithm_name(key.algorithm).size(),
                 mac_size(key.algorithm), other_len);
}

size_t unsigned_error_size(const Located& request) noexcept {
  return rr_size(request.key_name_len, request.algorithm_len, 0, 0);
}

size_t answer_size(const Verified& request) noexcept {
  switch (request.status) {
    case Status::Ok:
    case Status::BadTrunc:
      return request.key ? signed_size(*request.key) : 0;
    case Status::BadTime:
      return request.key ? signed_size(*request.key, kTimeSize) : 0;
    case Status::BadKey:
    case Status::BadSig:
      return unsigned_error_size(request.located);
    case Status::None:
    case Status::FormErr:
      break;
  }
  return 0;
}

size_t sign(uint8_t* buf, size_t len, size_t cap, const SignSpec& spec, Mac* mac_out) noexcept {
  const Key* key = spec.key;
  if (buf == nullptr || key == nullptr || len < detail::kHeaderSize || len > cap ||
      key->name_wire.empty() || key->name_wire.size() > kMaxName) {
    return 0;
  }
  // RDLENGTH is 16 bits; only an absurd Other Data could overflow it.
  const size_t rdlen = algorithm_name(key->algorithm).size() + kRdataFixed +
                       mac_size(key->algorithm) + spec.other.size();
  if (rdlen > 0xFFFF) return 0;
  if (cap - len < signed_size(*key, spec.other.size())) return 0;
  Rr rr;
  rr.key_name = detail::as_bytes(key->name_wire);
  rr.algorithm = detail::as_bytes(algorithm_name(key->algorithm));
  rr.time_signed = spec.time_signed & 0xFFFFFFFFFFFFull;
  rr.fudge = spec.fudge;
  rr.original_id = spec.original_id.value_or(detail::get16(buf));
  rr.error = spec.error;
  rr.other = spec.other;

  detail::Hmac h(*key);
  if (!spec.prior_mac.empty()) h.add_prior(spec.prior_mac);
  h.add_message(buf, len, rr.original_id, detail::get16(buf + 10));
  detail::Variables v;
  v.key_name = rr.key_name;
  v.algorithm = rr.algorithm;
  v.time_signed = rr.time_signed;
  v.fudge = rr.fudge;
  v.error = rr.error;
  v.other = rr.other;
  detail::add_variables(h, v, spec.timers_only);
  Mac mac;
  if (!h.finish(mac.bytes)) return 0;
  mac.len = mac_size(key->algorithm);
  rr.mac = mac.view();
  const size_t n = write_rr(buf, len, rr);
  if (mac_out != nullptr) *mac_out = mac;
  return n;
}

size_t sign_answer(uint8_t* buf, size_t len, size_t cap, const Verified& request, uint64_t now,
                   Mac* mac_out) noexcept {
  if (request.key == nullptr) return 0;
  SignSpec spec;
  spec.key = request.key;
  spec.prior_mac = request.request_mac();
  spec.time_signed = now;
  uint8_t clock[kTimeSize];
  switch (request.status) {
    case Status::Ok:
      break;
    case Status::BadTrunc:
      spec.error = error::kBadTrunc;
      break;
    case Status::BadTime:
      spec.error = error::kBadTime;
      spec.time_signed = request.time_signed;
      put48(clock, now);
      spec.other = clock;
      break;
    default:
      return 0;
  }
  return sign(buf, len, cap, spec, mac_out);
}

size_t append_unsigned_error(uint8_t* buf, size_t len, size_t cap, const Located& request,
                             uint16_t error) noexcept {
  if (buf == nullptr || !request.last() || len < detail::kHeaderSize || len > cap ||
      cap - len < unsigned_error_size(request)) {
    return 0;
  }
  Rr rr;
  rr.key_name = request.key_name_view();
  rr.algorithm = request.algorithm_view();
  rr.time_signed = request.time_signed;
  // Our fudge, not the request's, as Knot found BIND to expect.
  rr.fudge = kDefaultFudge;
  rr.original_id = detail::get16(buf);
  rr.error = error;
  return write_rr(buf, len, rr);
}

Signer::Signer(const Verified& request) noexcept : key_(request.key) {
  prior_.len = request.mac_len;
  std::memcpy(prior_.bytes, request.mac, request.mac_len);
}

Signer::Signer(const Key& key, std::span<const uint8_t> request_mac) noexcept : key_(&key) {
  prior_.len = std::min(request_mac.size(), kMaxMac);
  if (prior_.len > 0) std::memcpy(prior_.bytes, request_mac.data(), prior_.len);
}

size_t Signer::sign(uint8_t* buf, size_t len, size_t cap, uint64_t now) noexcept {
  SignSpec spec;
  spec.key = key_;
  spec.time_signed = now;
  spec.prior_mac = prior_.view();
  spec.timers_only = count_ > 0;
  Mac mac;
  const size_t n = tsig::sign(buf, len, cap, spec, &mac);
  if (n == 0) return 0;
  prior_ = mac;
  ++count_;
  return n;
}

}  // namespace rdnsd::tsig
