// rdnsctl's output for people: one-line summaries for writes, key: value lines for one
// object, aligned tables for lists.
#include <algorithm>
#include <ostream>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {
namespace {

// A JSON value as table text: strings bare, null as "-", numbers and booleans as JSON.
std::string text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? "-" : text(*it);
}

// Columns padded to their widest cell, two spaces apart; the last one unpadded.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void print_pairs(const std::vector<std::pair<std::string, std::string>>& pairs, std::ostream& out) {
  size_t width = 0;
  for (const auto& [k, v] : pairs) width = std::max(width, k.size());
  for (const auto& [k, v] : pairs)
    out << k << ":" << std::string(width - k.size() + 1, ' ') << v << "\n";
}

void print_record(const Json& r, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const char* key : {"id", "ip", "name", "ptr", "ttl", "description", "zone", "created",
                          "created_by", "modified", "modified_by", "status"})
    pairs.emplace_back(key, field(r, key));
  if (r.contains("dhcid")) {
    const Json d = r["dhcid"];
    pairs.emplace_back("dhcid", field(d, "rdata") + " (ttl " + field(d, "ttl") + ")");
  }
  print_pairs(pairs, out);
}

// One line per secondary of a zone-show answer.
void add_secondaries(const Json& z, std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const Json& s : z.value("secondaries", Json::array())) {
    std::string line = "serial " + field(s, "serial");
    if (s.contains("answered") && !s["answered"].is_null()) line += " at " + field(s, "answered");
    if (s.contains("transfer") && !s["transfer"].is_null())
      line += ", last pulled " + field(s, "transfer") + " of " + field(s, "transfer_serial") +
              " at " + field(s, "transferred");
    if (s.contains("error")) line += ", last error: " + field(s, "error");
    pairs.emplace_back("secondary " + field(s, "address"), line);
  }
}

void print_zone(const Json& z, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (z.value("catalog", false)) {  // the catalog zone: no prefix, records or SOA fields
    for (const char* key : {"zone", "serial", "status"}) pairs.emplace_back(key, field(z, key));
    pairs.emplace_back("catalog", "yes (RFC 9432)");
    add_secondaries(z, pairs);
    print_pairs(pairs, out);
    return;
  }
  for (const char* key : {"zone", "prefix", "serial", "served", "origin", "records", "max_records",
                          "ttl", "ns_ttl", "serial_policy", "fcrdns"})
    pairs.emplace_back(key, field(z, key));
  if (z.contains("status")) pairs.emplace_back("status", field(z, "status"));
  std::string ns;
  for (const Json& n : z.value("ns", Json::array())) ns += (ns.empty() ? "" : " ") + text(n);
  pairs.emplace_back("ns", ns);
  const Json soa = z.value("soa", Json::object());
  for (const char* key : {"mname", "rname", "refresh", "retry", "expire", "minimum", "ttl"})
    pairs.emplace_back(std::string("soa ") + key, field(soa, key));
  if (z.contains("journal")) {
    const Json j = z["journal"];
    pairs.emplace_back("journal",
                       field(j, "entries") + " entries, " + field(j, "bytes") + " bytes (serials " +
                           field(j, "first_serial") + ".." + field(j, "last_serial") + "; limits " +
                           field(j, "max_depth") + " entries, " + field(j, "max_size") + " bytes)");
  }
  add_secondaries(z, pairs);
  print_pairs(pairs, out);
}

void print_list(const Json& a, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"IP", "PTR", "TTL", "DESCRIPTION"}};
  const Json records = a.value("records", Json::array());
  for (const Json& r : records)
    rows.push_back({field(r, "ip"), field(r, "ptr"), field(r, "ttl"), field(r, "description")});
  if (!records.empty()) print_table(rows, out);
  uint64_t offset = a.value("offset", uint64_t(0)), total = a.value("total", uint64_t(0));
  if (records.empty())
    out << "no records (" << total << " match)\n";
  else
    out << "records " << offset + 1 << "-" << offset + records.size() << " of " << total << "\n";
  if (auto next = a.find("next_offset"); next != a.end() && !next->is_null())
    out << "more: --offset " << text(*next) << "\n";
}

