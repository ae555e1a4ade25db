// rdnsd: wires the config, the store, the query workers, the UPDATE door and the admin
// socket together,
// then waits for signals (SIGTERM/SIGINT/SIGQUIT: stop; SIGHUP: re-read the config's
// zones; SIGUSR1/SIGUSR2: ignored, and logged).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "admin/ops/handler.h"
#include "admin/socket/server.h"
#include "server/net/workers.h"
#include "server/rdnsd/daemon.h"
#include "server/rdnsd/http_door.h"
#include "server/update/door.h"
#include "server/xfr/notifier.h"
#include "server/xfr/service.h"
#include "server/xfr/signers.h"

namespace {

using namespace rdnsd;

const char kUsage[] =
    "usage: rdnsd [-c FILE] [-t]\n"
    "  -c, --config FILE  configuration file (default: the built-in conf/rdnsd.yaml)\n"
    "  -t, --check        check the configuration and exit\n"
    "  -V, --version      print the version and exit\n"
    "  -h, --help         print this help\n";

struct Args {
  std::string path;  // empty: the built-in config
  bool check_only = false;
};

void log(const std::string& text) {
  std::fprintf(stderr, "rdnsd: %s\n", text.c_str());
  std::fflush(stderr);
}

// The arguments, or the exit code when there is nothing more to do (help, version, a
// bad argument).
std::optional<int> parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      args.path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      args.path = arg.substr(9);
    } else if (arg == "-t" || arg == "--check") {
      args.check_only = true;
    } else if (arg == "-V" || arg == "--version") {
      std::printf("rdnsd %s\n", RDNSD_VERSION);
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "rdnsd: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  return std::nullopt;
}

// The stub resolver of forward confirmation, from the config's `fcrdns:` block.
std::shared_ptr<fcrdns::Resolver> make_resolver(const conf::Config& config) {
  fcrdns::StubOptions o;
  for (const auto& r : config.fcrdns.resolvers) o.servers.push_back({r.host, r.port, r.text});
  o.timeout = std::chrono::milliseconds(config.fcrdns.timeout_ms);
  return std::make_shared<fcrdns::StubResolver>(std::move(o));
}

// Opens the store and makes it serve the config's zones; the exit code on failure (1 for
// the store itself, 2 for a config that conflicts with it).
int open_store(const conf::Config& config, unsigned workers,
               std::unique_ptr<zonestore::Store>& store) {
  try {
    zonestore::StoreOptions so;
    so.path = config.store.path;
    so.map_size = config.store.map_size;
    so.max_records = config.max_records;
    // A read transaction for each worker's UDP and TCP threads, one for each admin
    // connection (an export holds one while it streams), and the admin thread's own.
    so.max_readers =
        std::max(so.max_readers, 2 * workers + unsigned(config.admin.max_connections) + 16);
    store = zonestore::Store::open(so);
    if (store->migrated_from() != 0)
      log("store " + so.path + ": migrated from schema version " +
          std::to_string(store->migrated_from()) + " to " +
          std::to_string(zonestore::kSchemaVersion));
    log(server::reconcile_zones(*store, config, std::time(nullptr)));
    return 0;
  } catch (const zonestore::StoreError& e) {
    log(config.file + ": " + e.what());
    return e.code() == "internal" ? 1 : 2;
  }
}

admin::HandlerOptions handler_options(const conf::Config& config) {
  admin::HandlerOptions o;
  o.zone_defaults = config.zone_defaults;
  o.resolver = make_resolver(config);
  return o;
}

admin::AdminServerOptions admin_options(const conf::Config& config) {
  admin::AdminServerOptions o;
  o.max_connections = config.admin.max_connections;
  o.idle_timeout = std::chrono::seconds(config.admin.idle_timeout_s);
  o.commit_wait = std::chrono::milliseconds(config.admin.commit_wait_ms);
  o.log = [](const std::string& text) { log(text); };  // on the admin thread
  o.allow_uids = config.admin.allow_uids;
  o.allow_gids = config.admin.allow_gids;
  o.group = config.admin.group;
  return o;
}

