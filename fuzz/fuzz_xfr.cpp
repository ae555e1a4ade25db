// libFuzzer target for the transfer side: bytes that look like an AXFR or IXFR request
// (Service::is_transfer) go to Service::start, and the answer is drained message by
// message, as a TCP connection would. Nothing may crash, hang or read out of bounds;
// every message must be a DNS answer (QR set, the request's ID) within 64 KiB. The
// store holds two zones with records and a journal, and the service knows one TSIG key,
// so the request parser, the TSIG check, the ACL, the journal's diff and both kinds of
// transfer are all reached.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "server/tsig/tsig.h"
#include "server/xfr/service.h"
#include "zonestore/store.h"

using namespace rdnsd;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct World {
  std::string dir;
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<xfr::Service> service;

  World() {
    char tmpl[] = "/tmp/fuzz-xfr-XXXXXX";
    dir = mkdtemp(tmpl);
    zonestore::StoreOptions o;
    o.path = dir + "/db";
    o.map_size = 64ull << 20;
    store = zonestore::Store::open(o);
    std::vector<zonestore::ZoneSettings> zones;
    for (const char* p : {"192.0.2.0/24", "2001:db8::/32"}) {
      zonestore::ZoneSettings s;
      s.prefix = *names::parse_prefix(p);
      s.ns = {"ns1.example.net.", "ns2.example.net."};
      s.soa.mname = "ns1.example.net.";
      s.soa.rname = "hostmaster.example.net.";
      zones.push_back(s);
    }
    store->reconcile(zones, {}, 1700000000);
    // Serials 1..6 in the journal: sets, a replace, an unset.
    store->set({"192.0.2.1", "gw.example.net.", std::nullopt, std::nullopt, "fuzz"}, 1700000000);
    store->set({"192.0.2.2", "two.example.net.", 60, std::nullopt, "fuzz"}, 1700000000);
    store->set({"192.0.2.1", "gw2.example.net.", std::nullopt, std::nullopt, "fuzz"}, 1700000000);
    store->unset({"192.0.2.2", "fuzz"}, 1700000000);
    store->set({"2001:db8::1", "six.example.net.", std::nullopt, std::nullopt, "fuzz"}, 1700000000);
    auto keys = std::make_shared<tsig::Keyring>();
    keys->add(tsig::make_key("xfr-key.", tsig::Algorithm::HmacSha256, std::string(32, 'k')));
    xfr::TransferPolicy policy;
    policy.defaults.push_back({names::parse_prefix("127.0.0.0/8"), ""});
    policy.defaults.push_back({std::nullopt, "xfr-key."});
    service = std::make_unique<xfr::Service>(
        *store, std::move(policy), xfr::TransferLimits{},
        [](logging::Level, const std::string&, const logging::Fields&) {}, keys);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (!xfr::Service::is_transfer(data, size)) return 0;
  static const names::IpAddress peer = *names::parse_ip("127.0.0.1");
  auto t = world.service->start(data, size, peer);
  check(t != nullptr);
  std::vector<uint8_t> buf(65535);
  for (int messages = 0;; ++messages) {
    check(messages < 1000);  // the zones are small: a longer answer is a loop
    const size_t n = t->next(buf.data(), buf.size());
    if (n == 0) break;
    check(n >= 12 && n <= 65535);
    check((buf[2] & 0x80) != 0);
    check(buf[0] == data[0] && buf[1] == data[1]);
  }
  t.reset();
  check(world.service->active() == 0);
  return 0;
}
