#include "admin/ops/handler.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "admin/ops/audit.h"
#include "admin/ops/views.h"
#include "zonestore/names/synth.h"

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

// "internal error: WHAT", or "internal error" without `what` (an exception of no known
// type).
std::string internal_error(const char* what, const std::optional<Json>& tag) {
  return encode_error(
      Error{code::kInternal, what ? std::string("internal error: ") + what : "internal error", {}},
      tag);
}

std::string store_error(const StoreError& e, const std::optional<Json>& tag) {
  return encode_error(Error{e.code(), e.what(), std::nullopt}, tag);
}

// A streamed answer read whole, as the fields of handle() (without "ok").
Json drained(std::unique_ptr<AnswerStream> stream) {
  std::string line;
  while (stream->next(line, size_t(1) << 20)) {
  }
  Json fields = Json::parse(line);
  fields.erase("ok");
  return fields;
}

}  // namespace

Handler::Handler(zonestore::Store& store, HandlerOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::time(nullptr); };
}

void Handler::set_zone_defaults(const conf::ZoneDefaults& defaults) {
  std::lock_guard lock(defaults_mutex_);
  options_.zone_defaults = defaults;
}

std::string Handler::handle_line(std::string_view line, const Peer& peer) {
  Response r = respond(line, peer);
  if (!r.stream) return std::move(r.line);
  std::string out;
  try {
    while (r.stream->next(out, size_t(1) << 20)) {
    }
  } catch (const std::exception& e) {
    return internal_error(e.what(), std::nullopt);
  }
  return out;
}

Response Handler::respond(std::string_view line, const Peer& peer) {
  return respond(prepare(line, peer));
}

Prepared Handler::prepare(std::string_view line, const Peer& peer) {
  return Prepared{parse_request(line), peer};
}

bool Handler::groupable(const Prepared& request) {
  const auto& r = request.parsed.request;
  return !r || std::holds_alternative<SetRequest>(*r) || std::holds_alternative<UnsetRequest>(*r);
}

// The request boundary: nothing thrown below gets past here.
Response Handler::respond(Prepared request) {
  change_ = {};
  Response r = answer(request);
  r.change = std::move(change_);
  change_ = {};
  if (!r.stream) audit(request, r.line);
  return r;
}

void Handler::audit(const Prepared& request, const std::string& answer_line) const {
  if (!options_.log) return;
  if (auto e = audit_entry(request, answer_line)) options_.log(e->level, e->message, e->fields);
}

Response Handler::answer(Prepared& request) {
  Parsed& parsed = request.parsed;
  const Peer& peer = request.peer;
  if (!parsed.request) return {encode_error(parsed.error, parsed.tag), nullptr, {}};
  try {
    if (const auto* e = std::get_if<ExportRequest>(&*parsed.request))
      return {"", export_zone(*e, parsed.tag), {}};
    if (const auto* b = std::get_if<BackupRequest>(&*parsed.request))
      return {"", backup(*b, parsed.tag), {}};
    return {encode_ok(handle(*parsed.request, peer), parsed.tag), nullptr, {}};
  } catch (const zonestore::BatchError& e) {
    return {encode_error(Error{e.code(), e.what(), e.index()}, parsed.tag), nullptr, {}};
  } catch (const StoreError& e) {
    return {store_error(e, parsed.tag), nullptr, {}};
  } catch (const std::exception& e) {
    return {internal_error(e.what(), parsed.tag), nullptr, {}};
  } catch (...) {
    return {internal_error(nullptr, parsed.tag), nullptr, {}};
  }
}