// What replication needs from the rest of rdnsd: the transfer service the TCP workers
// use, and the notifier told of every commit.
struct Replication {
  std::shared_ptr<const tsig::Keyring> keys;  // the config's tsig-keys, fixed at start
  std::vector<conf::TsigKeyConf> key_config;
  // The catalog zone, fixed at start like the keys (the query workers read it unlocked).
  dns::CatalogZone catalog;
  std::string catalog_apex;  // its name, text; empty: none
  std::shared_ptr<xfr::Service> transfers;
  std::unique_ptr<xfr::Notifier> notifier;
};

// The admin side's view of replication, over the notifier.
class NotifierView final : public admin::ReplicationView {
 public:
  explicit NotifierView(const xfr::Notifier& n) : n_(n) {}
  std::string status(const std::string& zone, uint32_t serial, std::time_t when) const override {
    return xfr::status_name(n_.status(zone, serial, when, std::time(nullptr)));
  }
  std::string zone_status(const std::string& zone) const override {
    return xfr::status_name(n_.zone_status(zone, std::time(nullptr)));
  }
  std::vector<admin::SecondaryView> secondaries(const std::string& zone) const override {
    std::vector<admin::SecondaryView> out;
    for (const xfr::SecondaryState& s : n_.secondaries(zone))
      out.push_back({s.address, s.serial, s.answered, s.notified, s.transfer, s.transfer_serial,
                     s.transferred, s.error});
    return out;
  }

 private:
  const xfr::Notifier& n_;
};

// The served zones and their serials (the notifier's view of the store), and the catalog
// zone's (`catalog`: its apex; empty: none).
std::vector<std::pair<std::string, uint32_t>> served_serials(const zonestore::Store& store,
                                                             const std::string& catalog) {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (const auto& z : store.zones())
    if (z.served) out.emplace_back(z.apex, z.serial);
  if (!catalog.empty()) out.emplace_back(catalog, store.catalog_serial());
  return out;
}

Replication make_replication(const conf::Config& config, const zonestore::Store& store) {
  Replication r;
  r.keys = server::keyring(config);
  r.key_config = config.tsig_keys;
  r.catalog = server::catalog_zone(config);
  r.catalog_apex = config.catalog.zone;
  r.transfers = std::make_shared<xfr::Service>(
      store, server::transfer_policy(config), xfr::TransferLimits{},
      [](const std::string& text) { log(text); }, r.keys);
  r.transfers->set_catalog(r.catalog);
  r.notifier = std::make_unique<xfr::Notifier>(server::replication_policy(config),
                                               xfr::request_signers(r.keys),
                                               [](const std::string& text) { log(text); });
  xfr::Notifier* notifier = r.notifier.get();
  r.transfers->on_done = [notifier](const xfr::Transfer& t) {
    // The SOA alone went to a client that was current: it pulled nothing.
    if (std::string_view(t.kind()) == "SOA") return;
    sockaddr_storage ss{};
    if (t.peer.family == 4) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      std::memcpy(&a->sin_addr, t.peer.bytes.data(), 4);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      std::memcpy(&a->sin6_addr, t.peer.bytes.data(), 16);
    }
    notifier->transferred(t.zone, reinterpret_cast<const sockaddr*>(&ss), t.kind(), t.serial);
  };
  return r;
}

// Every commit's new serials go to the notifier; when the set of zones changed, every
// served zone is told again (a new one gets its first NOTIFY), removed ones are
// forgotten, and the catalog (whose serial that commit stepped) is notified. Runs on the
// admin thread, after the durable commit.
void follow_commits(admin::CommitScheduler& scheduler, const zonestore::Store& store,
                    xfr::Notifier& notifier, const std::string& catalog) {
  scheduler.subscribe([&store, &notifier, catalog](const admin::Change& change) {
    for (const auto& s : change.serials) notifier.changed(s.zone, s.serial);
    if (!change.zones_changed) return;
    for (const auto& z : store.zones()) {
      if (z.served)
        notifier.changed(z.apex, z.serial);
      else
        notifier.removed(z.apex);
    }
    if (!catalog.empty()) notifier.changed(catalog, store.catalog_serial());
  });
}

