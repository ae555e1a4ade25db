#pragma once
// Forward zones of synthesized PTR names (`synthesize.forward`, docs/SYNTHESIS.md): rdnsd
// is authoritative for the zone that holds its default names, so that a name such as
// ip-192-0-2-7.dyn.example.net. has the A record 192.0.2.7 and forward-confirmed reverse
// DNS holds for every address without a record of its own. Nothing of it is stored:
//
//   <apex>           SOA  and NS, from the first reverse zone that names this forward zone
//   <synthesized>    A or AAAA: the address whose PTR, in this snapshot, is that name
//                    (RecordSource::forward_address; an address with a record of another
//                    name has no forward name here)
//   <tail>           an empty non-terminal: the labels between the apex and a template's
//                    first label with a placeholder (NODATA)
//   anything else    NXDOMAIN
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rdnsd::dns {

struct ForwardZone {
  std::string apex_key;      // the apex as a key (reversed labels, lower case)
  std::string apex_wire;     // the same name in wire form
  std::string mname, rname;  // wire
  uint32_t serial = 1;
  uint32_t soa_ttl = 0, ns_ttl = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  uint8_t ns_count = 0;
  std::string ns_block;  // ns_count x (1 byte length L, L bytes of wire name)
  // The templates of the reverse zones whose names this zone holds, each once.
  std::vector<std::string> templates;
  // The keys of the empty non-terminals (see above).
  std::vector<std::string> empty_keys;

  bool operator==(const ForwardZone&) const = default;
};

}  // namespace rdnsd::dns
