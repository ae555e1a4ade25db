// The handler's whole-zone operations: import (the records of a master file, as rdnsctl
// read them, in one write transaction) and export (a zone as master-file lines, streamed
// from one read snapshot).
#include <algorithm>
#include <functional>
#include <map>

#include "admin/ops/handler.h"
#include "admin/ops/master_file.h"
#include "admin/ops/views.h"
#include "zonestore/codec/dhcid_value.h"

// Last: ldns may define bool/true/false as macros.
#include <ldns/ldns.h>
#undef bool
#undef true
#undef false

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

// Why an import record was left out (docs/ADMIN-PROTOCOL.md, "import").
struct Skip {
  size_t index;
  std::string reason, message;
};

bool equal_nocase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y));
  });
}

// The checks that need no store: an IN PTR record at the full reverse name of one
// address, the first one for that address. Returns the address, or a skip reason.
std::optional<names::IpAddress> import_address(const ImportRecord& r, size_t i,
                                               std::map<std::string, size_t>& seen,
                                               std::vector<Skip>& skips) {
  if (!equal_nocase(r.cls, "IN") || !equal_nocase(r.type, "PTR")) {
    std::string what = equal_nocase(r.cls, "IN") ? "type " + r.type : "class " + r.cls;
    skips.push_back({i, "not_ptr", "a record of " + what + ", not an IN PTR record"});
    return std::nullopt;
  }
  auto addr = names::address_from_reverse(r.name);
  if (!addr) {
    skips.push_back({i, "not_address",
                     r.name + " is not the full reverse name of one address (a /32 or /128)"});
    return std::nullopt;
  }
  std::string ip = names::format_ip(*addr);
  auto [it, fresh] = seen.emplace(ip, i);
  if (!fresh) {
    skips.push_back({i, "duplicate",
                     "another PTR record for " + ip + " comes first (record " +
                         std::to_string(it->second) + "); rdnsd keeps one per address"});
    return std::nullopt;
  }
  return addr;
}

// The candidate records of an import: one set op each, with its record's index.
struct Candidates {
  std::vector<zonestore::Op> ops;
  std::vector<size_t> record_of;  // op index -> record index
};

using ResolveFn = std::function<std::vector<fcrdns::Forward>(const std::vector<std::string>&)>;

// Forward confirmation in the zones that ask for it, before the write transaction: an
// unconfirmed target is skipped in a `require` zone (fcrdns_failed) and warned about in
// a `warn` zone. Targets that are no host names are left for the store to skip.
std::vector<std::string> confirm_forward(const zonestore::Store& store, Candidates& c,
                                         const ResolveFn& resolve, std::vector<Skip>& skips,
                                         const std::vector<ImportRecord>& records) {
  std::vector<zonestore::Zone> zones = store.zones();
  std::erase_if(zones, [](const zonestore::Zone& z) {
    return !z.served || z.settings.fcrdns == fcrdns::Mode::Off;
  });
  if (zones.empty()) return {};
  struct Pending {
    size_t op;
    names::IpAddress address;
    std::string target;
    fcrdns::Mode mode;
  };
  std::vector<Pending> pending;
  for (size_t k = 0; k < c.ops.size(); ++k) {
    names::IpAddress addr = *names::parse_ip(c.ops[k].set.address);
    auto zone = std::find_if(zones.begin(), zones.end(), [&](const zonestore::Zone& z) {
      return names::prefix_contains(z.settings.prefix, addr);
    });
    auto target = names::normalize_hostname(c.ops[k].set.target);
    if (zone != zones.end() && target) pending.push_back({k, addr, *target, zone->settings.fcrdns});
  }
  std::vector<std::string> targets, warnings;
  for (const Pending& p : pending) targets.push_back(p.target);
  std::vector<fcrdns::Forward> found = targets.empty() ? decltype(found){} : resolve(targets);
  std::vector<bool> drop(c.ops.size(), false);
  for (size_t i = 0; i < pending.size(); ++i) {
    fcrdns::Verdict v = fcrdns::judge(pending[i].address, pending[i].target, found.at(i));
    if (v.state == fcrdns::State::Confirmed) continue;
    size_t rec = c.record_of[pending[i].op];
    std::string ip = names::format_ip(pending[i].address);
    if (pending[i].mode == fcrdns::Mode::Require) {
      skips.push_back({rec, code::kFcrdnsFailed, ip + " is not forward-confirmed: " + v.reason});
      drop[pending[i].op] = true;
    } else {
      std::string where = records[rec].line ? "line " + std::to_string(*records[rec].line)
                                            : "records[" + std::to_string(rec) + "]";
      warnings.push_back(where + ": " + ip + " is not forward-confirmed: " + v.reason);
    }
  }
  Candidates kept;
  for (size_t k = 0; k < c.ops.size(); ++k)
    if (!drop[k]) {
      kept.ops.push_back(std::move(c.ops[k]));
      kept.record_of.push_back(c.record_of[k]);
    }
  c = std::move(kept);
  return warnings;
}