void print_zones(const Json& a, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"ZONE", "PREFIX", "SERIAL", "RECORDS", "LIMIT", "SERVED", "ORIGIN", "POLICY"}};
  for (const Json& z : a.value("zones", Json::array()))
    rows.push_back({field(z, "zone"), field(z, "prefix"), field(z, "serial"), field(z, "records"),
                    field(z, "max_records"), field(z, "served"), field(z, "origin"),
                    field(z, "serial_policy")});
  if (rows.size() == 1) {
    out << "no zones\n";
    return;
  }
  print_table(rows, out);
}

void print_quota(const Json& a, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"SCOPE", "LIMIT", "USED"}};
  const Json global = a.value("global", Json::object());
  rows.push_back({"(all zones)", field(global, "limit"), field(global, "used")});
  for (const Json& z : a.value("zones", Json::array()))
    rows.push_back({field(z, "zone"), field(z, "limit"), field(z, "used")});
  print_table(rows, out);
}

void print_batch(const Json& a, std::ostream& out) {
  out << "batch: " << field(a, "ops") << " ops applied: " << field(a, "created") << " created, "
      << field(a, "replaced") << " replaced, " << field(a, "removed") << " removed\n";
  for (const Json& s : a.value("serials", Json::array()))
    out << "zone " << field(s, "zone") << " serial " << field(s, "serial") << "\n";
}

// The counts, then every skipped record with its file line and reason.
void print_import(const Json& a, std::ostream& out) {
  bool dry = a.value("dry_run", false);
  out << (dry ? "import (dry run, nothing was changed): " : "import: ") << field(a, "records")
      << " records read: " << field(a, "added") << " added, " << field(a, "replaced")
      << " replaced, " << field(a, "skipped") << " skipped\n";
  std::string reasons;
  const Json counts = a.value("reasons", Json::object());
  for (const auto& [reason, n] : counts.items())
    reasons += (reasons.empty() ? "" : ", ") + text(n) + " " + reason;
  if (!reasons.empty()) out << "skipped: " << reasons << "\n";
  std::vector<std::vector<std::string>> rows = {{"LINE", "NAME", "TYPE", "REASON", "DETAIL"}};
  for (const Json& s : a.value("skips", Json::array()))
    rows.push_back({field(s, "line"), field(s, "name"), field(s, "type"), field(s, "reason"),
                    field(s, "message")});
  if (rows.size() > 1) print_table(rows, out);
  for (const Json& s : a.value("serials", Json::array()))
    out << "zone " << field(s, "zone") << " serial " << field(s, "serial")
        << (dry ? " (if applied)" : "") << "\n";
}

void print_zone_add(const Json& a, std::ostream& out) {
  const Json zones = a.value("zones", Json::array());
  if (a.contains("expanded_from"))
    out << field(a, "expanded_from") << " makes " << zones.size() << " zones:\n";
  for (const Json& z : zones)
    out << "added zone " << field(z, "zone") << " (" << field(z, "prefix") << ") serial "
        << field(z, "serial") << "\n";
}

std::string joined(const Json& list) {
  std::string out;
  for (const Json& v : list) out += (out.empty() ? "" : " ") + text(v);
  return out.empty() ? "-" : out;
}

// One record's forward confirmation as key: value lines.
void print_check(const Json& c, std::ostream& out) {
  print_pairs({{"ip", field(c, "ip")},
               {"ptr", field(c, "ptr")},
               {"a", joined(c.value("a", Json::array()))},
               {"aaaa", joined(c.value("aaaa", Json::array()))},
               {"confirmed", field(c, "confirmed")},
               {"reason", field(c, "reason")},
               {"zone", field(c, "zone")},
               {"fcrdns", field(c, "fcrdns")}},
              out);
}

