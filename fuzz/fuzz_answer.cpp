// libFuzzer target for the answer core. Input: one control byte, then the query.
//   control bit 0: TCP (else UDP); bit 1: a 512-byte output buffer; bit 2: NSID and the
//   CHAOS names switched off; bit 3: no TSIG keys (else one, "k-sha256.", hmac-sha256,
//   secret "0123456789abcdef0123456789abcdef", on a clock stopped at 1796407782); bit 4:
//   the client is 198.51.100.100 (else unknown), for DNS Cookies.
// Every answer must fit its buffer and limit, echo the ID with QR set, and parse with
// ldns; a question the core parses must have the lookup key the store would make of it
// (names::wire_to_key); what the rate limiter reads of an answer (outcome) must be a
// part of that key, and the slipped form of a UDP answer (slip) a parsable answer no
// longer than the answer; anything else aborts.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "server/dns/query.h"
#include "server/tsig/tsig.h"
#include "zonestore/names/names.h"

// Last: it includes ldns, which may define bool/true/false as macros.
#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

struct World {
  TestSource source;
  AnswerConfig config = standard_config();
  Answerer answerer{config, source};
  std::vector<uint8_t> out = std::vector<uint8_t>(65535);

  World() {
    fill_standard(source);
    auto ring = std::make_shared<rdnsd::tsig::Keyring>();
    ring->add(rdnsd::tsig::make_key("k-sha256.", rdnsd::tsig::Algorithm::HmacSha256,
                                    "0123456789abcdef0123456789abcdef"));
    keys = ring;
    config.clock = [] { return uint64_t{1796407782}; };
  }
  std::shared_ptr<const rdnsd::tsig::Keyring> keys;
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const Transport transport = (control & 1) ? Transport::Tcp : Transport::Udp;
  const size_t cap = (control & 2) ? 512 : world.out.size();
  const bool on = (control & 4) == 0;
  world.config.nsid_enabled = on;
  world.config.identity_enabled = on;
  world.config.version_enabled = on;
  world.config.keys = (control & 8) ? nullptr : world.keys;
  // A copy of exactly the query bytes, so that ASan sees any read past them.
  std::vector<uint8_t> query(data + 1, data + size);
  Query parsed;
  if (query.size() >= kHeaderSize &&
      parse_query(query.data(), query.size(), parsed) != ParseResult::BadQuestion &&
      parsed.qname_len > 0) {
    std::string wire(reinterpret_cast<const char*>(query.data()) + kHeaderSize, parsed.qname_len);
    check(parsed.key() == rdnsd::names::wire_to_key(wire));
  }
  static const uint8_t kClient[4] = {198, 51, 100, 100};
  const ClientIp client = (control & 16) ? ClientIp{kClient, 4} : ClientIp{};
  const size_t n =
      world.answerer.answer(query.data(), query.size(), world.out.data(), cap, transport, client);
  if (n == 0) return 0;
  const Answerer::Outcome outcome = world.answerer.outcome();
  check(outcome.name.size() <= parsed.key_len || parsed.qname_len == 0);
  check(n >= 12 && n <= cap);
  check(transport == Transport::Tcp || n <= world.config.udp_payload);
  check(world.out[0] == query[0] && world.out[1] == query[1] && (world.out[2] & 0x80));
  ldns_pkt* pkt = nullptr;
  check(ldns_wire2pkt(&pkt, world.out.data(), n) == LDNS_STATUS_OK);
  check(ldns_pkt_qdcount(pkt) <= 1);
  ldns_pkt_free(pkt);
  if (transport == Transport::Udp) {
    const size_t slipped = world.answerer.slip();
    if (slipped == 0) return 0;
    check(slipped >= 12 && slipped <= n);
    check(ldns_wire2pkt(&pkt, world.out.data(), slipped) == LDNS_STATUS_OK);
    check(ldns_pkt_ancount(pkt) == 0 && ldns_pkt_nscount(pkt) == 0);
    ldns_pkt_free(pkt);
  }
  return 0;
}
