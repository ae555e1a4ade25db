#include "server/xfr/transfer.h"

#include <cstring>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/dhcid_value.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/env.h"
#include "zonestore/names/catalog.h"
#include "zonestore/names/synth.h"

namespace rdnsd::xfr {
namespace {

constexpr uint16_t kTypeSoa = 6, kTypeNs = 2, kTypePtr = 12, kTypeTxt = 16, kTypeOpt = 41;
constexpr uint16_t kTypeDhcid = zonestore::codec::kTypeDhcid;
constexpr uint16_t kEdnsExpire = 9;  // RFC 7314
constexpr uint16_t kOurPayload = 1232;
constexpr size_t kMaxMessage = 65535;
constexpr size_t kOptSize = 11, kExpireSize = 8;

void put_be32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(char(uint8_t(v >> (8 * i))));
}

// The message skeleton every answer shares: header, question on the first message,
// OPT, signature.
class Pump : public Transfer {
 public:
  Pump(RequestEcho echo, std::unique_ptr<MessageSigner> signer)
      : echo_(std::move(echo)), signer_(std::move(signer)) {}

  size_t next(uint8_t* out, size_t cap) final {
    if (done_) return 0;
    cap = std::min(cap, kMaxMessage);
    const size_t reserve =
        (echo_.edns ? kOptSize + (echo_.expire && expire_ ? kExpireSize : 0) : 0) +
        (signer_ ? signer_->reserve() : 0);
    if (cap <= reserve + XfrWriter::kHeader) return fail();
    w_.begin(out, cap - reserve, echo_.id, flags());
    if (first_ && !w_.put_question(echo_.question, echo_.qname_len)) return fail();
    first_ = false;
    const size_t before = sent_;
    done_ = fill(w_);
    if (!done_ && sent_ == before && w_.answers() == 0) return fail();  // one RR never fits
    size_t len = w_.finish();
    uint16_t arcount = 0;
    if (echo_.edns) {
      len = put_opt(out, len);
      ++arcount;
    }
    out[10] = uint8_t(arcount >> 8);
    out[11] = uint8_t(arcount);
    if (signer_) {
      len = signer_->sign(out, len, cap);
      if (len == 0) return fail();
    }
    return len;
  }
  uint64_t records() const final { return sent_; }
  bool failed() const final { return failed_; }

 protected:
  // Adds RRs until the message is full (false) or the answer is complete (true).
  virtual bool fill(XfrWriter& w) = 0;
  virtual uint16_t flags() const { return 0x8400 | (echo_.rd ? 0x0100 : 0); }  // QR AA (RD)
  void set_expire(uint32_t expire) {
    expire_ = true;
    expire_value_ = expire;
  }
  uint64_t sent_ = 0;

 private:
  size_t fail() {
    done_ = true;
    failed_ = true;
    return 0;
  }
  size_t put_opt(uint8_t* out, size_t len) {
    const bool expire = echo_.expire && expire_;
    uint8_t* p = out + len;
    p[0] = 0;  // root
    p[1] = 0;
    p[2] = kTypeOpt;
    p[3] = uint8_t(kOurPayload >> 8);
    p[4] = uint8_t(kOurPayload);
    std::memset(p + 5, 0, 4);  // extended RCODE, version, flags
    p[9] = 0;
    p[10] = expire ? kExpireSize : 0;
    if (expire) {
      p[11] = 0;
      p[12] = kEdnsExpire;
      p[13] = 0;
      p[14] = 4;
      p[15] = uint8_t(expire_value_ >> 24);
      p[16] = uint8_t(expire_value_ >> 16);
      p[17] = uint8_t(expire_value_ >> 8);
      p[18] = uint8_t(expire_value_);
    }
    return len + kOptSize + (expire ? kExpireSize : 0);
  }

  RequestEcho echo_;
  std::unique_ptr<MessageSigner> signer_;
  XfrWriter w_;
  bool first_ = true, done_ = false, failed_ = false;
  bool expire_ = false;
  uint32_t expire_value_ = 0;
};

class ErrorAnswer final : public Pump {
 public:
  ErrorAnswer(RequestEcho echo, uint8_t rcode, const char* kind,
              std::unique_ptr<MessageSigner> signer)
      : Pump(std::move(echo), std::move(signer)), rcode_(rcode), kind_(kind) {}
  const char* kind() const override { return kind_; }

