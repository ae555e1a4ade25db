// DNS UPDATE in the writer (RFC 2136 sections 3.2 and 3.4, docs/UPDATE.md): the
// prerequisites checked on what the store holds, then the updates applied as ONE
// Store::apply (one transaction, one serial step per zone), or nothing.
//
// Checking and applying are one step because the Handler is the store's only writer:
// no write can come between the reads below and the apply (the commit scheduler
// answers an UpdateRequest alone, after committing the group before it).
#include <algorithm>
#include <map>

#include "admin/ops/handler.h"
#include "admin/ops/views.h"

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

using Pre = UpdateRequest::Prerequisite;
using Upd = UpdateRequest::Update;

constexpr uint16_t kTypeNs = 2, kTypeSoa = 6, kTypePtr = 12;

// A PTR as an address holds it: rdnsd keeps one per address.
struct Ptr {
  std::string target;  // absolute
  uint32_t ttl = 0;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return s;
}

bool same_name(const std::string& a, const std::string& b) {
  return lower(a) == lower(b);
}

Json outcome(const char* rcode, const std::string& reason) {
  Json out;
  out["rcode"] = rcode;
  if (!reason.empty()) out["reason"] = reason;
  return out;
}

// What the store holds at the addresses an update names, read once and then changed as
// the updates are applied in order (RFC 2136 3.4.2), so that the writes made at the
// end are the difference between the first and the last state of each address.
class State {
 public:
  explicit State(const zonestore::Store& store) : store_(store) {}

  const std::optional<Ptr>& at(const std::string& ip) {
    auto it = now_.find(ip);
    if (it != now_.end()) return it->second;
    std::optional<Ptr> ptr;
    if (auto r = store_.get(ip)) ptr = Ptr{r->target, r->ttl};
    order_.push_back(ip);
    before_.emplace(ip, ptr);
    return now_.emplace(ip, ptr).first->second;
  }
  void put(const std::string& ip, std::optional<Ptr> ptr) {
    at(ip);
    now_[ip] = std::move(ptr);
  }

  // The ops that take the store from the first state to the last, in the order the
  // addresses were first named; none for an address that ends as it began.
  std::vector<zonestore::Op> ops(const std::string& actor) const {
    std::vector<zonestore::Op> out;
    for (const std::string& ip : order_) {
      const std::optional<Ptr>& a = before_.at(ip);
      const std::optional<Ptr>& b = now_.at(ip);
      if (!a && !b) continue;
      if (a && b && same_name(a->target, b->target) && a->ttl == b->ttl) continue;
      zonestore::Op op;
      if (b) {
        op.kind = zonestore::Op::Kind::Set;
        op.set = zonestore::SetOp{ip, b->target, int64_t(b->ttl), std::nullopt, actor};
      } else {
        op.kind = zonestore::Op::Kind::Unset;
        op.unset = zonestore::UnsetOp{ip, actor};
      }
      out.push_back(std::move(op));
    }
    return out;
  }

 private:
  const zonestore::Store& store_;
  std::vector<std::string> order_;
  std::map<std::string, std::optional<Ptr>> before_, now_;
};

// The RRset types that exist at a prerequisite's owner.
bool has_rrset(State& state, const Pre& p, uint16_t type) {
  if (p.apex) return type == kTypeSoa || type == kTypeNs;
  return p.ip && type == kTypePtr && state.at(*p.ip).has_value();
}

bool in_use(State& state, const Pre& p) {
  return p.apex || (p.ip && state.at(*p.ip).has_value());
}

