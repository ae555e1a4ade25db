// Keys, the keyring and the algorithm table.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "server/tsig/tsig.h"

using namespace rdnsd::tsig;

namespace {

std::string wire(std::string_view s) {
  return std::string(s);
}

}  // namespace

TEST_CASE("make_key builds the lower-case wire name") {
  Key k = make_key("Xfr-Key.Example.", Algorithm::HmacSha256, "secret");
  CHECK(k.name == "xfr-key.example.");
  CHECK(k.name_wire == wire(std::string_view("\7xfr-key\7example\0", 17)));
  CHECK(k.algorithm == Algorithm::HmacSha256);
  CHECK(k.secret == "secret");
  // A missing final dot is added; the root is one zero octet.
  CHECK(make_key("a.b", Algorithm::HmacSha1, "").name == "a.b.");
  CHECK(make_key("a.b", Algorithm::HmacSha1, "").name_wire ==
        wire(std::string_view("\1a\1b\0", 5)));
  CHECK(make_key(".", Algorithm::HmacSha1, "").name_wire == wire(std::string_view("\0", 1)));
}

TEST_CASE("make_key refuses names that are no domain names") {
  CHECK_THROWS_AS(make_key("a..b.", Algorithm::HmacSha256, "s"), std::invalid_argument);
  CHECK_THROWS_AS(make_key(std::string(64, 'a') + ".", Algorithm::HmacSha256, "s"),
                  std::invalid_argument);
  CHECK_THROWS_AS(make_key("a\\.b.", Algorithm::HmacSha256, "s"), std::invalid_argument);
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(50, 'x') + ".";
  CHECK_THROWS_AS(make_key(long_name, Algorithm::HmacSha256, "s"), std::invalid_argument);
  CHECK_NOTHROW(make_key(std::string(63, 'a') + ".", Algorithm::HmacSha256, "s"));
}

TEST_CASE("the keyring finds keys ignoring case, and a key of the same name replaces") {
  Keyring ring;
  CHECK(ring.empty());
  ring.add(make_key("one.example.", Algorithm::HmacSha256, "1"));
  ring.add(make_key("two.example.", Algorithm::HmacSha512, "2"));
  CHECK(ring.size() == 2);
  const std::string upper("\3ONE\7ExAmPlE\0", 13);
  const Key* k = ring.find(reinterpret_cast<const uint8_t*>(upper.data()), upper.size());
  REQUIRE(k != nullptr);
  CHECK(k->secret == "1");
  const std::string other("\5three\7example\0", 15);
  CHECK(ring.find(reinterpret_cast<const uint8_t*>(other.data()), other.size()) == nullptr);
  // A prefix of a name is not the name.
  CHECK(ring.find(reinterpret_cast<const uint8_t*>(upper.data()), 4) == nullptr);
  ring.add(make_key("ONE.example", Algorithm::HmacSha1, "new"));
  CHECK(ring.size() == 2);
  k = ring.find(reinterpret_cast<const uint8_t*>(upper.data()), upper.size());
  REQUIRE(k != nullptr);
  CHECK(k->secret == "new");
  CHECK(k->algorithm == Algorithm::HmacSha1);
}

TEST_CASE("algorithm names and MAC sizes (RFC 8945 section 6)") {
  struct Row {
    Algorithm a;
    std::string_view name;
    size_t size;
  };
  const Row rows[] = {
      {Algorithm::HmacMd5, {"\10hmac-md5\7sig-alg\3reg\3int\0", 26}, 16},
      {Algorithm::HmacSha1, {"\11hmac-sha1\0", 11}, 20},
      {Algorithm::HmacSha224, {"\13hmac-sha224\0", 13}, 28},
      {Algorithm::HmacSha256, {"\13hmac-sha256\0", 13}, 32},
      {Algorithm::HmacSha384, {"\13hmac-sha384\0", 13}, 48},
      {Algorithm::HmacSha512, {"\13hmac-sha512\0", 13}, 64},
  };
  for (const Row& r : rows) {
    CAPTURE(static_cast<int>(r.a));
    CHECK(algorithm_name(r.a) == r.name);
    CHECK(mac_size(r.a) == r.size);
    CHECK(algorithm_from_wire(reinterpret_cast<const uint8_t*>(r.name.data()), r.name.size()) ==
          r.a);
  }
  const std::string md5_upper("\10HMAC-MD5\7SIG-ALG\3REG\3INT\0", 26);
  CHECK(algorithm_from_wire(reinterpret_cast<const uint8_t*>(md5_upper.data()), 26) ==
        Algorithm::HmacMd5);
  const std::string unknown("\11hmac-sha3\0", 11);
  CHECK_FALSE(algorithm_from_wire(reinterpret_cast<const uint8_t*>(unknown.data()), 11));
}

TEST_CASE("signed_size counts every octet of the TSIG RR") {
  // The owner (10 octets), TYPE to RDLENGTH (10), the algorithm name (13), Time Signed to
  // Other Len without the MAC (16), the MAC (32).
  const Key k = make_key("k-sha256.", Algorithm::HmacSha256, "s");
  CHECK(signed_size(k) == 10 + 10 + 13 + 16 + 32);
  CHECK(signed_size(k, 6) == signed_size(k) + 6);
}