 private:
  bool fill(XfrWriter&) override { return true; }
  uint16_t flags() const override { return uint16_t((Pump::flags() & 0xFB00) | rcode_); }
  uint8_t rcode_;
  const char* kind_;
};

// What every transfer of a zone reads from its snapshot: the zone's SOA and NS.
class ZonePump : public Pump {
 public:
  ZonePump(Snapshot s, RequestEcho echo, std::unique_ptr<MessageSigner> signer)
      : Pump(std::move(echo), std::move(signer)), s_(std::move(s)) {}
  ~ZonePump() override {
    if (cursor_) mdb_cursor_close(cursor_);
    if (dhcid_) mdb_cursor_close(dhcid_);
    zonestore::end_snapshot(s_.txn);  // it passed the reader gate (zonestore/env.h)
  }
  // Reads the zone header; false if the zone is gone or damaged.
  bool load() {
    MDB_val k{s_.apex_key.size(), s_.apex_key.data()}, v;
    if (mdb_get(s_.txn, s_.zones, &k, &v) != 0) return false;
    if (!zonestore::codec::decode_zone_wire({static_cast<const char*>(v.mv_data), v.mv_size},
                                            zone_))
      return false;
    set_expire(zone_.expire);
    return true;
  }
  uint32_t serial() const { return zone_.serial; }

 protected:
  bool put_soa(XfrWriter& w, uint32_t serial) {
    std::string tail;
    put_be32(tail, serial);
    put_be32(tail, zone_.refresh);
    put_be32(tail, zone_.retry);
    put_be32(tail, zone_.expire);
    put_be32(tail, zone_.minimum);
    if (!w.put_rr(s_.apex_wire, kTypeSoa, zone_.soa_ttl, {zone_.mname, zone_.rname}, tail))
      return false;
    ++sent_;
    return true;
  }
  // The NS RRs from the `ns_at`-th on; false when the message filled first.
  bool put_ns(XfrWriter& w) {
    std::string_view block = zone_.ns_block;
    size_t at = 0;
    for (uint8_t i = 0; i < zone_.ns_count; ++i) {
      const size_t len = uint8_t(block[at]);
      std::string_view name = block.substr(at + 1, len);
      at += 1 + len;
      if (i < ns_done_) continue;
      if (!w.put_rr(s_.apex_wire, kTypeNs, zone_.ns_ttl, {name}, {})) return false;
      ++ns_done_;
      ++sent_;
    }
    return true;
  }
  bool put_diff_rr(XfrWriter& w, const DiffRr& rr) {
    const std::string owner = owner_of_key(rr.key);
    bool ok = rr.type == kTypePtr || rr.type == kTypeNs
                  ? w.put_rr(owner, rr.type, rr.ttl, {rr.rdata}, {})
                  : w.put_raw_rr(owner, rr.type, rr.ttl, rr.rdata);
    if (ok) ++sent_;
    return ok;
  }

  Snapshot s_;
  zonestore::codec::ZoneWire zone_{};
  MDB_cursor* cursor_ = nullptr;
  MDB_cursor* dhcid_ = nullptr;  // FullTransfer: the next DHCID at or after the record
  uint8_t ns_done_ = 0;
};

class FullTransfer final : public ZonePump {
 public:
  FullTransfer(Snapshot s, RequestEcho echo, const char* kind,
               std::unique_ptr<MessageSigner> signer)
      : ZonePump(std::move(s), std::move(echo), std::move(signer)), kind_(kind) {}
  const char* kind() const override { return kind_; }

 private:
  enum class Step { Soa, Ns, Records, LastSoa };

  bool fill(XfrWriter& w) override {
    for (;;) {
      switch (step_) {
        case Step::Soa:
          if (!put_soa(w, serial())) return false;
          step_ = Step::Ns;
          break;
        case Step::Ns:
          if (!put_ns(w)) return false;
          step_ = Step::Records;
          break;
        case Step::Records:
          if (!(s_.synth_template.empty() ? put_records(w) : put_every_address(w))) return false;
          step_ = Step::LastSoa;
          break;
        case Step::LastSoa:
          return put_soa(w, serial());
      }
    }
  }

