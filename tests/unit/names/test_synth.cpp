// Synthesized PTR names (zonestore/names/synth.h): {dashed} exactly as Knot 3.2's
// mod-synthrecord (reverse, reverse-short) writes it, {hex}, {1}..{4}, and the template
// checks.
#include <doctest/doctest.h>

#include <string>

#include "zonestore/names/synth.h"

using namespace rdnsd::names;

namespace {

std::string dashed(const std::string& ip) {
  return synth_text("ip-{dashed}.dyn.example.net.", *parse_ip(ip));
}

}  // namespace

TEST_CASE("{dashed} for IPv4 and IPv6 as Knot 3.2 writes it") {
  CHECK(dashed("192.0.2.7") == "ip-192-0-2-7.dyn.example.net.");
  CHECK(dashed("10.0.0.0") == "ip-10-0-0-0.dyn.example.net.");
  CHECK(dashed("255.255.255.255") == "ip-255-255-255-255.dyn.example.net.");
  // The examples of the Knot behaviour: the first run of zero groups from group 3 on,
  // never the last group.
  CHECK(dashed("2001:db8:1234:5600::7") == "ip-2001-db8-1234-5600--7.dyn.example.net.");
  CHECK(dashed("2001:db8:1234:5600::") == "ip-2001-db8-1234-5600--0.dyn.example.net.");
  CHECK(dashed("2001:db8:1234:5600:0:1:0:0") == "ip-2001-db8-1234-5600-0-1-0-0.dyn.example.net.");
  CHECK(dashed("2001:db8::1") == "ip-2001-db8--1.dyn.example.net.");
  CHECK(dashed("2001:db8:0:0:1:0:0:5") == "ip-2001-db8--1-0-0-5.dyn.example.net.");
  CHECK(dashed("2001:db8:1:0:0:2:0:0") == "ip-2001-db8-1--2-0-0.dyn.example.net.");
  CHECK(dashed("2001:0:0:0:1:2:3:4") == "ip-2001-0--1-2-3-4.dyn.example.net.");
  CHECK(dashed("2001:db8:abcd:12:3:4:5:6") == "ip-2001-db8-abcd-12-3-4-5-6.dyn.example.net.");
  CHECK(dashed("::") == "ip-0-0--0.dyn.example.net.");
  CHECK(dashed("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") ==
        "ip-ffff-ffff-ffff-ffff-ffff-ffff-ffff-ffff.dyn.example.net.");
}

TEST_CASE("{hex} and the octets") {
  CHECK(synth_text("h{hex}.example.", *parse_ip("192.0.2.7")) == "hc0000207.example.");
  CHECK(synth_text("x{hex}.example.", *parse_ip("2001:db8::1")) ==
        "x20010db8000000000000000000000001.example.");
  CHECK(synth_text("{4}.{3}.{2}.{1}.pool.example.", *parse_ip("192.0.2.7")) ==
        "7.2.0.192.pool.example.");
  CHECK(synth_text("host-{4}.example.", *parse_ip("2001:db8::1")) == "");
}

TEST_CASE("templates that make no host name are refused") {
  CHECK(check_synth_template("ip-{dashed}.dyn.example.net.", 6) == "");
  CHECK(check_synth_template("{1}-{2}-{3}-{4}.example.", 4) == "");
  CHECK(check_synth_template("", 4).find("empty") != std::string::npos);
  CHECK(check_synth_template("ip-{dashed}.example", 4).find("absolute") != std::string::npos);
  CHECK(check_synth_template("ip-{dotted}.example.", 4).find("unknown placeholder '{dotted}'") !=
        std::string::npos);
  CHECK(check_synth_template("ip-{dashed.example.", 4).find("unknown placeholder") !=
        std::string::npos);
  CHECK(check_synth_template("{1}.example.", 6).find("IPv6 zone") != std::string::npos);
  CHECK(check_synth_template("ip_{dashed}.example.", 4).find("valid host name") !=
        std::string::npos);
  CHECK(check_synth_template("{dashed}-.example.", 4).find("valid host name") != std::string::npos);
  CHECK(check_synth_template("ip..example.", 4).find("valid host name") != std::string::npos);
  CHECK(check_synth_template(std::string(201, 'a') + ".", 4).find("longer") != std::string::npos);
  // {dashed} of ::ffff... starts with a digit, which RFC 1123 allows.
  CHECK(check_synth_template("{dashed}.example.", 6) == "");
}

namespace {

// synth_address of `name` under `tmpl`: the address in text, or "" when it names none.
std::string back(const std::string& tmpl, uint8_t family, const std::string& name) {
  IpAddress a;
  if (!synth_address(tmpl, family, *text_to_wire(name), a)) return "";
  return format_ip(a);
}

}  // namespace

TEST_CASE("forward names read back to the address that makes them, and only the canonical form") {
  const std::string t = "ip-{dashed}.dyn.example.net.";
  for (const char* ip : {"192.0.2.7", "0.0.0.0", "255.255.255.255", "10.0.100.1"})
    CHECK(back(t, 4, dashed(ip)) == ip);
  for (const char* ip : {"2001:db8:1234:5600::7", "2001:db8:1234:5600::", "::1", "2001:db8::",
                         "2001:db8:1234:5600:0:1:0:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    CHECK(back(t, 6, dashed(ip)) == format_ip(*parse_ip(ip)));
  CHECK(back(t, 4, "IP-192-0-2-7.DYN.example.NET.") == "192.0.2.7");
  CHECK(back(t, 4, "ip-192-0-2-07.dyn.example.net.") == "");
  CHECK(back(t, 4, "ip-192-0-2-256.dyn.example.net.") == "");
  CHECK(back(t, 4, "ip-192-0-2.dyn.example.net.") == "");
  CHECK(back(t, 4, "ip-192-0-2-7.other.example.net.") == "");
  CHECK(back(t, 6, "ip-2001-db8-1234-5600-0-0-0-7.dyn.example.net.") == "");
  CHECK(back(t, 4, "ip-2001-db8--7.dyn.example.net.") == "");
  const std::string h = "h{hex}.v6.example.";
  const IpAddress a = *parse_ip("2001:db8::42");
  CHECK(back(h, 6, synth_text(h, a)) == "2001:db8::42");
  const std::string o = "{4}-{3}-{2}-{1}.pool.example.";
  CHECK(back(o, 4, "7-2-0-192.pool.example.") == "192.0.2.7");
  CHECK(synth_names_whole_address(t, 4));
  CHECK(synth_names_whole_address(o, 4));
  CHECK_FALSE(synth_names_whole_address("h{4}.pool.example.", 4));
}
