#include "zonestore/codec/zone_value.h"

#include <cstring>

#include "zonestore/codec/bytes.h"

namespace rdnsd::zonestore::codec {

namespace {

void put_name(std::string& out, std::string_view text) {
  auto wire = names::text_to_wire(text);
  if (!wire) throw StoreError("bad_name", "'" + std::string(text) + "' is not a domain name");
  out += char(wire->size());
  out += *wire;
}

// The next name of an NS block that decode_zone_wire has checked.
std::string_view next_name(std::string_view block, size_t& off) {
  size_t len = uint8_t(block[off]);
  std::string_view out = block.substr(off + 1, len);
  off += 1 + len;
  return out;
}

}  // namespace

bool decode_zone_wire(std::string_view v, ZoneWire& w) noexcept {
  if (v.size() < kZoneFixed + 3) return false;
  w.serial = uint32_t(get_be(v, kZoneSerialAt, 4));
  w.soa_ttl = uint32_t(get_be(v, kZoneSoaTtlAt, 4));
  w.refresh = uint32_t(get_be(v, kZoneRefreshAt, 4));
  w.retry = uint32_t(get_be(v, kZoneRetryAt, 4));
  w.expire = uint32_t(get_be(v, kZoneExpireAt, 4));
  w.minimum = uint32_t(get_be(v, kZoneMinimumAt, 4));
  w.default_ttl = uint32_t(get_be(v, kZoneDefaultTtlAt, 4));
  w.flags = ZoneFlags(uint8_t(v[kZoneFlagsAt]));
  size_t off = kZoneFixed;
  size_t m = uint8_t(v[off]);
  if (off + 1 + m + 1 > v.size()) return false;
  w.mname = v.substr(off + 1, m);
  off += 1 + m;
  size_t r = uint8_t(v[off]);
  if (off + 1 + r + 1 > v.size()) return false;
  w.rname = v.substr(off + 1, r);
  off += 1 + r;
  w.ns_count = uint8_t(v[off]);
  // Validate the NS block once so readers can walk it without checks.
  std::string_view rest = v.substr(off + 1);
  size_t p = 0;
  for (uint8_t i = 0; i < w.ns_count; ++i) {
    if (p >= rest.size()) return false;
    p += 1 + uint8_t(rest[p]);
  }
  if (p > rest.size()) return false;
  w.ns_block = rest.substr(0, p);
  w.trailer = rest.substr(p);
  w.ns_ttl = w.soa_ttl;
  w.synth_template = {};
  w.synth_ttl = 0;
  w.synth_in_transfer = false;
  if (w.trailer.empty() || w.trailer.size() == kZoneTrailer) return true;
  if (w.trailer.size() < kZoneTrailer + kZoneNsTtlSize) return false;
  const uint32_t ns_ttl = uint32_t(get_be(w.trailer, kZoneTrailer, 4));
  if (ns_ttl != kZoneNoNsTtl) w.ns_ttl = ns_ttl;
  std::string_view synth = w.trailer.substr(kZoneTrailer + kZoneNsTtlSize);
  if (synth.empty()) return true;
  if (synth.size() < kZoneSynthFixed || synth.size() != kZoneSynthFixed + uint8_t(synth[5]))
    return false;
  const uint8_t flags = uint8_t(synth[0]);
  if (flags & kZoneSynthOn) {
    w.synth_template = synth.substr(kZoneSynthFixed);
    w.synth_ttl = uint32_t(get_be(synth, 1, 4));
    w.synth_in_transfer = flags & kZoneSynthInTransfer;
  }
  return true;
}

std::string encode_zone(const Zone& z) {
  const ZoneSettings& s = z.settings;
  std::string out;
  out.reserve(128);
  for (uint32_t v : {z.serial, s.soa.ttl, s.soa.refresh, s.soa.retry, s.soa.expire, s.soa.minimum,
                     s.default_ttl})
    put_be(out, v, 4);
  out += char(ZoneFlags::make(z.served, z.origin, s.fcrdns).bits());
  out += char(s.policy);
  out += char(s.prefix.addr.family);
  out += char(s.prefix.length);
  out.append(reinterpret_cast<const char*>(s.prefix.addr.bytes.data()), 16);
  put_be(out, s.max_records, 8);
  put_be(out, z.record_count, 8);
  put_name(out, s.soa.mname);
  put_name(out, s.soa.rname);
  out += char(s.ns.size());
  for (const auto& ns : s.ns) put_name(out, ns);
  put_be(out, s.journal_max_depth, 8);
  put_be(out, s.journal_max_size, 8);
  put_be(out, s.ns_ttl.value_or(kZoneNoNsTtl), 4);
  const std::string_view tmpl = s.synth ? std::string_view(s.synth->tmpl) : std::string_view();
  if (tmpl.size() > 255) throw StoreError("bad_request", "the synthesize template is too long");
  out += char(s.synth ? kZoneSynthOn | (s.synth->in_transfer ? kZoneSynthInTransfer : 0) : 0);
  put_be(out, s.synth ? s.synth->ttl : 0, 4);
  out += char(tmpl.size());
  out += tmpl;
  return out;
}

Zone decode_zone(std::string_view apex_key, std::string_view value) {
  ZoneWire w;
  if (!decode_zone_wire(value, w)) throw StoreError("internal", "corrupt zone in store");
  if (w.flags.fcrdns_bits() > uint8_t(fcrdns::Mode::Require))
    throw StoreError("internal", "corrupt zone in store");
  Zone z;
  z.apex = names::wire_to_text(names::key_to_wire(apex_key));
  z.serial = w.serial;
  z.served = w.flags.served();
  z.origin = w.flags.origin();
  ZoneSettings& s = z.settings;
  s.soa.ttl = w.soa_ttl;
  s.soa.refresh = w.refresh;
  s.soa.retry = w.retry;
  s.soa.expire = w.expire;
  s.soa.minimum = w.minimum;
  s.default_ttl = w.default_ttl;
  s.fcrdns = fcrdns::Mode(w.flags.fcrdns_bits());
  s.policy = serial::Policy(uint8_t(value[kZonePolicyAt]));
  s.prefix.addr.family = uint8_t(value[kZoneFamilyAt]);
  s.prefix.length = uint8_t(value[kZoneLengthAt]);
  std::memcpy(s.prefix.addr.bytes.data(), value.data() + kZonePrefixAt, 16);
  s.max_records = get_be(value, kZoneMaxRecordsAt, 8);
  z.record_count = get_be(value, kZoneRecordCountAt, 8);
  s.soa.mname = names::wire_to_text(w.mname);
  s.soa.rname = names::wire_to_text(w.rname);
  size_t off = 0;
  for (uint8_t i = 0; i < w.ns_count; ++i)
    s.ns.push_back(names::wire_to_text(next_name(w.ns_block, off)));
  if (!w.trailer.empty()) {
    s.journal_max_depth = get_be(w.trailer, 0, 8);
    s.journal_max_size = get_be(w.trailer, 8, 8);
  }
  if (w.trailer.size() >= kZoneTrailer + kZoneNsTtlSize &&
      get_be(w.trailer, kZoneTrailer, 4) != kZoneNoNsTtl)
    s.ns_ttl = uint32_t(get_be(w.trailer, kZoneTrailer, 4));
  if (!w.synth_template.empty())
    s.synth = SynthSettings{std::string(w.synth_template), w.synth_ttl, w.synth_in_transfer};
  return z;
}

}  // namespace rdnsd::zonestore::codec