  // The records of the prefix, from the cursor's position on; false when the message
  // filled (the RR that did not fit is sent first in the next one: the PTR, or the
  // DHCID of a record whose PTR went out already).
  bool put_records(XfrWriter& w) {
    MDB_val k, v;
    int rc;
    if (cursor_ == nullptr) {
      if (mdb_cursor_open(s_.txn, s_.ptr, &cursor_) != 0) return true;
      k = {s_.prefix_start.size(), s_.prefix_start.data()};
      rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
      seek_dhcid();
    } else {
      rc = mdb_cursor_get(cursor_, &k, &v, MDB_GET_CURRENT);
    }
    for (; rc == 0; rc = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT)) {
      std::string_view key{static_cast<const char*>(k.mv_data), k.mv_size};
      if (!in_prefix(key)) return true;
      zonestore::codec::PtrValue pv;
      if (!zonestore::codec::decode_ptr_value({static_cast<const char*>(v.mv_data), v.mv_size}, pv))
        continue;
      owner_ = owner_of_key(key);
      if (!ptr_sent_) {
        if (!w.put_rr(owner_, kTypePtr, pv.ttl, {pv.target}, {})) return false;
        ++sent_;
        ptr_sent_ = true;
      }
      if (!put_dhcid(w, key)) return false;
      ptr_sent_ = false;
    }
    return true;
  }
  // An IPv4 zone whose synthesized PTRs go in its transfers: every address of the prefix
  // in order (at most 65,536: a /16), the stored record where there is one, else the
  // synthesized PTR; false when the message filled (resumed at the same address).
  bool put_every_address(XfrWriter& w) {
    const uint32_t first = uint32_t(zonestore::codec::get_be32(s_.prefix_start, 1));
    const uint64_t count = uint64_t(1) << (32 - s_.prefix_length);
    MDB_val k, v;
    if (cursor_ == nullptr) {
      if (mdb_cursor_open(s_.txn, s_.ptr, &cursor_) != 0) return true;
      k = {s_.prefix_start.size(), s_.prefix_start.data()};
      stored_ = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE) == 0;
      seek_dhcid();
    }
    for (; next_ < count; ++next_) {
      const uint32_t a = first + uint32_t(next_);
      const char key[5] = {4, char(a >> 24), char(a >> 16), char(a >> 8), char(a)};
      const std::string_view key_view(key, sizeof key);
      owner_ = owner_of_key(key_view);
      zonestore::codec::PtrValue pv;
      if (stored_ && mdb_cursor_get(cursor_, &k, &v, MDB_GET_CURRENT) == 0 &&
          std::string_view(static_cast<const char*>(k.mv_data), k.mv_size) == key_view &&
          zonestore::codec::decode_ptr_value({static_cast<const char*>(v.mv_data), v.mv_size},
                                             pv)) {
        if (!ptr_sent_) {
          if (!w.put_rr(owner_, kTypePtr, pv.ttl, {pv.target}, {})) return false;
          ++sent_;
          ptr_sent_ = true;
        }
        if (!put_dhcid(w, key_view)) return false;
        ptr_sent_ = false;
        stored_ = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT) == 0;
        continue;
      }
      names::IpAddress addr;
      addr.family = 4;
      std::memcpy(addr.bytes.data(), key + 1, 4);
      char name[names::kMaxWireName];
      const size_t n = names::synth_wire(s_.synth_template, addr, name, sizeof name);
      if (n == 0) continue;
      if (!w.put_rr(owner_, kTypePtr, s_.synth_ttl, {std::string_view(name, n)}, {})) return false;
      ++sent_;
    }
    return true;
  }

  // The DHCID keys are a subset of the PTR keys, so one cursor walks beside the PTRs:
  // at each record it is at the first DHCID key not below the record's.
  void seek_dhcid() {
    dhcid_at_ = {};
    if (mdb_cursor_open(s_.txn, s_.dhcid, &dhcid_) != 0) {
      dhcid_ = nullptr;
      return;
    }
    MDB_val k{s_.prefix_start.size(), s_.prefix_start.data()}, v;
    if (mdb_cursor_get(dhcid_, &k, &v, MDB_SET_RANGE) == 0) take_dhcid(k, v);
  }
  void take_dhcid(const MDB_val& k, const MDB_val& v) {
    dhcid_key_.assign(static_cast<const char*>(k.mv_data), k.mv_size);
    if (!zonestore::codec::decode_dhcid_value({static_cast<const char*>(v.mv_data), v.mv_size},
                                              dhcid_at_))
      dhcid_at_ = {};
    has_dhcid_ = true;
  }
  // Sends the DHCID of `key`, if it has one; false when the message is full.
  bool put_dhcid(XfrWriter& w, std::string_view key) {
    while (has_dhcid_ && dhcid_key_ < key) next_dhcid();
    if (!has_dhcid_ || dhcid_key_ != key) return true;
    if (!dhcid_at_.rdata.empty()) {
      if (!w.put_raw_rr(owner_, kTypeDhcid, dhcid_at_.ttl, dhcid_at_.rdata)) return false;
      ++sent_;
    }
    next_dhcid();
    return true;
  }
  void next_dhcid() {
    MDB_val k, v;
    has_dhcid_ = false;
    if (dhcid_ && mdb_cursor_get(dhcid_, &k, &v, MDB_NEXT) == 0) take_dhcid(k, v);
  }
  bool in_prefix(std::string_view key) const {
    const size_t n = s_.family == 4 ? 4 : 16;
    if (key.size() != 1 + n || uint8_t(key[0]) != s_.family) return false;
    // The first prefix_length bits equal the prefix's.
    const unsigned bits = s_.prefix_length;
    const size_t whole = bits / 8;
    if (std::memcmp(key.data() + 1, s_.prefix_start.data() + 1, whole) != 0) return false;
    if (bits % 8) {
      const uint8_t mask = uint8_t(0xFF << (8 - bits % 8));
      if ((uint8_t(key[1 + whole]) & mask) != (uint8_t(s_.prefix_start[1 + whole]) & mask))
        return false;
    }
    return true;
  }

  const char* kind_;
  Step step_ = Step::Soa;
  std::string owner_;
  bool ptr_sent_ = false;  // the current record's PTR is out, its DHCID may not be
  bool stored_ = false;    // put_every_address: the cursor is at a stored record
  uint64_t next_ = 0;      // put_every_address: the next address, from the prefix's first
  bool has_dhcid_ = false;
  std::string dhcid_key_;
  zonestore::codec::DhcidValue dhcid_at_;
};

