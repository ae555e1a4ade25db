#include "server/xfr/service.h"

#include "server/dns/query.h"
#include "server/dns/wire.h"
#include "server/xfr/signers.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/env.h"
#include "zonestore/journal.h"
#include "zonestore/names/serial.h"

namespace rdnsd::xfr {
namespace {

constexpr uint8_t kFormErr = 1, kServFail = 2, kNotAuth = 9, kRefused = 5;
constexpr uint16_t kTypeSoa = 6, kTypeOpt = 41;
constexpr uint16_t kEdnsExpire = 9;

// What the sections after the question say that the answer core's parser does not
// keep: the IXFR's SOA serial (RFC 1995 section 3: the first authority RR) and whether
// the OPT RR asks for EXPIRE. False if they do not parse.
struct Sections {
  bool has_soa = false;
  uint32_t serial = 0;
  bool expire = false;
};
bool read_sections(const uint8_t* msg, size_t len, const dns::Query& q, Sections& out) {
  dns::WireReader r(msg, len);
  r.skip(q.question_end);
  const unsigned counts[3] = {q.ancount, q.nscount, q.arcount};
  for (int section = 0; section < 3; ++section) {
    for (unsigned i = 0; i < counts[section]; ++i) {
      if (!r.skip_name()) return false;
      const uint16_t type = r.u16();
      r.u16();  // class
      r.u32();  // TTL
      const uint16_t rdlen = r.u16();
      const size_t rdata_at = r.pos();
      const uint8_t* rdata = r.take(rdlen);
      if (!r.ok() || rdata == nullptr) return false;
      if (section == 1 && i == 0 && type == kTypeSoa) {
        dns::WireReader s(msg, rdata_at + rdlen);
        s.skip(rdata_at);
        if (!s.skip_name() || !s.skip_name()) return false;
        out.serial = s.u32();
        if (!s.ok() || s.remaining() != 16) return false;
        out.has_soa = true;
      }
      if (section == 2 && type == kTypeOpt) {
        for (size_t at = 0; at + 4 <= rdlen;) {
          const uint16_t code = uint16_t(rdata[at] << 8 | rdata[at + 1]);
          const uint16_t olen = uint16_t(rdata[at + 2] << 8 | rdata[at + 3]);
          if (code == kEdnsExpire) out.expire = true;
          at += 4 + size_t(olen);
        }
      }
    }
  }
  return true;
}

std::string peer_text(const names::IpAddress& a) {
  return names::format_ip(a);
}

// The catalog's serial and members in the read transaction `txn`; false if the serial
// cannot be read.
bool read_catalog(MDB_txn* txn, const zonestore::Store& store, CatalogSnapshot& out) {
  using zonestore::codec::view;
  const std::string_view key = zonestore::codec::kInfoCatalogSerial;
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  if (mdb_get(txn, store.info_dbi(), &k, &v) != 0) return false;
  const auto serial = zonestore::codec::decode_catalog_serial(view(v));
  if (!serial) return false;
  out.serial = *serial;
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(txn, store.zones_dbi(), &cur) != 0) return false;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    zonestore::codec::ZoneWire w;
    if (zonestore::codec::decode_zone_wire(view(v), w) && w.flags.served())
      out.members.push_back(names::key_to_wire(view(k)));
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND;
}

// Keeps the count of transfers at once: one less when the transfer is done.
class Counted final : public Transfer {
 public:
  Counted(std::unique_ptr<Transfer> inner, std::atomic<unsigned>& active)
      : inner_(std::move(inner)), active_(active) {}
  ~Counted() override { active_.fetch_sub(1); }
  void adopt(const std::string& zone, uint32_t serial, const names::IpAddress& peer) {
    this->zone = zone;
    this->serial = serial;
    this->peer = peer;
  }
  size_t next(uint8_t* out, size_t cap) override { return inner_->next(out, cap); }
  const char* kind() const override { return inner_->kind(); }
  uint64_t records() const override { return inner_->records(); }
  bool failed() const override { return inner_->failed(); }

 private:
  std::unique_ptr<Transfer> inner_;
  std::atomic<unsigned>& active_;
};

}  // namespace

