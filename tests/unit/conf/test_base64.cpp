// Tests of the strict base64 decoder that reads TSIG secrets, with ldns as the encoder.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "conf/base64.h"

// Last: ldns may define bool/true/false as macros (see admin/fcrdns_stub.cpp).
#include <ldns/ldns.h>
#undef bool
#undef true
#undef false

using rdnsd::conf::detail::decode_base64;

namespace {

// base64 of `bytes` as ldns writes it, an encoder independent of the decoder under test.
std::string ldns_base64(const std::string& bytes) {
  ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, bytes.size(), bytes.data());
  REQUIRE(rdf != nullptr);
  char* text = ldns_rdf2str(rdf);
  std::string out = text ? text : "";
  free(text);
  ldns_rdf_deep_free(rdf);
  return out;
}

}  // namespace

TEST_CASE("base64 decoding is strict") {
  CHECK(decode_base64("") == std::string());
  CHECK(decode_base64("YQ==") == std::string("a"));
  CHECK(decode_base64("YWI=") == std::string("ab"));
  CHECK(decode_base64("YWJj") == std::string("abc"));
  CHECK(decode_base64("AA==") == std::string(1, '\0'));
  std::string why;
  CHECK_FALSE(decode_base64("YQ", &why));
  CHECK(why == "2 characters, not a multiple of 4");
  CHECK_FALSE(decode_base64("YQ=", &why));
  CHECK_FALSE(decode_base64("Y===", &why));
  CHECK(why == "'=' at offset 1 is not a base64 character (padding only at the end)");
  CHECK_FALSE(decode_base64("====", &why));
  CHECK_FALSE(decode_base64("YQ==YQ==", &why));
  CHECK(why == "'=' at offset 2 is not a base64 character (padding only at the end)");
  CHECK_FALSE(decode_base64("YQ=a", &why));
  CHECK_FALSE(decode_base64("YR==", &why));
  CHECK(why == "the last character before the padding has bits set that padding drops");
  CHECK_FALSE(decode_base64("YWJ=", &why));  // "ab" is YWI=
  CHECK_FALSE(decode_base64("YW\nJj", &why));
  CHECK_FALSE(decode_base64("YW-j", &why));  // the URL-safe alphabet is another encoding
  CHECK(why == "'-' at offset 2 is not a base64 character");
  CHECK_FALSE(decode_base64(std::string("YW\0j", 4), &why));
  CHECK(why == "byte 0 at offset 2 is not a base64 character");

  // What ldns encodes, this decodes back, for every length up to 100 bytes.
  std::mt19937 rng(20240601);
  for (size_t n = 1; n <= 100; ++n) {
    std::string bytes(n, '\0');
    for (char& b : bytes) b = char(rng() & 0xff);
    const std::string text = ldns_base64(bytes);
    INFO("n = " << n << ", base64 " << text);
    CHECK(decode_base64(text) == bytes);
  }
}
