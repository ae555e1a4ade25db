// Unit tests of zonestore/names.h: addresses, prefixes, reverse names, wire forms and
// host names, as a caller of the API sees them.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "zonestore/names/names.h"

using namespace rdnsd::names;
using namespace std::string_literals;

namespace {

IpAddress ip(std::string_view text) {
  auto a = parse_ip(text);
  REQUIRE_MESSAGE(a.has_value(), "test address ", std::string(text), " did not parse");
  return *a;
}

Prefix pfx(std::string_view text) {
  std::string why;
  auto p = parse_prefix(text, &why);
  REQUIRE_MESSAGE(p.has_value(), "test prefix ", std::string(text), ": ", why);
  return *p;
}

// Clears every bit of `addr` past `length`.
IpAddress masked(IpAddress addr, unsigned length) {
  unsigned max = addr.family == 4 ? 32 : 128;
  for (unsigned b = length; b < max; ++b) addr.bytes[b / 8] &= uint8_t(~(0x80u >> (b % 8)));
  return addr;
}

// A deterministic pseudo-random sequence (no test may depend on the clock or on luck).
struct Lcg {
  uint64_t state = 0x2545f4914f6cdd1dull;
  uint8_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return uint8_t(state >> 56);
  }
};

size_t count_labels(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += c == '.';
  return n;
}

std::string repeat(char c, size_t n) {
  return std::string(n, c);
}

}  // namespace

TEST_CASE("parse_ip accepts IPv4 dotted quads") {
  auto a = parse_ip("192.0.2.1");
  REQUIRE(a);
  CHECK(a->family == 4);
  CHECK(a->size() == 4);
  CHECK(a->bytes[0] == 192);
  CHECK(a->bytes[1] == 0);
  CHECK(a->bytes[2] == 2);
  CHECK(a->bytes[3] == 1);
  for (size_t i = 4; i < 16; ++i) CHECK(a->bytes[i] == 0);
  CHECK(format_ip(*a) == "192.0.2.1");

  CHECK(format_ip(ip("0.0.0.0")) == "0.0.0.0");
  CHECK(format_ip(ip("255.255.255.255")) == "255.255.255.255");
  CHECK(format_ip(ip("10.0.0.10")) == "10.0.0.10");
}

TEST_CASE("parse_ip accepts IPv6 and format_ip gives the RFC 5952 form") {
  auto a = parse_ip("2001:db8::1");
  REQUIRE(a);
  CHECK(a->family == 6);
  CHECK(a->size() == 16);
  CHECK(a->bytes[0] == 0x20);
  CHECK(a->bytes[1] == 0x01);
  CHECK(a->bytes[2] == 0x0d);
  CHECK(a->bytes[3] == 0xb8);
  CHECK(a->bytes[15] == 0x01);

  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:DB8::A", "2001:db8::a"},                              // lower case (4.3)
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},  // no leading zeros (4.1)
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},               // first longest run (4.2.3)
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                     // longest run (4.2.3)
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},            // no :: for one 0 (4.2.2)
      {"2001:db8::1:0:0:0", "2001:db8:0:0:1::"},                   // longest run wins
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},                           //
      {"fe80::1", "fe80::1"},                                      //
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},  // IPv4-mapped (5)
      {"::ffff:c000:0201", "::ffff:192.0.2.1"},  //
      {"::2:3", "::2:3"},                        // not a well-known prefix: plain hex (5)
      {"::0.2.0.3", "::2:3"},                    //
      {"::1.2.3.4", "::102:304"},                // IPv4-compatible is deprecated: plain hex
      {"64:ff9b::1.2.3.4", "64:ff9b::102:304"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    auto p = parse_ip(c.in);
    REQUIRE(p);
    CHECK(p->family == 6);
    CHECK(format_ip(*p) == c.out);
    // The canonical form parses back to the same address.
    CHECK(parse_ip(format_ip(*p)) == p);
  }
}

TEST_CASE("parse_ip refuses what is not a plain address") {
  const std::vector<std::string> bad = {
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "1.2.3.256",
      "01.2.3.4",  // leading zeros could mean octal elsewhere: refused
      "1.2.3.04",
      "0x1.2.3.4",
      "1.2.3.4/24",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.-4",
      "1..2.3",
      "::g",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "[2001:db8::1]",
      "2001:db8::1/64",
      "fe80::1%eth0",
      "fe80::1%1",
      "localhost",
      "2001:db8::12345",
      "1.2.3.4\0"s,
      "1.2.3.4\0junk"s,
      "::1\0"s,
      "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255x",
      repeat('1', 100),
  };
  for (const std::string& t : bad) {
    CAPTURE(t);
    CHECK_FALSE(parse_ip(t).has_value());
  }
}