const std::vector<AclRule>& TransferPolicy::rules_for(const std::string& apex) const {
  auto it = zones.find(apex);
  return it != zones.end() ? it->second : defaults;
}

bool allowed(const std::vector<AclRule>& rules, const names::IpAddress& address,
             const std::string& key) {
  for (const AclRule& rule : rules) {
    if (rule.from && !names::prefix_contains(*rule.from, address)) continue;
    if (!rule.key.empty() && rule.key != key) continue;
    return true;
  }
  return false;
}

Service::Service(const zonestore::Store& store, TransferPolicy policy, TransferLimits limits,
                 Log log, std::shared_ptr<const tsig::Keyring> keys)
    : store_(store),
      limits_(limits),
      log_(std::move(log)),
      policy_(std::make_shared<const TransferPolicy>(std::move(policy))),
      keys_(keys ? std::move(keys) : std::make_shared<const tsig::Keyring>()) {}

void Service::set_keys(std::shared_ptr<const tsig::Keyring> keys) {
  if (!keys) keys = std::make_shared<const tsig::Keyring>();
  std::lock_guard<std::mutex> lock(policy_mutex_);
  keys_ = std::move(keys);
}

void Service::set_policy(TransferPolicy policy) {
  auto p = std::make_shared<const TransferPolicy>(std::move(policy));
  std::lock_guard<std::mutex> lock(policy_mutex_);
  policy_ = std::move(p);
}

void Service::set_catalog(dns::CatalogZone catalog) {
  auto c = std::make_shared<const dns::CatalogZone>(std::move(catalog));
  std::lock_guard<std::mutex> lock(policy_mutex_);
  catalog_ = std::move(c);
}

std::shared_ptr<const TransferPolicy> Service::policy() const {
  std::lock_guard<std::mutex> lock(policy_mutex_);
  return policy_;
}

bool Service::is_transfer(const uint8_t* msg, size_t len) noexcept {
  if (len < dns::kHeaderSize || (msg[2] & 0x80) != 0 || ((msg[2] >> 3) & 0x0F) != 0) return false;
  if (msg[4] != 0 || msg[5] != 1) return false;
  size_t at = dns::kHeaderSize;
  while (at < len && msg[at] != 0) {
    if ((msg[at] & 0xC0) != 0) return false;
    at += 1 + msg[at];
  }
  if (at + 3 > len) return false;
  const uint16_t qtype = uint16_t(msg[at + 1] << 8 | msg[at + 2]);
  return qtype == dns::rrtype::kAxfr || qtype == dns::rrtype::kIxfr;
}

