// Algorithms, keys and the keyring.
#include <iterator>
#include <stdexcept>

#include "server/tsig/hmac.h"
#include "server/tsig/tsig.h"

namespace rdnsd::tsig {
namespace {

struct AlgorithmInfo {
  std::string_view wire;  // lower case
  size_t mac_size;
};

// Indexed by Algorithm. Octal escapes, because a hex escape would swallow the digits
// that follow it.
constexpr AlgorithmInfo kAlgorithms[] = {
    {{"\10hmac-md5\7sig-alg\3reg\3int", 26}, 16},
    {{"\11hmac-sha1", 11}, 20},
    {{"\13hmac-sha224", 13}, 28},
    {{"\13hmac-sha256", 13}, 32},
    {{"\13hmac-sha384", 13}, 48},
    {{"\13hmac-sha512", 13}, 64},
};

uint8_t ascii_lower(uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

bool equal_ignoring_case(const uint8_t* a, const uint8_t* b, size_t len) noexcept {
  for (size_t i = 0; i < len; ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view algorithm_name(Algorithm algorithm) noexcept {
  return kAlgorithms[static_cast<size_t>(algorithm)].wire;
}

size_t mac_size(Algorithm algorithm) noexcept {
  return kAlgorithms[static_cast<size_t>(algorithm)].mac_size;
}

std::optional<Algorithm> algorithm_from_wire(const uint8_t* wire_name, size_t len) noexcept {
  for (size_t i = 0; i < std::size(kAlgorithms); ++i) {
    const std::string_view name = kAlgorithms[i].wire;
    if (name.size() == len &&
        equal_ignoring_case(reinterpret_cast<const uint8_t*>(name.data()), wire_name, len)) {
      return static_cast<Algorithm>(i);
    }
  }
  return std::nullopt;
}

Key make_key(std::string_view name_text, Algorithm algorithm, std::string secret) {
  Key key;
  key.algorithm = algorithm;
  key.secret = std::move(secret);
  if (name_text.empty() || name_text.back() != '.') {
    key.name = std::string(name_text) + '.';
  } else {
    key.name = std::string(name_text);
  }
  for (char& c : key.name) c = static_cast<char>(ascii_lower(static_cast<uint8_t>(c)));
  if (key.name.find('\\') != std::string::npos) {
    throw std::invalid_argument("TSIG key name '" + key.name + "': escapes are not supported");
  }
  // "." alone is the root; otherwise every label between dots is 1..63 octets.
  if (key.name != ".") {
    size_t start = 0;
    while (start < key.name.size()) {
      const size_t dot = key.name.find('.', start);
      const size_t label = dot - start;
      if (label == 0 || label > 63) {
        throw std::invalid_argument("TSIG key name '" + key.name +
                                    "': labels must be 1 to 63 octets");
      }
      key.name_wire.push_back(static_cast<char>(label));
      key.name_wire.append(key.name, start, label);
      start = dot + 1;
    }
  }
  key.name_wire.push_back('\0');
  if (key.name_wire.size() > kMaxName) {
    throw std::invalid_argument("TSIG key name '" + key.name + "' is longer than 255 octets");
  }
  return key;
}

void Keyring::add(Key key) {
  for (Key& existing : keys_) {
    if (existing.name_wire.size() == key.name_wire.size() &&
        equal_ignoring_case(reinterpret_cast<const uint8_t*>(existing.name_wire.data()),
                            reinterpret_cast<const uint8_t*>(key.name_wire.data()),
                            key.name_wire.size())) {
      existing = std::move(key);
      return;
    }
  }
  keys_.push_back(std::move(key));
}

// A linear scan: a server has a handful of keys, and the names differ in length or early.
const Key* Keyring::find(const uint8_t* wire_name, size_t len) const noexcept {
  for (const Key& key : keys_) {
    if (key.name_wire.size() == len &&
        equal_ignoring_case(reinterpret_cast<const uint8_t*>(key.name_wire.data()), wire_name,
                            len)) {
      return &key;
    }
  }
  return nullptr;
}

}  // namespace rdnsd::tsig