// The RCODE of the first prerequisite that fails (RFC 2136 3.2.5), or nullptr.
const char* failed(State& state, const Pre& p) {
  switch (p.kind) {
    case Pre::Kind::NameInUse:
      return in_use(state, p) ? nullptr : "NXDOMAIN";
    case Pre::Kind::NameNotInUse:
      return in_use(state, p) ? "YXDOMAIN" : nullptr;
    case Pre::Kind::RrsetExists:
      return has_rrset(state, p, p.type) ? nullptr : "NXRRSET";
    case Pre::Kind::RrsetAbsent:
      return has_rrset(state, p, p.type) ? "YXRRSET" : nullptr;
    case Pre::Kind::RrsetEquals: {
      // The apex's SOA and NS never get here (the door refuses them); an address holds
      // one PTR, so only a one-value RRset can match.
      if (p.type != kTypePtr || !p.ip || p.values.size() != 1) return "NXRRSET";
      const std::optional<Ptr>& ptr = state.at(*p.ip);
      return ptr && same_name(ptr->target, p.values[0]) ? nullptr : "NXRRSET";
    }
  }
  return "SERVFAIL";
}

// One update applied to the state (RFC 2136 3.4.2.2 .. 3.4.2.4; PTR only).
void apply(State& state, const Upd& u) {
  switch (u.kind) {
    case Upd::Kind::Add:
      state.put(u.ip, Ptr{u.target, u.ttl});  // replaces: one PTR per address
      return;
    case Upd::Kind::DeleteRrset:
    case Upd::Kind::DeleteName:
      state.put(u.ip, std::nullopt);
      return;
    case Upd::Kind::DeleteRr: {
      const std::optional<Ptr>& ptr = state.at(u.ip);
      if (ptr && same_name(ptr->target, u.target)) state.put(u.ip, std::nullopt);
      return;
    }
  }
}

std::string describe(const Pre& p) {
  static const char* const kinds[] = {"name in use", "name not in use", "RRset exists",
                                      "RRset equals", "RRset does not exist"};
  return std::string("prerequisite '") + kinds[size_t(p.kind)] + "' at " + p.owner +
         (p.type != 0 ? " type " + std::to_string(p.type) : "") + " failed";
}

}  // namespace

Json Handler::update(const UpdateRequest& r) {
  const std::optional<zonestore::Zone> zone = store_.zone(r.zone);
  if (!zone || !zone->served || zone->apex != r.zone)
    return outcome("NOTAUTH", "zone " + r.zone + " is not served here");
  State state(store_);
  for (const Pre& p : r.prerequisites)
    if (const char* rcode = failed(state, p)) return outcome(rcode, describe(p));
  for (const Upd& u : r.updates) {
    if (u.type != kTypePtr && u.kind != Upd::Kind::DeleteName)
      return outcome("REFUSED", "type " + std::to_string(u.type) + " is not taken");
    apply(state, u);
  }
  const std::vector<zonestore::Op> ops = state.ops(r.actor);
  Json out = outcome("NOERROR", "");
  if (ops.empty()) {
    // RFC 2136 3.6: the serial steps only when the zone changed.
    out["serials"] = Json::array();
    return out;
  }
  try {
    std::vector<SetRequest> sets;
    for (const zonestore::Op& op : ops)
      if (op.kind == zonestore::Op::Kind::Set)
        sets.push_back(SetRequest{op.set.address, op.set.target, std::nullopt, {}, {}});
    std::vector<const SetRequest*> pointers;
    for (const SetRequest& s : sets) pointers.push_back(&s);
    confirm(pointers, true);
    zonestore::WriteResult w = store_.apply(ops, options_.clock(), {}, false, false);
    written(w.serials);
    out["serials"] = serials_json(w.serials);
    out["created"] = w.created;
    out["replaced"] = w.replaced;
    out["removed"] = w.removed;
    return out;
  } catch (const StoreError& e) {
    // Nothing was written. Bad input the door could not see (a quota, forward
    // confirmation) is refused; the store failing is the caller's SERVFAIL.
    if (e.code() == code::kInternal || e.code() == code::kStoreFull) throw;
    return outcome("REFUSED", e.code() + ": " + e.what());
  }
}

}  // namespace rdnsd::admin