std::unique_ptr<Transfer> Service::start(const uint8_t* msg, size_t len,
                                         const names::IpAddress& peer) {
  RequestEcho echo;
  echo.id = uint16_t(msg[0] << 8 | msg[1]);
  echo.rd = (msg[2] & dns::flag::kRd) != 0;
  dns::Query q;
  const dns::ParseResult parsed = dns::parse_query(msg, len, q);
  if (parsed == dns::ParseResult::Ok || parsed == dns::ParseResult::BadSections) {
    echo.question.assign(reinterpret_cast<const char*>(msg) + dns::kHeaderSize,
                         q.question_end - dns::kHeaderSize);
    echo.qname_len = q.qname_len;
  }
  Sections sections;
  if (parsed != dns::ParseResult::Ok || !read_sections(msg, len, q, sections))
    return error_answer(std::move(echo), kFormErr, "FORMERR", nullptr);
  echo.edns = q.edns.present;
  echo.expire = sections.expire;
  const bool ixfr = q.qtype == dns::rrtype::kIxfr;
  const char* what = ixfr ? "IXFR" : "AXFR";
  std::shared_ptr<const tsig::Keyring> keys;
  std::shared_ptr<const dns::CatalogZone> catalog;
  {
    std::lock_guard<std::mutex> lock(policy_mutex_);
    keys = keys_;
    catalog = catalog_;
  }
  // RFC 8945 5.2: a TSIG is checked before anything else is decided.
  const tsig::Verified verified =
      tsig::verify_request(msg, len, *keys, uint64_t(std::time(nullptr)));
  switch (verified.status) {
    case tsig::Status::None:
    case tsig::Status::Ok:
      break;
    case tsig::Status::FormErr:
      log_(logging::Level::Warning,
           std::string(what) + " from " + peer_text(peer) + ": malformed TSIG (FORMERR)", {});
      return error_answer(std::move(echo), kFormErr, "FORMERR", nullptr);
    default: {
      static const char* const why[] = {"", "", "", "BADKEY", "BADSIG", "BADTIME", "BADTRUNC"};
      log_(logging::Level::Warning,
           std::string(what) + " from " + peer_text(peer) + " refused: TSIG " +
               why[size_t(verified.status)] + " (NOTAUTH)",
           {});
      return error_answer(std::move(echo), tsig::kRcodeNotAuth, "NOTAUTH",
                          error_signer(keys, verified));
    }
  }
  const bool is_signed = verified.status == tsig::Status::Ok;
  auto signer = [&]() -> std::unique_ptr<MessageSigner> {
    return is_signed ? stream_signer(keys, verified) : nullptr;
  };
  if (ixfr && !sections.has_soa) {
    log_(logging::Level::Warning,
         "IXFR from " + peer_text(peer) + " refused: no SOA in its authority section (FORMERR)",
         {});
    return error_answer(std::move(echo), kFormErr, "FORMERR", signer());
  }
  const std::string apex_key(q.key());
  const std::string apex = names::wire_to_text(names::key_to_wire(apex_key));
  const std::string key_name = is_signed ? verified.key->name : std::string();
  if (catalog && catalog->enabled() && q.qclass == dns::rrclass::kIn &&
      apex_key == catalog->apex_key)
    return start_catalog(*catalog, std::move(echo), ixfr, sections.serial, peer, key_name,
                         signer());

  MDB_txn* txn = nullptr;
  if (zonestore::begin_snapshot(store_.env(), &txn) != 0)
    return error_answer(std::move(echo), kServFail, "SERVFAIL", signer());
  Snapshot snap;
  snap.txn = txn;  // owned by the transfer from here on, or aborted below
  auto drop = [&] {
    zonestore::end_snapshot(snap.txn);
    snap.txn = nullptr;
  };
  MDB_val k{apex_key.size(), const_cast<char*>(apex_key.data())}, v;
  zonestore::codec::ZoneWire zone{};
  if (q.qclass != dns::rrclass::kIn || mdb_get(txn, store_.zones_dbi(), &k, &v) != 0 ||
      !zonestore::codec::decode_zone_wire({static_cast<const char*>(v.mv_data), v.mv_size}, zone) ||
      !zone.flags.served()) {
    drop();
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " from " + peer_text(peer) +
             ": not a zone served here (NOTAUTH)",
         {});
    return error_answer(std::move(echo), kNotAuth, "NOTAUTH", signer());
  }
  if (!allowed(policy()->rules_for(apex), peer, key_name)) {
    drop();
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " to " + peer_text(peer) +
             (key_name.empty() ? std::string() : " key " + key_name) + " refused: not allowed",
         {});
    return error_answer(std::move(echo), kRefused, "REFUSED", signer());
  }
  if (active_.fetch_add(1) >= limits_.max_transfers) {
    active_.fetch_sub(1);
    drop();
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " to " + peer_text(peer) +
             ": too many transfers at once (SERVFAIL)",
         {});
    return error_answer(std::move(echo), kServFail, "SERVFAIL", signer());
  }

  snap.zones = store_.zones_dbi();
  snap.ptr = store_.ptr_dbi();
  snap.dhcid = store_.dhcid_dbi();
  snap.apex_key = apex_key;
  snap.apex_wire = names::key_to_wire(apex_key);
  const zonestore::Zone z =
      zonestore::codec::decode_zone(apex_key, {static_cast<const char*>(v.mv_data), v.mv_size});
  snap.family = z.settings.prefix.addr.family;
  snap.prefix_length = z.settings.prefix.length;
  snap.prefix_start = zonestore::codec::meta_key(z.settings.prefix.addr);
  if (z.settings.synth && z.settings.synth->in_transfer && snap.family == 4 &&
      snap.prefix_length >= 16) {
    snap.synth_template = z.settings.synth->tmpl;
    snap.synth_ttl = z.settings.synth->ttl;
  }

  std::unique_ptr<Transfer> t;
  std::optional<zonestore::JournalDiff> diff;
  // A zone with synthesized PTRs in its transfers answers IXFR AXFR-style: its journal
  // has the records, not the synthesized names they hide or uncover.
  if (ixfr && serial::less(sections.serial, zone.serial) && snap.synth_template.empty())
    diff = zonestore::journal_diff(txn, store_.journal_dbi(), apex_key, sections.serial);
  if (ixfr && !serial::less(sections.serial, zone.serial)) {
    t = soa_answer(std::move(snap), std::move(echo), signer());
  } else if (diff && diff->to_serial == zone.serial) {
    t = incremental_transfer(std::move(snap), std::move(echo), sections.serial,
                             std::move(diff->removed), std::move(diff->added), signer());
  } else {
    t = full_transfer(std::move(snap), std::move(echo), ixfr ? "IXFR (AXFR-style)" : "AXFR",
                      signer());
  }
  auto counted = std::make_unique<Counted>(std::move(t), active_);
  counted->adopt(apex, zone.serial, peer);
  return counted;
}