TEST_CASE("parse_prefix accepts prefixes without host bits") {
  Prefix p = pfx("192.0.2.0/24");
  CHECK(p.addr == ip("192.0.2.0"));
  CHECK(p.length == 24);
  CHECK(format_prefix(p) == "192.0.2.0/24");

  CHECK(pfx("0.0.0.0/0").length == 0);
  CHECK(pfx("10.0.0.0/8").length == 8);
  CHECK(pfx("192.0.2.1/32").length == 32);
  CHECK(pfx("192.0.2.128/25").length == 25);
  CHECK(pfx("::/0").length == 0);
  CHECK(pfx("2001:db8::/32").addr == ip("2001:db8::"));
  CHECK(pfx("2001:db8::1/128").length == 128);
  CHECK(format_prefix(pfx("2001:0DB8:0000::/48")) == "2001:db8::/48");
  CHECK(format_prefix(pfx("2001:db8:8000::/33")) == "2001:db8:8000::/33");
}

TEST_CASE("parse_prefix says why it refuses") {
  std::string why;
  SUBCASE("host bits set, with the fix") {
    CHECK_FALSE(parse_prefix("192.0.2.1/24", &why));
    CHECK(why.find("host bits") != std::string::npos);
    CHECK(why.find("192.0.2.0/24") != std::string::npos);
    CHECK_FALSE(parse_prefix("2001:db8::1/32", &why));
    CHECK(why.find("2001:db8::/32") != std::string::npos);
    CHECK_FALSE(parse_prefix("10.1.0.0/8", &why));
    CHECK(why.find("10.0.0.0/8") != std::string::npos);
    CHECK_FALSE(parse_prefix("192.0.2.129/25", &why));
    CHECK(why.find("192.0.2.128/25") != std::string::npos);
  }
  SUBCASE("length out of range") {
    CHECK_FALSE(parse_prefix("192.0.2.0/33", &why));
    CHECK(why.find("0..32") != std::string::npos);
    CHECK_FALSE(parse_prefix("2001:db8::/129", &why));
    CHECK(why.find("0..128") != std::string::npos);
    CHECK_FALSE(parse_prefix("::/999", &why));
    CHECK_FALSE(parse_prefix("0.0.0.0/4294967296", &why));
  }
  SUBCASE("missing slash") {
    CHECK_FALSE(parse_prefix("192.0.2.0", &why));
    CHECK(why.find("ADDRESS/LENGTH") != std::string::npos);
    CHECK_FALSE(parse_prefix("", &why));
    CHECK_FALSE(why.empty());
  }
  SUBCASE("garbage") {
    for (std::string_view t :
         {"foo/24", "/24", "192.0.2.0/", "192.0.2.0/abc", "192.0.2.0/-1", "192.0.2.0/+8",
          "192.0.2.0/24 ", "192.0.2.0/2 4", "192.0.2/24", "192.0.2.0//24", "192.0.2.0/24/",
          "[2001:db8::]/32", "fe80::%eth0/64"}) {
      CAPTURE(t);
      why.clear();
      CHECK_FALSE(parse_prefix(t, &why));
      CHECK_FALSE(why.empty());
    }
  }
  SUBCASE("no reason wanted") {
    CHECK_FALSE(parse_prefix("192.0.2.1/24"));
    CHECK_FALSE(parse_prefix("nope"));
  }
}