// The octets of a DHCID's base64 RDATA text (RFC 4701 3.4), decoded by ldns; nullopt
// when it is no base64 or its length is outside what the store keeps.
std::optional<std::string> dhcid_rdata(const std::string& text) {
  ldns_rdf* rdf = nullptr;
  if (ldns_str2rdf_b64(&rdf, text.c_str()) != LDNS_STATUS_OK || rdf == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  ldns_rdf_deep_free(rdf);
  if (out.size() < zonestore::codec::kMinDhcidRdata ||
      out.size() > zonestore::codec::kMaxDhcidRdata)
    return std::nullopt;
  return out;
}

// The DHCID records of an import, each given to the set op of its address's PTR (a DHCID
// goes with its PTR, docs/UPDATE.md); a DHCID with no PTR in the file, a second one for
// an address, or one that does not decode is skipped.
void attach_dhcids(const std::vector<ImportRecord>& records, const std::vector<size_t>& dhcids,
                   Candidates& c, std::vector<Skip>& skips) {
  std::map<std::string, size_t> op_of;  // address -> op index
  for (size_t k = 0; k < c.ops.size(); ++k) op_of[c.ops[k].set.address] = k;
  std::map<std::string, size_t> seen;
  for (size_t i : dhcids) {
    const ImportRecord& r = records[i];
    auto addr = names::address_from_reverse(r.name);
    auto op = addr ? op_of.find(names::format_ip(*addr)) : op_of.end();
    if (op == op_of.end()) {
      skips.push_back({i, "dhcid_without_ptr",
                       r.name + " has no PTR record in this import: a DHCID is kept only "
                                "beside its address's PTR"});
      continue;
    }
    auto rdata = dhcid_rdata(r.data);
    if (!rdata || r.ttl < 0 || r.ttl > int64_t(limits::kMaxTtl)) {
      skips.push_back({i, "bad_dhcid",
                       "the DHCID of " + r.name +
                           " is not base64 of 3..1024 octets with a TTL of "
                           "0..2147483647"});
      continue;
    }
    if (!seen.emplace(op->first, i).second) {
      skips.push_back({i, "duplicate", "another DHCID record for " + op->first + " comes first"});
      continue;
    }
    c.ops[op->second].set.dhcid = zonestore::Dhcid{uint32_t(r.ttl), *rdata};
  }
}

Json skip_json(const Skip& s, const ImportRecord& r) {
  Json out = {{"index", s.index}};
  if (r.line) out["line"] = *r.line;
  out["name"] = r.name;
  out["type"] = r.type;
  out["reason"] = s.reason;
  out["message"] = s.message;
  return out;
}

}  // namespace