Json Handler::handle(const RequestBody& request, const Peer& peer) {
  return std::visit(
      [&](const auto& r) -> Json {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, SetRequest>) return set(r, peer);
        if constexpr (std::is_same_v<T, UnsetRequest>) return unset(r, peer);
        if constexpr (std::is_same_v<T, ShowRequest>) return show(r);
        if constexpr (std::is_same_v<T, ListRequest>) return list(r);
        if constexpr (std::is_same_v<T, ZonesRequest>) return zones(r);
        if constexpr (std::is_same_v<T, ZoneShowRequest>) return zone_show(r);
        if constexpr (std::is_same_v<T, ZoneAddRequest>) return zone_add(r);
        if constexpr (std::is_same_v<T, ZoneRemoveRequest>) return zone_remove(r);
        if constexpr (std::is_same_v<T, BatchRequest>) return batch(r, peer);
        if constexpr (std::is_same_v<T, QuotaRequest>) return quota(r);
        if constexpr (std::is_same_v<T, CheckRequest>) return check(r);
        if constexpr (std::is_same_v<T, ImportRequest>) return import(r, peer);
        if constexpr (std::is_same_v<T, ExportRequest>) return drained(export_zone(r, {}));
        if constexpr (std::is_same_v<T, UpdateRequest>) return update(r);
        if constexpr (std::is_same_v<T, StatusRequest>) return status(r);
        if constexpr (std::is_same_v<T, ReloadRequest>) return reload(r);
        if constexpr (std::is_same_v<T, BackupRequest>) return backup_now(r);
        if constexpr (std::is_same_v<T, TokenAddRequest>) return token_add(r, peer);
        if constexpr (std::is_same_v<T, TokenListRequest>) return token_list(r);
        if constexpr (std::is_same_v<T, TokenRevokeRequest>) return token_revoke(r);
      },
      request);
}

namespace {

zonestore::SetOp set_op(const SetRequest& r, const std::string& actor) {
  zonestore::SetOp op;
  op.address = r.ip;
  op.target = r.name;
  if (r.ttl) op.ttl = int64_t(*r.ttl);
  op.description = r.description;
  op.actor = actor;
  op.create_only = r.create_only;
  op.expect_id = r.expect_id;
  op.move_from = r.move_from;
  if (r.quota_max > 0) op.quota = zonestore::RangeQuota{r.quota_ranges, r.quota_max};
  return op;
}

// The zone and serial of a single-zone write, and the full list.
void add_serials(Json& out, const std::vector<zonestore::ZoneSerial>& serials) {
  if (!serials.empty()) {
    out["zone"] = serials.front().zone;
    out["serial"] = serials.front().serial;
  }
  out["serials"] = serials_json(serials);
}

}  // namespace

void check_zone_name(const std::string& name) {
  if (name.find('/') == std::string::npos) return;
  std::string why;
  if (!names::parse_prefix(name, &why))
    throw StoreError(code::kBadAddress, "'" + name + "': " + why);
}

std::string actor_of(const std::optional<std::string>& given, const Peer& peer) {
  const std::string user = peer.user.empty() ? "unknown" : peer.user;
  if (!given) return user;
  if (peer.names_actor || *given == user) return *given;
  return user + "/" + *given;
}

void Handler::written(const std::vector<zonestore::ZoneSerial>& serials) {
  ++change_.writes;
  for (const auto& s : serials) {
    auto same = [&](const zonestore::ZoneSerial& z) { return z.zone == s.zone; };
    auto at = std::find_if(change_.serials.begin(), change_.serials.end(), same);
    if (at == change_.serials.end())
      change_.serials.push_back(s);
    else
      at->serial = s.serial;
  }
}

void Handler::zones_changed() {
  change_.zones_changed = true;
}

Json Handler::set(const SetRequest& r, const Peer& peer) {
  std::vector<std::string> warnings = confirm({&r}, false);
  zonestore::WriteResult w = store_.set(set_op(r, actor_of(r.actor, peer)), options_.clock());
  written(w.serials);
  return set_answer(w, warnings);
}

Json Handler::record_view(const zonestore::Record& r) const {
  Json out = record_json(r);
  out["serial"] = r.serial;
  if (options_.replication)
    out["status"] = options_.replication->status(r.zone, r.serial, r.modified);
  return out;
}