TEST_CASE("prefix_contains") {
  Prefix p24 = pfx("192.0.2.0/24");
  CHECK(prefix_contains(p24, ip("192.0.2.0")));
  CHECK(prefix_contains(p24, ip("192.0.2.255")));
  CHECK_FALSE(prefix_contains(p24, ip("192.0.3.0")));
  CHECK_FALSE(prefix_contains(p24, ip("192.0.1.255")));
  CHECK_FALSE(prefix_contains(p24, ip("::ffff:192.0.2.1")));  // other family

  Prefix p25 = pfx("192.0.2.128/25");
  CHECK(prefix_contains(p25, ip("192.0.2.200")));
  CHECK_FALSE(prefix_contains(p25, ip("192.0.2.100")));

  Prefix all4 = pfx("0.0.0.0/0");
  CHECK(prefix_contains(all4, ip("255.255.255.255")));
  CHECK_FALSE(prefix_contains(all4, ip("::")));

  Prefix host = pfx("192.0.2.7/32");
  CHECK(prefix_contains(host, ip("192.0.2.7")));
  CHECK_FALSE(prefix_contains(host, ip("192.0.2.6")));

  Prefix p32 = pfx("2001:db8::/32");
  CHECK(prefix_contains(p32, ip("2001:db8::1")));
  CHECK(prefix_contains(p32, ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  CHECK_FALSE(prefix_contains(p32, ip("2001:db9::")));
  CHECK_FALSE(prefix_contains(p32, ip("192.0.2.1")));

  Prefix p33 = pfx("2001:db8:8000::/33");
  CHECK(prefix_contains(p33, ip("2001:db8:8000::1")));
  CHECK_FALSE(prefix_contains(p33, ip("2001:db8:7fff::1")));

  Prefix all6 = pfx("::/0");
  CHECK(prefix_contains(all6, ip("ffff::")));
  CHECK_FALSE(prefix_contains(all6, ip("0.0.0.0")));

  Prefix host6 = pfx("2001:db8::1/128");
  CHECK(prefix_contains(host6, ip("2001:db8::1")));
  CHECK_FALSE(prefix_contains(host6, ip("2001:db8::2")));
}

TEST_CASE("prefixes_overlap") {
  auto both = [](std::string_view a, std::string_view b) {
    bool ab = prefixes_overlap(pfx(a), pfx(b));
    bool ba = prefixes_overlap(pfx(b), pfx(a));
    CHECK(ab == ba);
    return ab;
  };
  CHECK(both("10.0.0.0/8", "10.1.0.0/16"));
  CHECK(both("10.0.0.0/8", "10.255.255.0/24"));
  CHECK(both("192.0.2.0/24", "192.0.2.0/24"));
  CHECK(both("0.0.0.0/0", "192.0.2.0/24"));
  CHECK_FALSE(both("10.0.0.0/8", "11.0.0.0/8"));
  CHECK_FALSE(both("192.0.2.0/24", "192.0.3.0/24"));
  CHECK_FALSE(both("192.0.2.0/25", "192.0.2.128/25"));
  CHECK(both("2001:db8::/32", "2001:db8:1::/48"));
  CHECK(both("::/0", "2001:db8::/32"));
  CHECK_FALSE(both("2001:db8::/32", "2001:db9::/32"));
  CHECK_FALSE(both("2001:db8::/33", "2001:db8:8000::/33"));
  // Never across families, even for the whole address space.
  CHECK_FALSE(both("0.0.0.0/0", "::/0"));
  CHECK_FALSE(both("192.0.2.0/24", "::ffff:192.0.2.0/120"));
}

TEST_CASE("reverse_name") {
  CHECK(reverse_name(ip("192.0.2.1")) == "1.2.0.192.in-addr.arpa.");
  CHECK(reverse_name(ip("0.0.0.0")) == "0.0.0.0.in-addr.arpa.");
  CHECK(reverse_name(ip("255.255.255.255")) == "255.255.255.255.in-addr.arpa.");
  CHECK(reverse_name(ip("10.20.30.40")) == "40.30.20.10.in-addr.arpa.");

  std::string v6 = reverse_name(ip("2001:db8::1"));
  CHECK(v6 == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
  CHECK(count_labels(v6) == 34);
  CHECK(reverse_name(ip("::")) ==
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.");
  CHECK(reverse_name(ip("2001:db8:abcd:12::f0")) ==
        "0.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa.");
}

TEST_CASE("address_from_reverse inverts reverse_name") {
  std::vector<IpAddress> addrs;
  for (std::string_view t :
       {"0.0.0.0", "0.0.0.1", "1.0.0.0", "192.0.2.1", "192.0.2.10", "10.0.0.100", "255.255.255.255",
        "127.0.0.1", "::", "::1", "1::", "2001:db8::1", "fe80::abcd:ef01",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:192.0.2.1",
        "2001:db8:0123:4567:89ab:cdef:0123:4567"})
    addrs.push_back(ip(t));
  Lcg rng;
  for (int i = 0; i < 200; ++i) {
    IpAddress a;
    a.family = i % 2 ? 4 : 6;
    for (size_t j = 0; j < a.size(); ++j) a.bytes[j] = rng.next();
    addrs.push_back(a);
  }
  for (const IpAddress& a : addrs) {
    std::string name = reverse_name(a);
    CAPTURE(name);
    CHECK(address_from_reverse(name) == a);
    // Without the trailing dot too.
    CHECK(address_from_reverse(std::string_view(name).substr(0, name.size() - 1)) == a);
  }
}

TEST_CASE("address_from_reverse ignores case") {
  CHECK(address_from_reverse("1.2.0.192.IN-ADDR.ARPA.") == ip("192.0.2.1"));
  CHECK(address_from_reverse("1.2.0.192.In-Addr.Arpa") == ip("192.0.2.1"));
  CHECK(address_from_reverse(
            "F.E.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.") ==
        ip("2001:db8::ef"));
}

TEST_CASE("address_from_reverse refuses what is not one full address") {
  std::string v6ok = reverse_name(ip("2001:db8::1"));  // 34 labels
  std::string nibbles = v6ok.substr(0, v6ok.size() - std::string("ip6.arpa.").size());
  const std::vector<std::string> bad = {
      "",
      ".",
      "in-addr.arpa.",
      "2.0.192.in-addr.arpa.",      // 3 labels: a /24 apex
      "1.1.2.0.192.in-addr.arpa.",  // 5 labels
      "256.2.0.192.in-addr.arpa.",
      "1000.2.0.192.in-addr.arpa.",
      "01.2.0.192.in-addr.arpa.",  // leading zero
      "00.2.0.192.in-addr.arpa.",
      "a.2.0.192.in-addr.arpa.",
      "-1.2.0.192.in-addr.arpa.",
      "1..0.192.in-addr.arpa.",
      "1.2.0.192.in-addr.arpa..",
      ".1.2.0.192.in-addr.arpa.",
      "1.2.0.192.in-addr.arpa.example.",
      "1.2.0.192.example.arpa.",
      "1.2.0.192.ip6.arpa.",
      "ip6.arpa.",
      "0." + nibbles + "ip6.arpa.",     // 33 nibbles
      nibbles.substr(2) + "ip6.arpa.",  // 31 nibbles
      "g." + nibbles.substr(2) + "ip6.arpa.",
      "10." + nibbles.substr(2) + "ip6.arpa.",
      "." + nibbles.substr(2) + "ip6.arpa.",
      nibbles + "in-addr.arpa.",
  };
  for (const std::string& n : bad) {
    CAPTURE(n);
    CHECK_FALSE(address_from_reverse(n).has_value());
  }
}

TEST_CASE("zone_apex of IPv4 prefixes on octet boundaries") {
  CHECK(zone_apex(pfx("10.0.0.0/8")) == "10.in-addr.arpa.");
  CHECK(zone_apex(pfx("172.16.0.0/16")) == "16.172.in-addr.arpa.");
  CHECK(zone_apex(pfx("192.0.2.0/24")) == "2.0.192.in-addr.arpa.");
  CHECK(zone_apex(pfx("0.0.0.0/8")) == "0.in-addr.arpa.");

  for (std::string_view t : {"192.0.0.0/20", "192.0.2.0/25", "192.0.2.1/32", "0.0.0.0/0",
                             "192.0.2.0/23", "10.0.0.0/7", "10.0.0.0/9"}) {
    CAPTURE(t);
    std::string why;
    CHECK_FALSE(zone_apex(pfx(t), &why));
    CHECK(why.find("octet boundary") != std::string::npos);
    CHECK(why.find("/8, /16 or /24") != std::string::npos);
    CHECK(why.find(std::string(t)) != std::string::npos);
  }
  CHECK_FALSE(zone_apex(pfx("192.0.2.0/25")));  // no reason wanted
}

TEST_CASE("zone_apex of IPv6 prefixes on nibble boundaries") {
  CHECK(zone_apex(pfx("2001:db8::/32")) == "8.b.d.0.1.0.0.2.ip6.arpa.");
  CHECK(zone_apex(pfx("2000::/4")) == "2.ip6.arpa.");
  CHECK(zone_apex(pfx("2001:db8:abcd::/48")) == "d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa.");
  CHECK(zone_apex(pfx("2001:db8::10/124")) ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");

  IpAddress full = ip("2001:db8:0123:4567:89ab:cdef:fedc:ba98");
  for (unsigned len = 4; len <= 124; len += 4) {
    CAPTURE(len);
    Prefix p{masked(full, len), len};
    std::string why;
    auto apex = zone_apex(p, &why);
    REQUIRE_MESSAGE(apex, why);
    CHECK(count_labels(*apex) == len / 4 + 2);
    // The apex is the tail of the reverse name of any address inside the prefix.
    std::string rev = reverse_name(full);
    CHECK(rev.substr(rev.size() - apex->size()) == *apex);
    CHECK(prefix_from_apex(*apex) == p);
  }

  for (std::string_view t :
       {"2001:db8::/30", "2001:db8::/33", "2001:db8::1/128", "::/0", "2001:db8::/127"}) {
    CAPTURE(t);
    std::string why;
    CHECK_FALSE(zone_apex(pfx(t), &why));
    CHECK(why.find("nibble boundary") != std::string::npos);
    CHECK(why.find("multiple of 4") != std::string::npos);
  }
}

TEST_CASE("prefix_from_apex inverts zone_apex") {
  for (std::string_view t :
       {"10.0.0.0/8", "172.16.0.0/16", "192.0.2.0/24", "0.0.0.0/8", "255.255.255.0/24",
        "2001:db8::/32", "2000::/4", "fe80::/12", "2001:db8:ffff:ffff:ffff:ffff:ffff:fff0/124"}) {
    CAPTURE(t);
    Prefix p = pfx(t);
    auto apex = zone_apex(p);
    REQUIRE(apex);
    CHECK(prefix_from_apex(*apex) == p);
    CHECK(prefix_from_apex(apex->substr(0, apex->size() - 1)) == p);  // no trailing dot
  }
  CHECK(prefix_from_apex("2.0.192.IN-ADDR.ARPA.") == pfx("192.0.2.0/24"));
  CHECK(prefix_from_apex("8.B.D.0.1.0.0.2.IP6.ARPA") == pfx("2001:db8::/32"));

  for (std::string_view t :
       {"", ".", "arpa.", "in-addr.arpa.", "ip6.arpa.", "1.2.0.192.in-addr.arpa.",
        "256.in-addr.arpa.", "01.in-addr.arpa.", "x.in-addr.arpa.", "g.ip6.arpa.", "10.ip6.arpa.",
        "2..ip6.arpa.", "example.com.", "2.0.192.in-addr.arpa.example.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."}) {
    CAPTURE(t);
    CHECK_FALSE(prefix_from_apex(t).has_value());
  }
}

TEST_CASE("text_to_wire") {
  CHECK(text_to_wire("www.example.com") ==
        "\x03www\x07"
        "example\x03"
        "com\0"s);
  CHECK(text_to_wire("www.example.com.") ==
        "\x03www\x07"
        "example\x03"
        "com\0"s);
  CHECK(text_to_wire("Www.Example.COM.") ==
        "\x03Www\x07"
        "Example\x03"
        "COM\0"s);  // case kept
  CHECK(text_to_wire(".") == "\0"s);
  CHECK(text_to_wire("a") ==
        "\x01"
        "a\0"s);

  SUBCASE("escapes") {
    CHECK(text_to_wire("a\\.b.c.") ==
          "\x03"
          "a.b\x01"
          "c\0"s);
    CHECK(text_to_wire("\\065bc.") ==
          "\x03"
          "Abc\0"s);
    CHECK(text_to_wire("a\\\\b.") ==
          "\x03"
          "a\\b\0"s);
    CHECK(text_to_wire("\\000.") == "\x01\0\0"s);
    CHECK(text_to_wire("\\255x.") == "\x02\xffx\0"s);
    CHECK(text_to_wire("a\\046b") ==
          "\x03"
          "a.b\0"s);
    CHECK(text_to_wire("a\\ b.") ==
          "\x03"
          "a b\0"s);
    std::string why;
    CHECK_FALSE(text_to_wire("\\256.", &why));
    CHECK(why.find("escape") != std::string::npos);
    CHECK_FALSE(text_to_wire("abc\\", &why));
    CHECK(why.find("backslash") != std::string::npos);
  }
  SUBCASE("empty labels") {
    std::string why;
    for (std::string_view t : {"a..b", ".a", "..", "a..", ".a."}) {
      CAPTURE(t);
      why.clear();
      CHECK_FALSE(text_to_wire(t, &why));
      CHECK(why.find("empty label") != std::string::npos);
    }
    CHECK_FALSE(text_to_wire("", &why));
    CHECK(why == "empty name");
  }
  SUBCASE("label length") {
    auto ok = text_to_wire(repeat('a', 63) + ".example.");
    REQUIRE(ok);
    CHECK(ok->size() == 1 + 63 + 1 + 7 + 1);
    CHECK(uint8_t((*ok)[0]) == 63);
    std::string why;
    CHECK_FALSE(text_to_wire(repeat('a', 64) + ".example.", &why));
    CHECK(why.find("63") != std::string::npos);
    CHECK_FALSE(text_to_wire(repeat('a', 64), &why));
    // An escape counts as one octet.
    CHECK(text_to_wire(repeat('a', 62) + "\\046"));
    CHECK_FALSE(text_to_wire(repeat('a', 63) + "\\046"));
  }
  SUBCASE("name length") {
    // 3 x (1 + 63) + (1 + 61) + 1 = 255 octets: the largest name.
    std::string l63 = repeat('x', 63);
    std::string longest = l63 + "." + l63 + "." + l63 + "." + repeat('y', 61) + ".";
    auto w = text_to_wire(longest);
    REQUIRE(w);
    CHECK(w->size() == 255);
    std::string why;
    CHECK_FALSE(text_to_wire(l63 + "." + l63 + "." + l63 + "." + repeat('y', 62) + ".", &why));
    CHECK(why.find("255") != std::string::npos);
    // 127 one-octet labels are 255 octets; 128 are too many.
    std::string many;
    for (int i = 0; i < 127; ++i) many += "a.";
    CHECK(text_to_wire(many)->size() == 255);
    CHECK_FALSE(text_to_wire(many + "a."));
  }
}

TEST_CASE("wire_to_text") {
  CHECK(wire_to_text("\x03www\x07"
                     "example\x03"
                     "com\0"s) == "www.example.com.");
  CHECK(wire_to_text("\0"s) == ".");
  CHECK(wire_to_text("") == ".");
  CHECK(wire_to_text("\x03"
                     "a.b\x01"
                     "c\0"s) == "a\\.b.c.");
  CHECK(wire_to_text("\x03"
                     "a\\b\0"s) == "a\\\\b.");
  CHECK(wire_to_text("\x01\0\0"s) == "\\000.");
  CHECK(wire_to_text("\x03"
                     "a b\0"s) == "a\\032b.");
  CHECK(wire_to_text("\x02\xff\x7f\0"s) == "\\255\\127.");
  CHECK(wire_to_text("\x03"
                     "AbC\0"s) == "AbC.");  // case kept

  // Text from wire_to_text reads back to the same wire.
  for (std::string w : {"\x03www\x07"
                        "example\x03"
                        "com\0"s,
                        "\x03"
                        "a.b\x01"
                        "c\0"s,
                        "\x04"
                        "\x00\x01\\ \x02"
                        "()\0"s,
                        "\x01\xff\0"s, "\0"s}) {
    CAPTURE(wire_to_text(w));
    CHECK(text_to_wire(wire_to_text(w)) == w);
  }
}

TEST_CASE("wire_to_key and key_to_wire") {
  std::string wire = *text_to_wire("WWW.Example.com.");
  std::string key = wire_to_key(wire);
  CHECK(key ==
        "\x03"
        "com\x07"
        "example\x03"
        "www"s);  // reversed, lower case, no root
  CHECK(key_to_wire(key) ==
        "\x03www\x07"
        "example\x03"
        "com\0"s);

  CHECK(wire_to_key("\0"s).empty());
  CHECK(key_to_wire("") == "\0"s);

  // A descendant's key starts with its ancestor's key.
  std::string zone = wire_to_key(*text_to_wire("2.0.192.in-addr.arpa."));
  std::string host = wire_to_key(*text_to_wire("1.2.0.192.IN-ADDR.ARPA."));
  std::string other = wire_to_key(*text_to_wire("1.3.0.192.in-addr.arpa."));
  CHECK(host.substr(0, zone.size()) == zone);
  CHECK(other.substr(0, zone.size()) != zone);
  CHECK(host > zone);

  // Round trips lower-case the name and keep escaped octets.
  for (std::string_view t :
       {"a.", "Example.COM.", "x\\.y.z.", "1.2.0.192.in-addr.arpa.", "\\000.\\255.",
        "F.E.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA."}) {
    CAPTURE(t);
    std::string w = *text_to_wire(t);
    std::string lw = w;
    for (char& c : lw)
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    CHECK(key_to_wire(wire_to_key(w)) == lw);
    CHECK(wire_to_key(w) == wire_to_key(lw));
  }
  // The longest name (127 labels) survives.
  std::string many;
  for (int i = 0; i < 127; ++i) many += "b.";
  std::string w = *text_to_wire(many);
  CHECK(key_to_wire(wire_to_key(w)) == w);
}

namespace {

std::optional<AddressKey> akey(std::string_view text) {
  AddressKey a;
  if (!key_to_address_key(wire_to_key(*text_to_wire(text)), a)) return std::nullopt;
  return a;
}

std::string meta_key_of(std::string_view address) {
  IpAddress addr = *parse_ip(address);
  return std::string(1, char(addr.family)) +
         std::string(reinterpret_cast<const char*>(addr.bytes.data()), addr.size());
}

}  // namespace

TEST_CASE("key_to_address_key gives a full owner name the record's address key") {
  for (std::string_view a :
       {"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.20.0.3", "2001:db8::1",
        "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:abcd:12::ff00:42:8329"}) {
    CAPTURE(a);
    auto k = akey(reverse_name(*parse_ip(a)));
    REQUIRE(k);
    CHECK(k->units == k->full);
    CHECK(k->view() == meta_key_of(a));
  }
  auto upper = akey("B.E.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.");
  REQUIRE(upper);
  CHECK(upper->view() == meta_key_of("2001:db8::eb"));
}

TEST_CASE("key_to_address_key of prefixes and of names that hold nothing") {
  auto k = akey("2.0.192.in-addr.arpa.");
  REQUIRE(k);
  CHECK(int(k->units) == 3);
  CHECK(k->view() == meta_key_of("192.0.2.0"));
  k = akey("in-addr.arpa.");
  REQUIRE(k);
  CHECK(int(k->units) == 0);
  k = akey("8.b.d.0.1.0.0.2.ip6.arpa.");
  REQUIRE(k);
  CHECK(int(k->units) == 8);
  CHECK(k->view() == meta_key_of("2001:db8::"));
  k = akey("1.0.0.2.ip6.arpa.");  // an odd nibble count: 2001::/16's first 4 nibbles
  REQUIRE(k);
  CHECK(int(k->units) == 4);
  k = akey("c.0.0.2.ip6.arpa.");
  REQUIRE(k);
  CHECK(int(k->units) == 4);
  CHECK(k->view() == meta_key_of("200c::"));
  k = akey("a.2.ip6.arpa.");  // 2a00::/8
  REQUIRE(k);
  CHECK(k->view() == meta_key_of("2a00::"));

  // Never an address: leading zeros, over 255, letters, long labels, too many labels,
  // other trees.
  for (std::string_view t :
       {"01.2.0.192.in-addr.arpa.", "256.2.0.192.in-addr.arpa.", "a.2.0.192.in-addr.arpa.",
        "1000.0.192.in-addr.arpa.", "x.1.2.0.192.in-addr.arpa.", "-1.in-addr.arpa.", "g.ip6.arpa.",
        "10.ip6.arpa.", "arpa.", "example.com.", "in-addr.arpa.example.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."}) {
    CAPTURE(t);
    CHECK_FALSE(akey(t));
  }
}

TEST_CASE("address_key_covers: a record's address below a name") {
  auto covers = [](std::string_view name, std::string_view address) {
    auto k = akey(name);
    REQUIRE(k);
    return address_key_covers(*k, meta_key_of(address));
  };
  CHECK(covers("2.0.192.in-addr.arpa.", "192.0.2.7"));
  CHECK(covers("192.in-addr.arpa.", "192.255.0.1"));
  CHECK(covers("in-addr.arpa.", "1.2.3.4"));
  CHECK(covers("7.2.0.192.in-addr.arpa.", "192.0.2.7"));
  CHECK_FALSE(covers("2.0.192.in-addr.arpa.", "192.0.3.7"));
  CHECK_FALSE(covers("2.0.192.in-addr.arpa.", "2001:db8::1"));
  CHECK_FALSE(covers("in-addr.arpa.", "::1"));
  CHECK(covers("8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:ffff::1"));
  CHECK(covers("c.0.0.2.ip6.arpa.", "200c:ffff::"));
  CHECK_FALSE(covers("c.0.0.2.ip6.arpa.", "200d::"));
  CHECK_FALSE(covers("c.0.0.2.ip6.arpa.", "2001::"));
  CHECK(covers("2.ip6.arpa.", "2fff::"));
  CHECK_FALSE(covers("2.ip6.arpa.", "3000::"));
  CHECK_FALSE(covers("8.b.d.0.1.0.0.2.ip6.arpa.", "192.0.2.1"));
}

TEST_CASE("is_hostname follows RFC 1123") {
  for (std::string_view t :
       {"mail.example.com", "mail.example.com.", "MAIL.Example.COM", "localhost", "3com.com",
        "1host.example.", "a-b.example", "x", "a1.b2.c3", "123.example.net."}) {
    CAPTURE(t);
    std::string why;
    CHECK(is_hostname(t, &why));
    CHECK(why.empty());
  }
  struct Bad {
    std::string text;
    const char* reason;  // a piece of the reason
  };
  const std::vector<Bad> bad = {
      {"", "empty"},
      {".", "empty"},
      {"-mail.example.com", "hyphen"},
      {"mail-.example.com", "hyphen"},
      {"mail.-example.com", "hyphen"},
      {"_dmarc.example.com", "letters, digits and hyphens"},
      {"a_b.example.com", "letters, digits and hyphens"},
      {"a b.example", "letters, digits and hyphens"},
      {"a*.example", "letters, digits and hyphens"},
      {"xn--bcher-kva.ch\xc3\xa9", "letters, digits and hyphens"},
      {"mail..example.com", "empty label"},
      {".mail.example.com", "empty label"},
      {"mail.example.com..", "empty label"},
      {repeat('a', 64) + ".example", "63"},
      {"192.0.2.1", "numeric"},  // RFC 1123 2.1: never the dotted-decimal form
      {"host.123", "numeric"},
      {"42", "numeric"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.text);
    std::string why;
    CHECK_FALSE(is_hostname(b.text, &why));
    CHECK(why.find(b.reason) != std::string::npos);
  }
  CHECK(is_hostname(repeat('a', 63) + ".example"));
  CHECK_FALSE(is_hostname("bad_name"));  // no reason wanted
}

TEST_CASE("is_hostname limits the name to 253 characters") {
  // 4 labels of 62 plus one of 2, with dots: 4 * 63 + 2 = 254; trim to lengths we want.
  auto name_of = [](size_t n) {
    std::string s;
    while (s.size() < n) {
      if (!s.empty()) s += '.';
      s += repeat('h', std::min<size_t>(50, n - s.size()));
    }
    if (s.back() == '.') s.back() = 'h';
    return s;
  };
  std::string n253 = name_of(253), n254 = name_of(254);
  REQUIRE(n253.size() == 253);
  REQUIRE(n254.size() == 254);
  CHECK(is_hostname(n253));
  CHECK(is_hostname(n253 + "."));
  std::string why;
  CHECK_FALSE(is_hostname(n254, &why));
  CHECK(why.find("253") != std::string::npos);
  CHECK_FALSE(is_hostname(n254 + ".", &why));
  CHECK(why.find("253") != std::string::npos);
}

TEST_CASE("normalize_hostname makes the name absolute and keeps its case") {
  CHECK(normalize_hostname("mail.example.com") == "mail.example.com.");
  CHECK(normalize_hostname("mail.example.com.") == "mail.example.com.");
  CHECK(normalize_hostname("Mail.Example.COM") == "Mail.Example.COM.");
  CHECK(normalize_hostname("localhost") == "localhost.");
  std::string why;
  CHECK_FALSE(normalize_hostname("", &why));
  CHECK_FALSE(why.empty());
  CHECK_FALSE(normalize_hostname("bad_host.example", &why));
  CHECK(why.find("bad_host") != std::string::npos);
  CHECK_FALSE(normalize_hostname("-x.example"));
  // Every normalized name is still a host name and a domain name.
  for (std::string_view t : {"a", "a.b", "A-1.example.org."}) {
    auto n = normalize_hostname(t);
    REQUIRE(n);
    CHECK(n->back() == '.');
    CHECK(is_hostname(*n));
    CHECK(text_to_wire(*n));
  }
}

TEST_CASE("owner_key is the key of the address's reverse name") {
  for (const char* ip : {"192.0.2.7", "0.0.0.0", "10.100.255.9", "2001:db8::1",
                         "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    const IpAddress a = *parse_ip(ip);
    char key[kMaxOwnerKey];
    const std::string_view k(key, owner_key(a, key));
    CHECK(k == wire_to_key(*text_to_wire(reverse_name(a))));
    AddressKey back;
    REQUIRE(key_to_address_key(k, back));
    CHECK(back.units == back.full);
  }
}