// Records the checks above leave out, and those the store refuses as out of every served
// zone or with a bad target or TTL, are skipped with their reason; every other failure
// (quota_exceeded, internal) fails the whole import and changes nothing.
Json Handler::import(const ImportRequest& r, const Peer& peer) {
  std::string actor = actor_of(r.actor, peer);
  std::vector<Skip> skips;
  Candidates c;
  std::map<std::string, size_t> seen;
  std::vector<size_t> dhcids;
  for (size_t i = 0; i < r.records.size(); ++i) {
    const ImportRecord& rec = r.records[i];
    if (equal_nocase(rec.cls, "IN") && equal_nocase(rec.type, "DHCID")) {
      dhcids.push_back(i);
      continue;
    }
    auto addr = import_address(rec, i, seen, skips);
    if (!addr) continue;
    zonestore::Op op;
    op.set.address = names::format_ip(*addr);
    op.set.target = rec.data;
    op.set.ttl = rec.ttl;
    op.set.actor = actor;
    c.ops.push_back(std::move(op));
    c.record_of.push_back(i);
  }
  attach_dhcids(r.records, dhcids, c, skips);
  std::vector<std::string> warnings = confirm_forward(
      store_, c, [this](const auto& names) { return resolve(names); }, skips, r.records);
  zonestore::WriteResult w;
  if (!c.ops.empty()) {
    auto skip = [&](size_t op, const StoreError& e) {
      skips.push_back({c.record_of[op], e.code(), e.what()});
      return true;
    };
    try {
      w = store_.apply(c.ops, options_.clock(), skip, r.dry_run, /*keep_records=*/false);
    } catch (const zonestore::BatchError& e) {
      throw zonestore::BatchError(c.record_of[e.index()], e);
    }
    if (!r.dry_run) written(w.serials);
  }
  std::sort(skips.begin(), skips.end(),
            [](const Skip& a, const Skip& b) { return a.index < b.index; });
  Json list = Json::array(), reasons = Json::object();
  for (const Skip& s : skips) {
    list.push_back(skip_json(s, r.records[s.index]));
    reasons[s.reason] = reasons.value(s.reason, 0) + 1;
  }
  Json out;
  out["records"] = r.records.size();
  out["added"] = w.created;
  out["replaced"] = w.replaced;
  out["skipped"] = skips.size();
  out["reasons"] = std::move(reasons);
  out["skips"] = std::move(list);
  out["serials"] = serials_json(w.serials);
  out["dry_run"] = r.dry_run;
  if (!warnings.empty()) out["warnings"] = std::move(warnings);
  return out;
}

namespace {

std::string json_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// {"ok":true,"zone":..,"prefix":..,"serial":..,"records":..,"lines":[...],"tag":..}, the
// lines made from the reader as the transport asks for them.
class ExportStream : public AnswerStream {
 public:
  ExportStream(std::unique_ptr<zonestore::ZoneReader> reader, std::optional<Json> tag)
      : reader_(std::move(reader)), tag_(std::move(tag)) {}

  bool next(std::string& out, size_t budget) override {
    size_t start = out.size();
    if (stage_ == Stage::Head) head(out);
    zonestore::Record record;
    while (stage_ == Stage::Records && out.size() - start < budget) {
      if (reader_->next(record)) {
        add(out, master_file::ptr_line(record));
        if (record.dhcid) add(out, master_file::dhcid_line(record));
      } else
        stage_ = Stage::Tail;
    }
    if (stage_ != Stage::Tail) return stage_ == Stage::Records;
    out += "]";
    if (tag_) out += ",\"tag\":" + json_text(*tag_);
    out += "}";
    stage_ = Stage::Done;
    reader_.reset();  // frees the read snapshot at once
    return false;
  }

 private:
  enum class Stage { Head, Records, Tail, Done };

  void head(std::string& out) {
    const zonestore::Zone& z = reader_->zone();
    out += "{\"ok\":true,\"zone\":" + json_text(z.apex) +
           ",\"prefix\":" + json_text(names::format_prefix(z.settings.prefix)) +
           ",\"serial\":" + std::to_string(z.serial) +
           ",\"records\":" + std::to_string(z.record_count) + ",\"lines\":[";
    add(out, master_file::header_line(z));
    add(out, master_file::soa_line(z));
    for (const std::string& ns : z.settings.ns) add(out, master_file::ns_line(z, ns));
    stage_ = Stage::Records;
  }

  void add(std::string& out, const std::string& line) {
    if (lines_++ > 0) out += ',';
    out += json_text(line);
  }

  std::unique_ptr<zonestore::ZoneReader> reader_;
  std::optional<Json> tag_;
  Stage stage_ = Stage::Head;
  size_t lines_ = 0;
};

}  // namespace

std::unique_ptr<AnswerStream> Handler::export_zone(const ExportRequest& r,
                                                   std::optional<Json> tag) {
  check_zone_name(r.zone);
  auto reader = store_.read_zone(r.zone);
  if (!reader) throw StoreError(code::kNotFound, "no zone " + r.zone);
  return std::make_unique<ExportStream>(std::move(reader), std::move(tag));
}

}  // namespace rdnsd::admin
