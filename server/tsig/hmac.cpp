// The keyed hash through OpenSSL 3's EVP_MAC interface (the HMAC_* functions are
// deprecated there).
#include "server/tsig/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

namespace rdnsd::tsig::detail {
namespace {

// Fetched once: a fetch looks the implementation up in the provider store under a
// lock, far dearer than the MAC of a small message. Never freed (it lives as long as the
// process, as OpenSSL's own default provider does).
EVP_MAC* hmac_implementation() noexcept {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

const char* digest_name(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::HmacMd5:
      return "MD5";
    case Algorithm::HmacSha1:
      return "SHA1";
    case Algorithm::HmacSha224:
      return "SHA224";
    case Algorithm::HmacSha256:
      return "SHA256";
    case Algorithm::HmacSha384:
      return "SHA384";
    case Algorithm::HmacSha512:
      return "SHA512";
  }
  return "SHA256";
}

}  // namespace

Hmac::Hmac(const Key& key) noexcept {
  EVP_MAC* mac = hmac_implementation();
  if (mac == nullptr) return;
  ctx_ = EVP_MAC_CTX_new(mac);
  if (ctx_ == nullptr) return;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(digest_name(key.algorithm)), 0),
      OSSL_PARAM_construct_end()};
  // A key pointer of nullptr would mean "keep the previous key"; an empty secret is
  // still a key (HMAC pads it with zeros).
  static const unsigned char kEmpty = 0;
  const auto* secret =
      key.secret.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.secret.data());
  ok_ = EVP_MAC_init(ctx_, secret, key.secret.size(), params) == 1 &&
        EVP_MAC_CTX_get_mac_size(ctx_) == mac_size(key.algorithm);
}

Hmac::~Hmac() {
  EVP_MAC_CTX_free(ctx_);
}

void Hmac::add(const void* data, size_t len) noexcept {
  if (ok_ && len > 0) ok_ = EVP_MAC_update(ctx_, static_cast<const unsigned char*>(data), len) == 1;
}

void Hmac::add16(uint16_t v) noexcept {
  uint8_t b[2];
  put16(b, v);
  add(b, sizeof b);
}

void Hmac::add32(uint32_t v) noexcept {
  uint8_t b[4];
  put32(b, v);
  add(b, sizeof b);
}

void Hmac::add48(uint64_t v) noexcept {
  uint8_t b[6];
  put48(b, v);
  add(b, sizeof b);
}

void Hmac::add_prior(std::span<const uint8_t> mac) noexcept {
  add16(static_cast<uint16_t>(mac.size()));
  add(mac.data(), mac.size());
}

void Hmac::add_message(const uint8_t* msg, size_t end, uint16_t id, uint16_t arcount) noexcept {
  uint8_t header[kHeaderSize];
  std::memcpy(header, msg, kHeaderSize);
  put16(header, id);
  put16(header + 10, arcount);
  add(header, sizeof header);
  add(msg + kHeaderSize, end - kHeaderSize);
}

bool Hmac::finish(uint8_t* out) noexcept {
  size_t written = 0;
  if (ok_) ok_ = EVP_MAC_final(ctx_, out, &written, kMaxMac) == 1;
  return ok_ && written == EVP_MAC_CTX_get_mac_size(ctx_);
}

void add_variables(Hmac& h, const Variables& v, bool timers_only) noexcept {
  if (!timers_only) {
    h.add(v.key_name.data(), v.key_name.size());
    h.add16(v.rr_class);
    h.add32(v.ttl);
    h.add(v.algorithm.data(), v.algorithm.size());
  }
  h.add48(v.time_signed);
  h.add16(v.fudge);
  if (!timers_only) {
    h.add16(v.error);
    h.add16(static_cast<uint16_t>(v.other.size()));
    h.add(v.other.data(), v.other.size());
  }
}

}  // namespace rdnsd::tsig::detail