class IncrementalTransfer final : public ZonePump {
 public:
  IncrementalTransfer(Snapshot s, RequestEcho echo, uint32_t from, std::vector<DiffRr> removed,
                      std::vector<DiffRr> added, std::unique_ptr<MessageSigner> signer)
      : ZonePump(std::move(s), std::move(echo), std::move(signer)),
        from_(from),
        removed_(std::move(removed)),
        added_(std::move(added)) {}
  const char* kind() const override { return "IXFR"; }

 private:
  bool fill(XfrWriter& w) override {
    for (;;) {
      switch (step_) {
        case 0:  // the current SOA opens the answer
        case 3:  // it starts the additions (the new version's SOA)
        case 5:  // and closes the answer
          if (!put_soa(w, serial())) return false;
          if (step_ == 5) return true;
          ++step_;
          break;
        case 1:  // the client's version: the deletions start
          if (!put_soa(w, from_)) return false;
          ++step_;
          break;
        case 2:
          for (; i_ < removed_.size(); ++i_)
            if (!put_diff_rr(w, removed_[i_])) return false;
          i_ = 0;
          ++step_;
          break;
        case 4:
          for (; i_ < added_.size(); ++i_)
            if (!put_diff_rr(w, added_[i_])) return false;
          ++step_;
          break;
      }
    }
  }

  uint32_t from_;
  std::vector<DiffRr> removed_, added_;
  int step_ = 0;
  size_t i_ = 0;
};

class SoaAnswer final : public ZonePump {
 public:
  using ZonePump::ZonePump;
  const char* kind() const override { return "SOA"; }

 private:
  bool fill(XfrWriter& w) override { return put_soa(w, serial()); }
};

// The catalog zone from its snapshot: SOA, NS, version TXT, the members' PTRs, SOA; or
// the SOA alone (`soa_only`).
class CatalogPump final : public Pump {
 public:
  CatalogPump(CatalogSnapshot c, RequestEcho echo, const char* kind, bool soa_only,
              std::unique_ptr<MessageSigner> signer)
      : Pump(std::move(echo), std::move(signer)), c_(std::move(c)), kind_(kind) {
    set_expire(c_.zone.expire);
    if (soa_only) step_ = Step::LastSoa;
  }
  const char* kind() const override { return kind_; }

 private:
  enum class Step { Soa, Ns, Version, Members, LastSoa };

