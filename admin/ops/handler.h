#pragma once
// The admin operation handler: applies parsed requests to the store and turns every
// failure into a JSON error with a stable code (docs/ADMIN-PROTOCOL.md).
//
// Threading: a Handler is the store's single writer. Call handle_line(), respond(),
// respond_group() and handle() from one thread only (the commit scheduler's loop
// thread); set_zone_defaults() may be called from any thread (SIGHUP reload).
//
// The Handler tells what each request committed in its result (Response::change,
// respond_group's `change`); the commit scheduler turns that into on-commit events.
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/ops/daemon_view.h"
#include "admin/ops/fcrdns.h"
#include "admin/ops/replication.h"
#include "admin/protocol/protocol.h"
#include "conf/config.h"
#include "logging/log.h"
#include "zonestore/store.h"

namespace rdnsd::admin {

// Who sent a request, from the connection's credentials (SO_PEERCRED).
struct Peer {
  std::string user;  // user name, or "uid:N" when the uid has no passwd entry
  // Whether a request's `actor` is recorded as given. The admin socket says false for
  // a peer that is neither root nor rdnsd's own user: its actor is recorded under its
  // user name (actor_of), so an allowed user cannot write in another's name.
  bool names_actor = true;
};

struct HandlerOptions {
  // What zone-add uses for fields the request leaves out (the config's zone-defaults).
  conf::ZoneDefaults zone_defaults;
  // Seconds since the epoch for timestamps and time-based serial policies.
  std::function<std::time_t()> clock = [] { return std::time(nullptr); };
  // Fetches the A/AAAA records of PTR targets: for sets in zones whose fcrdns mode is
  // warn or require (before the write transaction), and for check. Null: such sets are
  // refused (require) or warned about (warn) as unresolvable.
  std::shared_ptr<fcrdns::Resolver> resolver;
  // The replication status of records and zones; null: every one is active.
  std::shared_ptr<const ReplicationView> replication;
  // The catalog zone's apex (absolute, lower case; empty: none): zone-show shows it.
  std::string catalog_zone;
  // The daemon's side of status and reload; null: status without it, reload refused.
  std::shared_ptr<DaemonView> daemon;
  // Told of every write with its outcome (admin/ops/audit.h), at info. Empty: not told.
  logging::Sink log;
};

// An answer line made a piece at a time (export): the transport writes each piece as the
// client takes it, so that a large answer never sits in memory whole.
class AnswerStream {
 public:
  virtual ~AnswerStream() = default;
  // Appends the next piece of the answer line to `out`: whole elements, about `budget`
  // bytes. Returns false once the line is complete (its end, without the newline, has
  // been appended). If it throws, the line cannot be completed: close the connection.
  virtual bool next(std::string& out, size_t budget) = 0;
};

// What requests durably changed (the on-commit event, admin/ops/commit_scheduler.h):
// filled in after the commit, whatever the answer says (a request whose answer failed
// after its commit still reports the commit).
struct Change {
  // The new serial of each zone whose records changed, one entry per zone (its last
  // serial), in the order the zones were first touched.
  std::vector<zonestore::ZoneSerial> serials;
  size_t writes = 0;           // requests whose record writes were committed
  bool zones_changed = false;  // zone-add / zone-remove changed the set of zones
  bool empty() const { return writes == 0 && !zones_changed; }
};

// The answer to one request line: the whole line (without its newline), or a stream
// that produces it, and what the request committed.
struct Response {
  std::string line;
  std::unique_ptr<AnswerStream> stream;  // set: `line` is empty and the stream has it all
  Change change;
};

// A request line parsed and waiting for its answer (Handler::prepare).
struct Prepared {
  Parsed parsed;
  Peer peer;
};

class Handler {
 public:
  // `store` must outlive the Handler.
  explicit Handler(zonestore::Store& store, HandlerOptions options = {});

  // One request line (without its newline) in, one answer line (without its newline)
  // out. Never throws: every failure is an error answer ("internal" for the unexpected).
  std::string handle_line(std::string_view line, const Peer& peer);
  // Like handle_line, but a large answer (export) comes back as a stream, read from one
  // store snapshot while the caller writes it out. Never throws.
  Response respond(std::string_view line, const Peer& peer);

  // Group commit (docs/ADMIN-PROTOCOL.md, "Pipelining and group commit"), in two steps.
  // prepare() parses a line; it does not touch the store. A set, an unset or a line
  // refused as it stands (malformed, unknown op) is groupable(): the caller may hold it
  // with others for respond_group(). Anything else is answered by respond(Prepared),
  // after the group held before it (so that it sees those writes).
  static Prepared prepare(std::string_view line, const Peer& peer);
  static bool groupable(const Prepared& request);
  Response respond(Prepared request);
  // Answers groupable requests, in order, each one byte for byte as respond() would
  // have answered it alone at that point: first the forward-confirmation lookups of all
  // the sets run together (before any write transaction), then every write is applied
  // in its own nested transaction of ONE write transaction with ONE durable commit
  // (Store::apply_each). If that commit fails, every write of the group is answered
  // `internal` (nothing was written). One answer line (without its newline) per request;
  // a request that is not groupable is answered `internal`. What the commit changed goes
  // to `*change` when given (all the applied writes together). Never throws.
  std::vector<std::string> respond_group(const std::vector<Prepared>& group,
                                         Change* change = nullptr);