// ---- DNS UPDATE: the door's plans become the writer's UpdateRequests ----

admin::UpdateRequest to_request(update::Plan plan) {
  using Pre = admin::UpdateRequest::Prerequisite;
  using Upd = admin::UpdateRequest::Update;
  admin::UpdateRequest r;
  r.zone = std::move(plan.zone);
  r.actor = std::move(plan.actor);
  for (update::Prerequisite& p : plan.prerequisites) {
    Pre q;
    q.kind = Pre::Kind(uint8_t(p.kind));  // the same kinds, in the same order
    q.owner = std::move(p.owner.text);
    if (p.owner.address) q.ip = names::format_ip(*p.owner.address);
    q.apex = p.owner.apex;
    q.type = p.type;
    q.values = std::move(p.values);
    r.prerequisites.push_back(std::move(q));
  }
  for (update::Update& u : plan.updates) {
    Upd v;
    v.kind = Upd::Kind(uint8_t(u.kind));
    v.ip = names::format_ip(u.address);
    v.type = u.type;
    v.ttl = u.ttl;
    v.target = std::move(u.target);
    r.updates.push_back(std::move(v));
  }
  return r;
}
static_assert(uint8_t(update::Prerequisite::Kind::RrsetAbsent) ==
              uint8_t(admin::UpdateRequest::Prerequisite::Kind::RrsetAbsent));
static_assert(uint8_t(update::Update::Kind::DeleteRr) ==
              uint8_t(admin::UpdateRequest::Update::Kind::DeleteRr));

// One UPDATE as a submitter of the commit scheduler: the answer line (on the admin
// thread, after the durable commit) becomes the door's outcome. An error line means the
// store failed: SERVFAIL.
class UpdateSubmitter final : public admin::Submitter {
 public:
  explicit UpdateSubmitter(update::Reply reply) : reply_(std::move(reply)) {}
  bool streaming() const override { return false; }
  void answer(admin::Response response) override {
    update::Outcome o;
    std::string why;
    auto a = admin::parse_answer(response.line, &why);
    if (a && a->ok) {
      const std::string name = a->body.value("rcode", "");
      o.rcode = update::rcode_from_name(name).value_or(update::Rcode::ServFail);
      o.reason = a->body.value("reason", "");
    } else {
      o.reason = a ? a->error.code + ": " + a->error.message : why;
    }
    if (reply_) std::exchange(reply_, nullptr)(std::move(o));
  }
  void delivered(bool) override {}

 private:
  update::Reply reply_;
};

// The door's writer: each plan posted to the scheduler (from a worker's thread), once the
// admin side runs (`ready`); before and after, SERVFAIL.
update::Writer update_writer(admin::CommitScheduler& scheduler, const std::atomic<bool>& ready) {
  return [&scheduler, &ready](update::Plan plan, update::Reply reply) {
    if (!ready.load()) return reply({update::Rcode::ServFail, "the writer is not running"});
    admin::Prepared p;
    p.peer.user = plan.actor;
    p.parsed.request = to_request(std::move(plan));
    auto from = std::make_shared<UpdateSubmitter>(reply);
    if (!scheduler.post(from, std::move(p))) reply({update::Rcode::ServFail, "rdnsd is stopping"});
  };
}

// Re-reads the config on SIGHUP: zone changes, the fcrdns resolvers, who may transfer and
// update, whom each zone is replicated to apply at once; listen addresses, workers, store, admin
// socket settings (path, mode, connection limit, idle timeout) and tsig-keys need a
// restart. A bad config is refused and the running one stays.
void reload(const std::string& path, zonestore::Store& store, admin::Handler& handler,
            Replication& replication, update::Door& updates) {
  try {
    auto config = server::load_config(path);
    log("reload: " + server::reconcile_zones(store, config, std::time(nullptr)));
    handler.set_zone_defaults(config.zone_defaults);
    handler.set_resolver(make_resolver(config));
    replication.transfers->set_policy(server::transfer_policy(config));
    updates.set_policy(server::update_policy(config));
    if (config.tsig_keys != replication.key_config)
      log("reload: tsig-keys changed; the running keys stay until rdnsd is restarted (the "
          "query workers read them without a lock)");
    if (server::catalog_zone(config) != replication.catalog)
      log("reload: catalog.zone or the zone-defaults it takes its SOA from changed; the "
          "running catalog stays until rdnsd is restarted (its secondaries apply now)");
    replication.notifier->set_policy(server::replication_policy(config));
    // The reconcile may have stepped serials outside the writer: tell every zone.
    for (const auto& [apex, serial] : served_serials(store, replication.catalog_apex))
      replication.notifier->changed(apex, serial);
  } catch (const std::exception& e) {
    log(std::string("reload refused, keeping the running configuration: ") + e.what());
  }
}