// A zone's: a table of the records and the counts.
void print_zone_check(const Json& a, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"IP", "PTR", "STATE", "REASON"}};
  for (const Json& c : a.value("records", Json::array()))
    rows.push_back({field(c, "ip"), field(c, "ptr"), field(c, "state"), field(c, "reason")});
  if (rows.size() > 1) print_table(rows, out);
  out << "zone " << field(a, "zone") << " (fcrdns " << field(a, "fcrdns")
      << "): " << field(a, "total") << " records, " << field(a, "confirmed") << " confirmed, "
      << field(a, "unconfirmed") << " unconfirmed, " << field(a, "unresolvable")
      << " unresolvable\n";
}

}  // namespace

namespace {

std::string commas(const Json& list) {
  std::string out;
  for (const Json& item : list) out += (out.empty() ? "" : ",") + text(item);
  return out.empty() ? "-" : out;
}

void print_token_add(const Json& a, std::ostream& out) {
  const Json t = a.value("token", Json::object());
  out << "token " << field(t, "name") << ": scopes " << commas(t.value("scopes", Json::array()))
      << ", prefixes " << commas(t.value("prefixes", Json::array())) << "\n"
      << "secret (shown once, not stored; send it as Authorization: Bearer SECRET):\n"
      << a.value("secret", "") << "\n";
}

void print_tokens(const Json& a, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "SCOPES", "PREFIXES", "QUOTA", "RECORDS", "EXPIRES", "CREATED"}};
  for (const Json& t : a.value("tokens", Json::array()))
    rows.push_back({field(t, "name"), commas(t.value("scopes", Json::array())),
                    commas(t.value("prefixes", Json::array())), field(t, "quota"),
                    field(t, "records"), field(t, "expires"), field(t, "created")});
  if (rows.size() == 1) {
    out << "no tokens\n";
    return;
  }
  print_table(rows, out);
}

}  // namespace

void print_answer(const std::string& command, const Json& a, std::ostream& out) {
  if (command == "set") {
    const Json r = a.value("record", Json::object());
    out << "set " << field(r, "ip") << " -> " << field(r, "ptr") << " (ttl " << field(r, "ttl")
        << ") zone " << field(a, "zone") << " serial " << field(a, "serial") << "\n";
  } else if (command == "unset") {
    out << "unset " << field(a, "ip") << " zone " << field(a, "zone") << " serial "
        << field(a, "serial") << "\n";
  } else if (command == "show") {
    print_record(a.value("record", Json::object()), out);
  } else if (command == "list") {
    print_list(a, out);
  } else if (command == "zones") {
    print_zones(a, out);
  } else if (command == "zone-show") {
    print_zone(a.value("zone", Json::object()), out);
  } else if (command == "zone-add") {
    print_zone_add(a, out);
  } else if (command == "zone-remove") {
    out << "removed zone " << field(a, "zone") << " (" << field(a, "prefix") << ") and "
        << field(a, "removed_records") << " records\n";
  } else if (command == "quota") {
    print_quota(a, out);
  } else if (command == "batch") {
    print_batch(a, out);
  } else if (command == "import") {
    print_import(a, out);
  } else if (command == "status") {
    print_status(a, out);
  } else if (command == "reload") {
    print_reload(a, out);
  } else if (command == "backup") {
    out << "backup written to " << field(a, "path") << " (" << field(a, "bytes") << " bytes)\n";
  } else if (command == "token-add") {
    print_token_add(a, out);
  } else if (command == "token-list") {
    print_tokens(a, out);
  } else if (command == "token-revoke") {
    out << "revoked token " << field(a, "name") << "\n";
  } else if (command == "check") {
    a.contains("records") ? print_zone_check(a, out) : print_check(a, out);
  } else {
    out << a.dump(2) << "\n";
  }
}

}  // namespace rdnsd::admin::cli