// The catalog's transfer: the same ACL and limit as a zone's, then its snapshot, read
// whole at once (a transaction is not held while it is sent).
std::unique_ptr<Transfer> Service::start_catalog(const dns::CatalogZone& catalog, RequestEcho echo,
                                                 bool ixfr, uint32_t client_serial,
                                                 const names::IpAddress& peer,
                                                 const std::string& key_name,
                                                 std::unique_ptr<MessageSigner> signer) {
  const char* what = ixfr ? "IXFR" : "AXFR";
  const std::string apex = names::wire_to_text(catalog.apex_wire);
  if (!allowed(policy()->rules_for(apex), peer, key_name)) {
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " to " + peer_text(peer) +
             (key_name.empty() ? std::string() : " key " + key_name) + " refused: not allowed",
         {});
    return error_answer(std::move(echo), kRefused, "REFUSED", std::move(signer));
  }
  CatalogSnapshot snap;
  snap.zone = catalog;
  MDB_txn* txn = nullptr;
  bool read = zonestore::begin_snapshot(store_.env(), &txn) == 0;
  if (read) {
    read = read_catalog(txn, store_, snap);
    zonestore::end_snapshot(txn);
  }
  if (!read) {
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " to " + peer_text(peer) +
             ": cannot read the catalog (SERVFAIL)",
         {});
    return error_answer(std::move(echo), kServFail, "SERVFAIL", std::move(signer));
  }
  if (active_.fetch_add(1) >= limits_.max_transfers) {
    active_.fetch_sub(1);
    log_(logging::Level::Warning,
         std::string(what) + " of " + apex + " to " + peer_text(peer) +
             ": too many transfers at once (SERVFAIL)",
         {});
    return error_answer(std::move(echo), kServFail, "SERVFAIL", std::move(signer));
  }
  const uint32_t serial = snap.serial;
  std::unique_ptr<Transfer> t;
  if (ixfr && !serial::less(client_serial, serial))
    t = catalog_soa(std::move(snap), std::move(echo), std::move(signer));
  else
    t = catalog_transfer(std::move(snap), std::move(echo), ixfr ? "IXFR (AXFR-style)" : "AXFR",
                         std::move(signer));
  auto counted = std::make_unique<Counted>(std::move(t), active_);
  counted->adopt(apex, serial, peer);
  return counted;
}

void Service::finished(const Transfer& t, bool complete) {
  if (t.zone.empty()) return;  // a refusal, logged when it was made
  const std::string kind = t.kind();
  if (kind == "SERVFAIL") return;
  log_(logging::Level::Info,
       kind + " of " + t.zone + " serial " + std::to_string(t.serial) + " to " + peer_text(t.peer) +
           (complete ? ": " : ": broken off after ") + std::to_string(t.records()) + " records, " +
           std::to_string(t.messages) + " messages, " + std::to_string(t.bytes) + " bytes",
       {});
  if (complete && on_done) on_done(t);
}

}  // namespace rdnsd::xfr