Json Handler::zone_view(const zonestore::Zone& z) const {
  Json out = zone_json(z);
  if (options_.replication && z.served) out["status"] = options_.replication->zone_status(z.apex);
  return out;
}

Json Handler::set_answer(const zonestore::WriteResult& w,
                         const std::vector<std::string>& warnings) const {
  Json out;
  out["record"] = w.records.empty() ? Json(nullptr) : record_view(w.records.front());
  add_serials(out, w.serials);
  out["created"] = w.created > 0;
  if (!warnings.empty()) out["warnings"] = warnings;
  return out;
}

Json Handler::unset(const UnsetRequest& r, const Peer& peer) {
  zonestore::WriteResult w = store_.unset(
      zonestore::UnsetOp{r.ip, actor_of(r.actor, peer), r.expect_id}, options_.clock());
  written(w.serials);
  return unset_answer(r, w);
}

Json Handler::unset_answer(const UnsetRequest& r, const zonestore::WriteResult& w) {
  Json out;
  out["ip"] = names::format_ip(*names::parse_ip(r.ip));
  add_serials(out, w.serials);
  return out;
}

namespace {

// "; it is answered with the synthesized PTR NAME (TTL N)" for an address without a
// record in a zone that synthesizes, else "".
std::string synthesized_note(const zonestore::Store& store, const std::string& ip) {
  const auto zone = store.zone_for_address(ip);
  const auto addr = names::parse_ip(ip);
  if (!zone || !zone->served || !zone->settings.synth || !addr) return "";
  const std::string name = names::synth_text(zone->settings.synth->tmpl, *addr);
  if (name.empty()) return "";
  return "; it is answered with the synthesized PTR " + name + " (TTL " +
         std::to_string(zone->settings.synth->ttl) + ")";
}

}  // namespace

Json Handler::show(const ShowRequest& r) {
  std::optional<zonestore::Record> record;
  if (r.ip) {
    record = store_.get(*r.ip);
    if (!record)
      throw StoreError(code::kNotFound, "no record for " + *r.ip + synthesized_note(store_, *r.ip));
  } else {
    record = store_.get_by_id(*r.id);
    if (!record) throw StoreError(code::kNotFound, "no record with id " + *r.id);
  }
  return Json{{"record", record_view(*record)}};
}

Json Handler::list(const ListRequest& r) {
  zonestore::ListFilter f;
  f.zone = r.zone;
  if (r.prefix) {
    std::string why;
    f.prefix = names::parse_prefix(*r.prefix, &why);
    if (!f.prefix) throw StoreError(code::kBadAddress, "'" + *r.prefix + "': " + why);
  }
  f.name_contains = r.name;
  f.offset = r.offset;
  f.limit = r.limit;
  zonestore::ListResult l = store_.list(f);
  Json records = Json::array();
  for (const auto& rec : l.records) records.push_back(record_view(rec));
  Json out;
  out["records"] = std::move(records);
  out["total"] = l.total;
  out["offset"] = r.offset;
  out["limit"] = r.limit;
  out["next_offset"] = l.next_offset ? Json(*l.next_offset) : Json(nullptr);
  return out;
}

Json Handler::batch(const BatchRequest& r, const Peer& peer) {
  std::vector<const SetRequest*> sets;
  sets.reserve(r.ops.size());
  for (const auto& item : r.ops) sets.push_back(std::get_if<SetRequest>(&item));
  std::vector<std::string> warnings = confirm(sets, true);
  std::vector<zonestore::Op> ops;
  ops.reserve(r.ops.size());
  for (const auto& item : r.ops) {
    zonestore::Op op;
    if (const auto* s = std::get_if<SetRequest>(&item)) {
      op.kind = zonestore::Op::Kind::Set;
      op.set = set_op(*s, actor_of(s->actor ? s->actor : r.actor, peer));
    } else {
      const auto& u = std::get<UnsetRequest>(item);
      op.kind = zonestore::Op::Kind::Unset;
      op.unset = {u.ip, actor_of(u.actor ? u.actor : r.actor, peer)};
    }
    ops.push_back(std::move(op));
  }
  zonestore::WriteResult w = store_.apply(ops, options_.clock(), /*skip=*/{}, /*dry_run=*/false,
                                          /*keep_records=*/false);
  written(w.serials);
  Json out;
  out["ops"] = r.ops.size();
  out["created"] = w.created;
  out["replaced"] = w.replaced;
  out["removed"] = w.removed;
  out["serials"] = serials_json(w.serials);
  if (!warnings.empty()) out["warnings"] = warnings;
  return out;
}