  // Applies one parsed request and returns the answer's fields (without "ok"). Throws
  // zonestore::StoreError (zonestore::BatchError for a batch) with a protocol code, or
  // any std::exception for the unexpected; handle_line() maps them to answers.
  Json handle(const RequestBody& request, const Peer& peer);

  // Replaces the zone defaults used by later zone-adds. Thread-safe.
  void set_zone_defaults(const conf::ZoneDefaults& defaults);
  // Replaces the resolver used by later requests. Thread-safe.
  void set_resolver(std::shared_ptr<fcrdns::Resolver> resolver);

 private:
  // respond() and respond_group() without taking change_.
  Response answer(Prepared& request);
  std::vector<std::string> answer_group(const std::vector<Prepared>& group);
  Json set(const SetRequest& r, const Peer& peer);
  Json unset(const UnsetRequest& r, const Peer& peer);
  // The answer fields of an applied set or unset (shared by respond and respond_group).
  Json set_answer(const zonestore::WriteResult& w, const std::vector<std::string>& warnings) const;
  // A record or zone as shown, with its replication status.
  Json record_view(const zonestore::Record& record) const;
  Json zone_view(const zonestore::Zone& zone) const;
  static Json unset_answer(const UnsetRequest& r, const zonestore::WriteResult& w);
  Json show(const ShowRequest& r);
  Json list(const ListRequest& r);
  Json zones(const ZonesRequest& r);
  Json zone_show(const ZoneShowRequest& r);
  std::optional<Json> catalog_view(const std::string& zone) const;
  Json zone_add(const ZoneAddRequest& r);
  Json zone_remove(const ZoneRemoveRequest& r);
  Json batch(const BatchRequest& r, const Peer& peer);
  Json quota(const QuotaRequest& r);
  Json import(const ImportRequest& r, const Peer& peer);
  std::unique_ptr<AnswerStream> export_zone(const ExportRequest& r, std::optional<Json> tag);
  Json check(const CheckRequest& r);
  // backup (admin/ops/backup_ops.cpp): copied on a thread of its own, the answer streamed
  // when done (respond); backup_now copies on the caller's thread (handle).
  std::unique_ptr<AnswerStream> backup(const BackupRequest& r, std::optional<Json> tag);
  Json backup_now(const BackupRequest& r);
  // DNS UPDATE (admin/ops/update_ops.cpp): answers {"rcode": NAME, ...}.
  Json update(const UpdateRequest& r);
  // admin/ops/status_ops.cpp
  Json status(const StatusRequest& r);
  Json reload(const ReloadRequest& r);
  // Each secondary of a zone as last seen ([] without replication).
  Json secondaries_json(const std::string& apex) const;
  // HTTP API tokens (admin/ops/token_ops.cpp).
  Json token_add(const TokenAddRequest& r, const Peer& peer);
  Json token_list(const TokenListRequest& r);
  Json token_revoke(const TokenRevokeRequest& r);

  // Forward confirmation of the sets of a request (nullptr for the unsets of a batch,
  // so indices match the ops): refuses the first unconfirmed set in a `require` zone
  // (fcrdns_failed; BatchError with its index when `batch`), returns warnings for those
  // in `warn` zones. Resolves before any write transaction begins.
  std::vector<std::string> confirm(const std::vector<const SetRequest*>& sets, bool batch);
  // The same for sets that are requests of their own (nullptr for the other requests of
  // a group): each one judged as confirm({set}, false) would, with one resolve() for all.
  struct Confirmation {
    std::vector<std::string> warnings;
    std::optional<zonestore::StoreError> error;  // fcrdns_failed: the set is refused
  };
  std::vector<Confirmation> confirm_each(const std::vector<const SetRequest*>& sets);
  std::vector<fcrdns::Forward> resolve(const std::vector<std::string>& names);

  zonestore::ZoneSettings zone_settings(const ZoneAddRequest& r) const;
  // Record what a committed write changed, into change_ (taken by respond and
  // respond_group).
  void written(const std::vector<zonestore::ZoneSerial>& serials);
  void zones_changed();
  // Logs a write's outcome (options_.log).
  void audit(const Prepared& request, const std::string& answer_line) const;

  zonestore::Store& store_;
  HandlerOptions options_;
  Change change_;                      // what the request being answered committed so far
  mutable std::mutex defaults_mutex_;  // guards options_.zone_defaults and options_.resolver
};

// Refuses a zone named by a prefix that does not parse (StoreError bad_address, with
// the reason); an apex name, or a prefix that names no zone, is the store's to judge.
void check_zone_name(const std::string& name);

// The actor a write records: the one the request names, else the peer's user name. A
// peer that may not name actors (Peer::names_actor) gets "USER/ACTOR" for an ACTOR other
// than its own user name.
std::string actor_of(const std::optional<std::string>& given, const Peer& peer);

// The IPv4 / IPv6 prefix a zone-add names, split into the octet- (IPv4) or nibble-
// (IPv6) aligned prefixes of the zones that cover it exactly: 10.1.16.0/20 -> sixteen
// /24s, 2001:db8::/30 -> four /32s. IPv4 must be /8../24, IPv6 /1../124. On failure
// returns an empty list and the reason in `why`.
std::vector<names::Prefix> covering_zones(const names::Prefix& prefix, std::string* why);

}  // namespace rdnsd::admin
