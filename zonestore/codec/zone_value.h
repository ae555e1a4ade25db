#pragma once
// The `zones` value: one zone's header (SOA, settings, serial, counts) and its names.
//
// key = apex key (zonestore/codec/keys.h); value (all integers big-endian):
//   off size field
//   0   4    serial
//   4   4    SOA TTL (also the NS TTL, unless the NS TTL below is set)
//   8   4    refresh
//   12  4    retry
//   16  4    expire
//   20  4    minimum
//   24  4    default PTR TTL
//   28  1    flags (ZoneFlags): bit 0 served, bit 1 origin admin, bits 2-3 FCrDNS mode
//            (fcrdns::Mode: 0 off, 1 warn, 2 require), bits 4-7 zero
//   29  1    serial policy (serial::Policy)
//   30  1    prefix family (4 or 6)
//   31  1    prefix length
//   32  16   prefix address (an IPv4 prefix in the first 4 bytes, the rest zero)
//   48  8    max records (0: none)
//   56  8    record count
//   64  1    mname wire length M, then M bytes of wire name
//   ..  1    rname wire length R, then R bytes
//   ..  1    NS count N, then N x (1 length L, L bytes of wire name)
//   ..  8    journal max depth (entries; 0: no journal)
//   ..  8    journal max size (bytes)
//   ..  4    NS TTL; 0xFFFFFFFF: none, the NS RRset takes the SOA TTL
//   ..  1    synthesis flags: bit 0 on, bit 1 in transfers (ZoneSettings::synth)
//   ..  4    synthesized PTR TTL
//   ..  1    template length T (0..kMaxSynthTemplate), then T bytes of template text
// The two journal limits are absent in a schema 2 value, which reads with their defaults
// (ZoneSettings), and the NS TTL and synthesis in a value written before they existed,
// which read as none; a value ends after the NS names, after both limits, after the NS
// TTL or after the template, nowhere else.
//
// The zone's serial lives here, so a record change and its serial step are in one
// transaction by construction.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zonestore/names/fcrdns_mode.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore::codec {

// Offsets of the fixed part (the table above).
inline constexpr size_t kZoneSerialAt = 0, kZoneSoaTtlAt = 4, kZoneRefreshAt = 8, kZoneRetryAt = 12,
                        kZoneExpireAt = 16, kZoneMinimumAt = 20, kZoneDefaultTtlAt = 24,
                        kZoneFlagsAt = 28, kZonePolicyAt = 29, kZoneFamilyAt = 30,
                        kZoneLengthAt = 31, kZonePrefixAt = 32, kZoneMaxRecordsAt = 48,
                        kZoneRecordCountAt = 56;
inline constexpr size_t kZoneFixed = 64;     // then the names
inline constexpr size_t kZoneTrailer = 16;   // the journal limits after the names
inline constexpr size_t kZoneNsTtlSize = 4;  // then the NS TTL
inline constexpr uint32_t kZoneNoNsTtl = 0xFFFFFFFFu;
inline constexpr size_t kZoneSynthFixed = 6;  // flags, TTL, template length
inline constexpr uint8_t kZoneSynthOn = 1, kZoneSynthInTransfer = 2;

// Byte 28 of a zone value, with a name for each bit.
class ZoneFlags {
 public:
  static constexpr uint8_t kServed = 1 << 0;       // answered for (else REFUSED)
  static constexpr uint8_t kOriginAdmin = 1 << 1;  // made by zone-add, not the config
  static constexpr int kFcrdnsShift = 2;           // bits 2-3: fcrdns::Mode
  static constexpr uint8_t kFcrdnsMask = 3 << kFcrdnsShift;

  constexpr ZoneFlags() noexcept = default;
  constexpr explicit ZoneFlags(uint8_t bits) noexcept : bits_(bits) {}
  static constexpr ZoneFlags make(bool served, ZoneOrigin origin, fcrdns::Mode mode) noexcept {
    return ZoneFlags(uint8_t((served ? kServed : 0) |
                             (origin == ZoneOrigin::Admin ? kOriginAdmin : 0) |
                             (uint8_t(mode) & 3) << kFcrdnsShift));
  }

  constexpr bool served() const noexcept { return bits_ & kServed; }
  constexpr ZoneOrigin origin() const noexcept {
    return (bits_ & kOriginAdmin) ? ZoneOrigin::Admin : ZoneOrigin::Config;
  }
  // The FCrDNS mode bits, 0..3; 3 is no fcrdns::Mode (a corrupt value).
  constexpr uint8_t fcrdns_bits() const noexcept { return (bits_ & kFcrdnsMask) >> kFcrdnsShift; }
  constexpr uint8_t bits() const noexcept { return bits_; }

 private:
  uint8_t bits_ = 0;
};

// What the answer path reads of a zone value, as views into it (no allocation).
struct ZoneWire {
  uint32_t serial, soa_ttl, refresh, retry, expire, minimum, default_ttl;
  uint32_t ns_ttl;  // the NS RRset's TTL: the stored NS TTL, or the SOA TTL when none
  // Synthesis (names/synth.h): the template (empty: none), its TTL, in transfers or not.
  std::string_view synth_template;
  uint32_t synth_ttl;
  bool synth_in_transfer;
  ZoneFlags flags;
  std::string_view mname, rname;  // wire names, pointing into the value
  std::string_view ns_block;      // N x (len, wire) after the NS count byte
  uint8_t ns_count;
  // After the NS names: empty, the kZoneTrailer bytes of limits, or those and the NS TTL.
  std::string_view trailer;
};
// Decodes a zone value without allocating; false if it is malformed (too short, a name
// running past the end, anything after the NS names but the journal limits).
bool decode_zone_wire(std::string_view value, ZoneWire& out) noexcept;

// The whole zone, for the admin side. encode_zone throws bad_name for a name that is
// not a domain name; decode_zone throws StoreError("internal") on a corrupt value.
std::string encode_zone(const Zone& zone);
Zone decode_zone(std::string_view apex_key, std::string_view value);

}  // namespace rdnsd::zonestore::codec