// The writes of the group become one apply_each; the answers are made as set() and
// unset() make theirs, in request order.
std::vector<std::string> Handler::respond_group(const std::vector<Prepared>& group,
                                                Change* change) {
  change_ = {};
  std::vector<std::string> answers = answer_group(group);
  if (change) *change = std::move(change_);
  change_ = {};
  for (size_t i = 0; i < group.size(); ++i) audit(group[i], answers[i]);
  return answers;
}

std::vector<std::string> Handler::answer_group(const std::vector<Prepared>& group) {
  std::vector<std::string> answers(group.size());
  std::vector<size_t> writes;  // index in `group` of each op
  try {
    std::vector<const SetRequest*> sets(group.size(), nullptr);
    for (size_t i = 0; i < group.size(); ++i)
      if (const auto& r = group[i].parsed.request) sets[i] = std::get_if<SetRequest>(&*r);
    std::vector<Confirmation> confirmed = confirm_each(sets);
    std::vector<zonestore::Op> ops;
    for (size_t i = 0; i < group.size(); ++i) {
      const Parsed& p = group[i].parsed;
      zonestore::Op op;
      if (!p.request) {
        answers[i] = encode_error(p.error, p.tag);
        continue;
      } else if (sets[i]) {
        if (confirmed[i].error) {
          answers[i] = store_error(*confirmed[i].error, p.tag);
          continue;
        }
        op.set = set_op(*sets[i], actor_of(sets[i]->actor, group[i].peer));
      } else if (const auto* u = std::get_if<UnsetRequest>(&*p.request)) {
        op.kind = zonestore::Op::Kind::Unset;
        op.unset = {u->ip, actor_of(u->actor, group[i].peer), u->expect_id};
      } else {
        answers[i] = internal_error("not a set or unset", p.tag);
        continue;
      }
      ops.push_back(std::move(op));
      writes.push_back(i);
    }
    std::vector<zonestore::GroupItem> items = store_.apply_each(ops, options_.clock());
    for (size_t k = 0; k < items.size(); ++k) {
      size_t i = writes[k];
      const Parsed& p = group[i].parsed;
      try {
        if (const auto* e = std::get_if<StoreError>(&items[k])) {
          answers[i] = store_error(*e, p.tag);
          continue;
        }
        const auto& w = std::get<zonestore::WriteResult>(items[k]);
        written(w.serials);
        answers[i] = encode_ok(sets[i] ? set_answer(w, confirmed[i].warnings)
                                       : unset_answer(std::get<UnsetRequest>(*p.request), w),
                               p.tag);
      } catch (const std::exception& e) {
        answers[i] = internal_error(e.what(), p.tag);
      }
    }
  } catch (const std::exception& e) {
    // Before or in apply_each (a lookup, an allocation): no write of the group was kept.
    for (size_t i = 0; i < group.size(); ++i)
      if (answers[i].empty()) answers[i] = internal_error(e.what(), group[i].parsed.tag);
  } catch (...) {
    for (size_t i = 0; i < group.size(); ++i)
      if (answers[i].empty()) answers[i] = internal_error(nullptr, group[i].parsed.tag);
  }
  return answers;
}

}  // namespace rdnsd::admin
