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

constexpr uint16_t kTypeNs = 2, kTypeSoa = 6, kTypePtr = 12, kTypeDhcid = 49;

// A PTR as an address holds it: rdnsd keeps one per address.
struct Ptr {
  std::string target;  // absolute
  uint32_t ttl = 0;
};

// What an address holds: its PTR and the DHCID beside it (one of each at most).
struct Node {
  std::optional<Ptr> ptr;
  std::optional<zonestore::Dhcid> dhcid;
  bool dhcid_added = false;  // by this message (then it needs a PTR at the end)
  bool empty() const { return !ptr && !dhcid; }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return s;
}

bool same_name(const std::string& a, const std::string& b) {
  return lower(a) == lower(b);
}

bool same_ptr(const std::optional<Ptr>& a, const std::optional<Ptr>& b) {
  if (!a || !b) return !a && !b;
  return same_name(a->target, b->target) && a->ttl == b->ttl;
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

  Node& at(const std::string& ip) {
    auto it = now_.find(ip);
    if (it != now_.end()) return it->second;
    Node node;
    if (auto r = store_.get(ip)) {
      node.ptr = Ptr{r->target, r->ttl};
      node.dhcid = r->dhcid;
    }
    order_.push_back(ip);
    before_.emplace(ip, node);
    return now_.emplace(ip, node).first->second;
  }

  // An address whose DHCID this message added but that ends without a PTR, or "".
  std::string lone_dhcid() const {
    for (const auto& [ip, node] : now_)
      if (!node.ptr && node.dhcid && node.dhcid_added) return ip;
    return "";
  }

  // The ops that take the store from the first state to the last, in the order the
  // addresses were first named; none for an address that ends as it began. A DHCID
  // goes with its PTR: an address left without a PTR is unset, its DHCID with it.
  std::vector<zonestore::Op> ops(const std::string& actor) const {
    std::vector<zonestore::Op> out;
    for (const std::string& ip : order_) {
      const Node& a = before_.at(ip);
      const Node& b = now_.at(ip);
      zonestore::Op op;
      if (!b.ptr) {
        if (!a.ptr) continue;
        op.kind = zonestore::Op::Kind::Unset;
        op.unset = zonestore::UnsetOp{ip, actor};
      } else {
        if (same_ptr(a.ptr, b.ptr) && a.dhcid == b.dhcid) continue;
        op.kind = zonestore::Op::Kind::Set;
        op.set = zonestore::SetOp{ip, b.ptr->target, int64_t(b.ptr->ttl), std::nullopt, actor};
        op.set.dhcid = b.dhcid;
        op.set.drop_dhcid = !b.dhcid;
      }
      out.push_back(std::move(op));
    }
    return out;
  }

 private:
  const zonestore::Store& store_;
  std::vector<std::string> order_;
  std::map<std::string, Node> before_, now_;
};

// The RRset types that exist at a prerequisite's owner.
bool has_rrset(State& state, const Pre& p, uint16_t type) {
  if (p.apex) return type == kTypeSoa || type == kTypeNs;
  if (!p.ip) return false;
  const Node& node = state.at(*p.ip);
  return (type == kTypePtr && node.ptr) || (type == kTypeDhcid && node.dhcid);
}

bool in_use(State& state, const Pre& p) {
  return p.apex || (p.ip && !state.at(*p.ip).empty());
}

// Whether the RRset of (p.owner, p.type) is exactly p.values (RFC 2136 2.4.2). The
// apex's SOA and NS never get here (the door refuses them); an address holds one PTR
// and one DHCID, so only a one-value RRset can match.
bool equals(State& state, const Pre& p) {
  if (!p.ip || p.values.size() != 1) return false;
  const Node& node = state.at(*p.ip);
  if (p.type == kTypePtr) return node.ptr && same_name(node.ptr->target, p.values[0]);
  if (p.type == kTypeDhcid) return node.dhcid && node.dhcid->rdata == p.values[0];
  return false;
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
    case Pre::Kind::RrsetEquals:
      return equals(state, p) ? nullptr : "NXRRSET";
  }
  return "SERVFAIL";
}

// One update applied to the state (RFC 2136 3.4.2.2 .. 3.4.2.4; PTR and DHCID).
void apply(State& state, const Upd& u) {
  Node& node = state.at(u.ip);
  const bool dhcid = u.type == kTypeDhcid;
  switch (u.kind) {
    case Upd::Kind::Add:  // replaces: one PTR and one DHCID per address
      if (dhcid) {
        node.dhcid = zonestore::Dhcid{u.ttl, u.rdata};
        node.dhcid_added = true;
      } else {
        node.ptr = Ptr{u.target, u.ttl};
      }
      return;
    case Upd::Kind::DeleteRrset:
      if (dhcid)
        node.dhcid.reset();
      else
        node.ptr.reset();
      return;
    case Upd::Kind::DeleteName:
      node.ptr.reset();
      node.dhcid.reset();
      return;
    case Upd::Kind::DeleteRr:
      if (dhcid && node.dhcid && node.dhcid->rdata == u.rdata) node.dhcid.reset();
      if (!dhcid && node.ptr && same_name(node.ptr->target, u.target)) node.ptr.reset();
      return;
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
    if (u.type != kTypePtr && u.type != kTypeDhcid && u.kind != Upd::Kind::DeleteName)
      return outcome("REFUSED", "type " + std::to_string(u.type) + " is not taken");
    apply(state, u);
  }
  if (const std::string ip = state.lone_dhcid(); !ip.empty())
    return outcome("REFUSED", "a DHCID for " + ip +
                                  ", which has no PTR: rdnsd keeps a DHCID "
                                  "only beside the address's PTR");
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
