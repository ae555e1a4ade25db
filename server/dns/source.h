#pragma once
// The small interface the answer core asks for records. The LMDB store implements it
// (server/lmdb_source.h); tests implement it in memory. Views returned by a source stay
// valid until the next call to begin() (for LMDB: until the read transaction is reset).
// No method allocates or throws.
#include <cstdint>
#include <string_view>

namespace rdnsd::dns {

// A served zone, as the answer core needs it. Names are in wire form.
struct ZoneView {
  size_t apex_key_len = 0;  // length of the apex's key (names.h): a prefix of the qname's
  uint32_t serial = 0;
  uint32_t soa_ttl = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  uint32_t ns_ttl = 0;            // the NS RRset's TTL (the SOA TTL unless the zone sets its own)
  std::string_view mname, rname;  // wire
  uint8_t ns_count = 0;
  std::string_view ns_block;  // ns_count x (1 byte length L, L bytes of wire name)
};

// A PTR record at one owner name.
struct PtrView {
  uint32_t ttl = 0;
  std::string_view target;  // wire
};

// The address a forward name stands for (synthesize.forward), and the TTL of its record.
struct ForwardAddress {
  uint8_t family = 0;  // 4 or 6
  uint8_t bytes[16] = {};
  uint32_t ttl = 0;
};

enum class FindZone { Found, NotServed, None };
enum class FindNode { Exists, EmptyNonTerminal, NxDomain };

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Called once before a batch of queries; a source takes a fresh snapshot here.
  virtual bool begin() noexcept = 0;
  // Called after the batch; the views of the batch become invalid.
  virtual void end() noexcept = 0;
  // The zone whose apex key is the longest prefix of `qkey` (zones never nest).
  // NotServed: such a zone is stored but not served (REFUSED, like None).
  virtual FindZone find_zone(std::string_view qkey, ZoneView& zone) noexcept = 0;
  // Whether `qkey` (inside the zone just found) is a node with a PTR, an empty
  // non-terminal (no record, but names below it), or does not exist. The apex itself
  // always exists (it has SOA and NS). When it returns Exists with a PTR, `ptr` is set
  // and `has_ptr` is true.
  virtual FindNode find_node(std::string_view qkey, PtrView& ptr, bool& has_ptr) noexcept = 0;
  // The DHCID RR (RFC 4701) of the full address `qkey`, asked only for a DHCID query at
  // a node find_node() found with a PTR (an address has a DHCID only beside its PTR):
  // `rdata` (wire) and `ttl` set when it has one.
  virtual bool find_dhcid(std::string_view qkey, uint32_t& ttl, std::string_view& rdata) noexcept {
    (void)qkey;
    (void)ttl;
    (void)rdata;
    return false;
  }

  // ---- the forward names of synthesized PTRs (server/dns/forward.h) ----
  // Whether `qname` (wire) is the name template `tmpl` makes of an address whose PTR in a
  // served zone of this snapshot is `qname` (its synthesized name, or a record naming
  // it): then `out` is that address, with the PTR's TTL. Asked only for names in a
  // forward zone.
  virtual bool forward_address(std::string_view tmpl, std::string_view qname,
                               ForwardAddress& out) noexcept {
    (void)tmpl;
    (void)qname;
    (void)out;
    return false;
  }

  // ---- the catalog zone (server/dns/catalog.h), asked only for names below its apex ----
  // The catalog's serial in this snapshot; false if it cannot be read (SERVFAIL).
  virtual bool catalog_serial(uint32_t& serial) noexcept {
    (void)serial;
    return false;
  }
  // Whether a served zone has the member id `id` (one label's bytes, lower case; see
  // zonestore/names/catalog.h); then `apex` is that zone's apex in wire form. May cost a
  // walk over the zones: only catalog queries ask it.
  virtual bool catalog_member(std::string_view id, std::string_view& apex) noexcept {
    (void)id;
    (void)apex;
    return false;
  }
};

}  // namespace rdnsd::dns