  bool fill(XfrWriter& w) override {
    const dns::CatalogZone& z = c_.zone;
    for (;;) {
      switch (step_) {
        case Step::Soa:
          if (!put_soa(w)) return false;
          step_ = Step::Ns;
          break;
        case Step::Ns:
          if (!put(w, z.apex_wire, kTypeNs, {dns::catalog::kNsWire}, {})) return false;
          step_ = Step::Version;
          break;
        case Step::Version:
          if (!put(w, version_owner(), kTypeTxt, {}, dns::catalog::kVersionRdata)) return false;
          step_ = Step::Members;
          break;
        case Step::Members:
          for (; next_ < c_.members.size(); ++next_)
            if (!put(w, member_owner(c_.members[next_]), kTypePtr, {c_.members[next_]}, {}))
              return false;
          step_ = Step::LastSoa;
          break;
        case Step::LastSoa:
          return put_soa(w);
      }
    }
  }
  bool put(XfrWriter& w, std::string_view owner, uint16_t type,
           std::initializer_list<std::string_view> names, std::string_view tail) {
    if (!w.put_rr(owner, type, c_.zone.ttl, names, tail)) return false;
    ++sent_;
    return true;
  }
  bool put_soa(XfrWriter& w) {
    const dns::CatalogZone& z = c_.zone;
    std::string tail;
    for (uint32_t v : {c_.serial, z.refresh, z.retry, z.expire, z.minimum}) put_be32(tail, v);
    return put(w, z.apex_wire, kTypeSoa, {z.mname, z.rname}, tail);
  }
  std::string version_owner() const {
    return std::string(dns::catalog::kVersionLabel) + c_.zone.apex_wire;
  }
  std::string member_owner(std::string_view apex) const {
    return std::string(1, char(names::kCatalogIdLen)) + names::catalog_member_id(apex) +
           std::string(dns::catalog::kZonesLabel) + c_.zone.apex_wire;
  }

  CatalogSnapshot c_;
  const char* kind_;
  Step step_ = Step::Soa;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Transfer> catalog_transfer(CatalogSnapshot c, RequestEcho echo, const char* kind,
                                           std::unique_ptr<MessageSigner> signer) {
  return std::make_unique<CatalogPump>(std::move(c), std::move(echo), kind, false,
                                       std::move(signer));
}

std::unique_ptr<Transfer> catalog_soa(CatalogSnapshot c, RequestEcho echo,
                                      std::unique_ptr<MessageSigner> signer) {
  return std::make_unique<CatalogPump>(std::move(c), std::move(echo), "SOA", true,
                                       std::move(signer));
}

std::string owner_of_key(std::string_view key) {
  std::string out;
  if (key.size() == 5 && key[0] == 4) {
    for (int i = 4; i >= 1; --i) {
      std::string label = std::to_string(uint8_t(key[size_t(i)]));
      out.push_back(char(label.size()));
      out += label;
    }
    out += std::string_view("\7in-addr\4arpa\0", 14);
  } else if (key.size() == 17 && key[0] == 6) {
    static const char kHex[] = "0123456789abcdef";
    for (int i = 16; i >= 1; --i) {
      const uint8_t b = uint8_t(key[size_t(i)]);
      out.push_back(1);
      out.push_back(kHex[b & 15]);
      out.push_back(1);
      out.push_back(kHex[b >> 4]);
    }
    out += std::string_view("\3ip6\4arpa\0", 10);
  }
  return out;
}

std::unique_ptr<Transfer> error_answer(RequestEcho echo, uint8_t rcode, const char* kind,
                                       std::unique_ptr<MessageSigner> signer) {
  return std::make_unique<ErrorAnswer>(std::move(echo), rcode, kind, std::move(signer));
}

std::unique_ptr<Transfer> full_transfer(Snapshot s, RequestEcho echo, const char* kind,
                                        std::unique_ptr<MessageSigner> signer) {
  auto t = std::make_unique<FullTransfer>(std::move(s), echo, kind, std::move(signer));
  if (t->load()) return t;
  return error_answer(std::move(echo), 2, "SERVFAIL", nullptr);
}

std::unique_ptr<Transfer> incremental_transfer(Snapshot s, RequestEcho echo, uint32_t from,
                                               std::vector<DiffRr> removed,
                                               std::vector<DiffRr> added,
                                               std::unique_ptr<MessageSigner> signer) {
  auto t = std::make_unique<IncrementalTransfer>(std::move(s), echo, from, std::move(removed),
                                                 std::move(added), std::move(signer));
  if (t->load()) return t;
  return error_answer(std::move(echo), 2, "SERVFAIL", nullptr);
}

std::unique_ptr<Transfer> soa_answer(Snapshot s, RequestEcho echo,
                                     std::unique_ptr<MessageSigner> signer) {
  auto t = std::make_unique<SoaAnswer>(std::move(s), echo, std::move(signer));
  if (t->load()) return t;
  return error_answer(std::move(echo), 2, "SERVFAIL", nullptr);
}

}  // namespace rdnsd::xfr