// The signals the main thread takes with sigwait; blocked in every thread (they inherit
// the mask), so that none of them ends the process by its default action.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Until a signal to stop: SIGHUP reloads, SIGUSR1/SIGUSR2 are logged and ignored.
void wait_for_stop(const sigset_t& signals, const std::string& path, zonestore::Store& store,
                   admin::Handler& handler, Replication& replication, update::Door& updates) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(path, store, handler, replication, updates);
    } else if (sig == SIGUSR1 || sig == SIGUSR2) {
      log(std::string("ignoring ") + strsignal(sig) + " (it has no job in rdnsd)");
    } else {
      log(std::string("stopping on ") + strsignal(sig));
      return;
    }
  }
}

void log_ready(const conf::Config& config, const server::Workers& workers) {
  for (const std::string& note : workers.notes()) log(note);
  std::string where;
  for (const auto& l : config.server.listen) where += " " + l.text;
  log("ready: answering on" + where + " (udp+tcp), admin socket " + config.admin.socket);
  for (const auto& l : config.http.listen)
    log("http: listening on " + l.text + (config.http.tls_cert.empty() ? " (http)" : " (https)"));
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto done = parse_args(argc, argv, args)) return *done;
  conf::Config config;
  try {
    config = server::load_config(args.path);
  } catch (const conf::ConfigError& e) {
    log(e.what());
    return 2;
  }
  if (args.check_only) {
    log(config.file + ": configuration is valid");
    return 0;
  }

  const sigset_t signals = block_signals();
  server::ServerOptions query_options = server::server_options(config);
  std::unique_ptr<zonestore::Store> store;
  if (int rc = open_store(config, query_options.workers, store)) return rc;
  Replication replication = make_replication(config, *store);
  query_options.transfers = replication.transfers;
  query_options.answer.keys = replication.keys;
  query_options.answer.catalog = replication.catalog;
  admin::HandlerOptions ho = handler_options(config);
  auto replication_view = std::make_shared<NotifierView>(*replication.notifier);
  ho.replication = replication_view;
  admin::Handler handler(*store, std::move(ho));
  admin::AdminServer admin(handler, config.admin.socket, config.admin.mode, admin_options(config));
  follow_commits(admin.scheduler(), *store, *replication.notifier, replication.catalog_apex);
  std::atomic<bool> writer_ready{false};
  auto updates = std::make_shared<update::Door>(
      *store, server::update_policy(config), replication.keys,
      update_writer(admin.scheduler(), writer_ready), [](const std::string& text) { log(text); });
  query_options.updates = updates;
  server::Workers workers(*store, query_options);
  server::HttpDoor http;
  try {
    http = server::make_http(config, *store, admin.scheduler(), replication_view,
                             [](const std::string& text) { log(text); });
    replication.notifier->start(served_serials(*store, replication.catalog_apex));
    workers.start();
    admin.start();
    writer_ready = true;
    if (http.server) http.server->start();
  } catch (const std::exception& e) {
    log(e.what());
    if (http.server) http.server->stop();
    admin.stop();
    workers.stop();
    replication.notifier->stop();
    return 1;
  }
  log_ready(config, workers);
  wait_for_stop(signals, args.path, *store, handler, replication, *updates);
  writer_ready = false;
  if (http.server) http.server->quiesce();  // its writes still get answers from the writer
  admin.stop();
  if (http.server) http.server->stop();
  replication.notifier->stop();
  workers.stop();
  return 0;
}
