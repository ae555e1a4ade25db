// libFuzzer target for the UPDATE parser (server/update/plan.h): any bytes go to parse()
// and then to write_answer(). Nothing may crash, hang or read out of bounds; a plan must
// keep the parser's promises (its updates' owners are full addresses inside its zone,
// the zone section it echoes lies inside the message) and the answer must be an UPDATE
// answer with the request's ID.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/update/plan.h"
#include "zonestore/names/names.h"

using namespace rdnsd;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const update::Parsed p = update::parse(data, size);
  check(p.zone_end <= size);
  if (p.rcode == update::Rcode::NoError) {
    check(!p.plan.zone.empty());
    for (const update::Update& u : p.plan.updates) {
      check(ends_with(u.owner, p.plan.zone));
      check(names::reverse_name(u.address) == u.owner);
      if (u.kind == update::Update::Kind::Add && u.type == update::kTypePtr)
        check(names::is_hostname(u.target));
      if (u.kind == update::Update::Kind::Add && u.type != update::kTypePtr)
        check(u.rdata.size() >= 3 && u.rdata.size() <= 1024);  // DHCID (RFC 4701)
    }
    for (const update::Prerequisite& q : p.plan.prerequisites)
      check(ends_with(q.owner.text, p.plan.zone));
  } else {
    check(!p.reason.empty());
  }
  if (size < 12) return 0;
  uint8_t out[1024];
  const size_t n = update::write_answer(data, p.zone_end, p.rcode, out, sizeof out);
  check(n >= 12 && n <= sizeof out);
  check(out[0] == data[0] && out[1] == data[1] && (out[2] & 0x80) != 0);
  check(((out[2] >> 3) & 0x0F) == update::kOpcodeUpdate);
  check((out[3] & 0x0F) == uint8_t(p.rcode));
  return 0;
}
