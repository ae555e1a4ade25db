// Verification of requests (we are the server) and of responses (we sent the request),
// in the order of RFC 8945 5.2 and 5.4.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "server/tsig/hmac.h"
#include "server/tsig/tsig.h"

namespace rdnsd::tsig {
namespace {

// RFC 8945 5.2.2.1: a MAC longer than the hash, or shorter than both 10 octets and half
// the hash, is malformed (FORMERR); an empty MAC only ever belongs to an error answer.
bool mac_size_allowed(size_t mac_len, size_t full) noexcept {
  return mac_len <= full && mac_len >= std::max<size_t>(10, full / 2);
}

// Whether the TSIG's MAC is the one the key makes of this message, comparing as many
// octets as it holds (a truncated MAC is a prefix of the full one).
bool mac_matches(const uint8_t* msg, const Located& t, const Key& key,
                 std::span<const uint8_t> prior, bool timers_only) noexcept {
  detail::Hmac h(key);
  if (!prior.empty()) h.add_prior(prior);
  const uint16_t arcount = static_cast<uint16_t>(detail::get16(msg + 10) - 1);
  h.add_message(msg, t.offset, t.original_id, arcount);
  detail::Variables v;
  v.key_name = t.key_name_view();
  v.rr_class = t.rr_class;
  v.ttl = t.ttl;
  v.algorithm = detail::as_bytes(algorithm_name(key.algorithm));
  v.time_signed = t.time_signed;
  v.fudge = t.fudge;
  v.error = t.error;
  v.other = {t.other, t.other_len};
  detail::add_variables(h, v, timers_only);
  uint8_t computed[kMaxMac];
  if (!h.finish(computed)) return false;
  return CRYPTO_memcmp(computed, t.mac, t.mac_len) == 0;
}

bool within_fudge(uint64_t now, uint64_t time_signed, uint16_t fudge) noexcept {
  return now <= time_signed + fudge && time_signed <= now + fudge;
}

void decide(Verified& v, Status status, uint16_t error) noexcept {
  v.status = status;
  v.error = error;
}

// The steps after the key is known: MAC size, MAC, time, truncation.
void check(Verified& v, const uint8_t* msg, const Key& key, std::span<const uint8_t> prior,
           uint64_t now, bool timers_only) noexcept {
  const Located& t = v.located;
  const size_t full = mac_size(key.algorithm);
  if (!mac_size_allowed(t.mac_len, full)) return decide(v, Status::FormErr, error::kNone);
  if (!mac_matches(msg, t, key, prior, timers_only)) {
    return decide(v, Status::BadSig, error::kBadSig);
  }
  v.key = &key;
  std::memcpy(v.mac, t.mac, t.mac_len);
  v.mac_len = t.mac_len;
  if (!within_fudge(now, t.time_signed, t.fudge))
    return decide(v, Status::BadTime, error::kBadTime);
  // Our policy takes only full MACs, as BIND does for a key configured without a
  // truncation length.
  if (t.mac_len < full) return decide(v, Status::BadTrunc, error::kBadTrunc);
  decide(v, Status::Ok, error::kNone);
}

bool algorithm_is(const Located& t, const Key& key) noexcept {
  const std::string_view name = algorithm_name(key.algorithm);
  return t.algorithm_len == name.size() && std::memcmp(t.algorithm, name.data(), name.size()) == 0;
}

// Placement first (RFC 8945 5.2): anything but one TSIG, last, is FORMERR (or unsigned).
bool placed(Verified& v) noexcept {
  if (v.located.last()) {
    v.time_signed = v.located.time_signed;
    return true;
  }
  decide(v, v.located.found == Found::None ? Status::None : Status::FormErr, error::kNone);
  return false;
}

// The status of an error a signed response reports (its MAC verified).
void reported(Verified& v, uint16_t error) noexcept {
  switch (error) {
    case error::kBadTime:
      return decide(v, Status::BadTime, error);
    case error::kBadTrunc:
      return decide(v, Status::BadTrunc, error);
    case error::kBadKey:
      return decide(v, Status::BadKey, error);
    case error::kBadSig:
      return decide(v, Status::BadSig, error);
    default:
      return decide(v, Status::FormErr, error);
  }
}

}  // namespace

Verified verify_request(const uint8_t* msg, size_t len, const Keyring& keys,
                        uint64_t now) noexcept {
  Verified v;
  v.located = locate(msg, len);
  if (!placed(v)) return v;
  const Key* key = keys.find(v.located.key_name, v.located.key_name_len);
  // Located's names are lower case, as algorithm_name() is.
  if (key == nullptr || !algorithm_is(v.located, *key)) {
    decide(v, Status::BadKey, error::kBadKey);
    return v;
  }
  check(v, msg, *key, {}, now, false);
  return v;
}

Verified verify_response(const uint8_t* msg, size_t len, const Key& key,
                         std::span<const uint8_t> prior_mac, uint64_t now,
                         bool timers_only) noexcept {
  Verified v;
  v.located = locate(msg, len);
  if (!placed(v)) return v;
  const Located& t = v.located;
  // The other side could not use our key or our MAC and says so unsigned (RFC 8945
  // 5.3.2); nothing to verify.
  if (t.mac_len == 0 && (t.error == error::kBadKey || t.error == error::kBadSig)) {
    decide(v, t.error == error::kBadKey ? Status::BadKey : Status::BadSig, t.error);
    return v;
  }
  const bool same_key = t.key_name_len == key.name_wire.size() &&
                        std::memcmp(t.key_name, key.name_wire.data(), t.key_name_len) == 0;
  if (!same_key || !algorithm_is(t, key)) {
    decide(v, Status::BadKey, error::kBadKey);
    return v;
  }
  check(v, msg, key, prior_mac, now, timers_only);
  // A good MAC on an error answer (BADTIME: our clock is off; the other side's is in
  // Other Data): the error is what the caller needs. Its time echoes ours, so our own
  // time check passed or failed on our request's time, not on its clock.
  if (v.key != nullptr && t.error != error::kNone) reported(v, t.error);
  return v;
}

}  // namespace rdnsd::tsig
