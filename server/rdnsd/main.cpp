// rdnsd: wires the config, the store, the query workers, the UPDATE door and the admin
// socket together,
// then waits for signals (SIGTERM/SIGINT/SIGQUIT: stop; SIGHUP: re-read the config's
// zones; SIGUSR1/SIGUSR2: ignored, and logged).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "admin/ops/handler.h"
#include "admin/socket/server.h"
#include "logging/log.h"
#include "server/net/workers.h"
#include "server/rdnsd/daemon.h"
#include "server/rdnsd/http_door.h"
#include "server/rdnsd/systemd.h"
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

using logging::Level;

// One event for the log (logging/log.h: stderr, the journal's priorities).
void log(Level level, const std::string& text) {
  logging::write(level, text);
}

// What `rdnsd --check` and a bad command line print: plain lines, no time stamp.
void say(const std::string& text) {
  std::fprintf(stderr, "rdnsd: %s\n", text.c_str());
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
    so.map_size_max = config.store.map_size_max;
    so.max_records = config.max_records;
    // Reader slots by construction, so MDB_READERS_FULL cannot happen: each answering
    // thread (three per worker: UDP, TCP, transfers) holds its source's and may open one
    // more at a time (a transfer's, or a Store read of the UPDATE door); each admin
    // connection one (an export); each transfer at once one; and 16 for the admin thread,
    // the notifier and any other thread's short Store reads.
    so.max_readers = std::max(so.max_readers, 6 * workers + unsigned(config.admin.max_connections) +
                                                  xfr::TransferLimits{}.max_transfers + 16);
    store = zonestore::Store::open(so);
    if (store->migrated_from() != 0)
      log(Level::Notice, "store " + so.path + ": migrated from schema version " +
                             std::to_string(store->migrated_from()) + " to " +
                             std::to_string(zonestore::kSchemaVersion));
    log(Level::Notice, server::reconcile_zones(*store, config, std::time(nullptr)));
    return 0;
  } catch (const zonestore::StoreError& e) {
    log(Level::Error, config.file + ": " + e.what());
    return e.code() == "internal" ? 1 : 2;
  }
}

admin::HandlerOptions handler_options(const conf::Config& config) {
  admin::HandlerOptions o;
  o.zone_defaults = config.zone_defaults;
  o.resolver = make_resolver(config);
  o.log = logging::sink();  // every write, at info
  return o;
}

admin::AdminServerOptions admin_options(const conf::Config& config) {
  admin::AdminServerOptions o;
  // The watchdog is pinged from the writer's loop: a stuck commit stops the pings.
  if (auto every = server::systemd::watchdog_interval()) {
    o.heartbeat = [] { server::systemd::watchdog(); };
    o.heartbeat_interval = *every;
  }
  o.max_connections = config.admin.max_connections;
  o.idle_timeout = std::chrono::seconds(config.admin.idle_timeout_s);
  o.commit_wait = std::chrono::milliseconds(config.admin.commit_wait_ms);
  o.log = logging::sink();  // on the admin thread
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
  r.transfers = std::make_shared<xfr::Service>(store, server::transfer_policy(config),
                                               xfr::TransferLimits{}, logging::sink(), r.keys);
  r.transfers->set_catalog(r.catalog);
  r.notifier = std::make_unique<xfr::Notifier>(server::replication_policy(config),
                                               xfr::request_signers(r.keys), logging::sink());
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
    v.rdata = std::move(u.rdata);
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

// The STATUS= line: the served zones and their records.
std::string serving_status(const zonestore::Store& store) {
  size_t zones = 0;
  uint64_t records = 0;
  for (const auto& z : store.zones())
    if (z.served) ++zones, records += z.record_count;
  return server::systemd::zones_status(zones, records);
}

// The daemon's side of `status` and `reload` (admin/ops/daemon_view.h), and SIGHUP's
// reload. A reload applies at once: zone changes, the fcrdns resolvers, who may transfer
// and update, whom each zone is replicated to, the log level and format; listen
// addresses, workers, store, admin socket settings, tsig-keys and the catalog need a
// restart (said in the outcome). A bad config is refused whole and the running one stays.
class Control final : public admin::DaemonView {
 public:
  Control(std::string path, const conf::Config& config, zonestore::Store& store,
          Replication& replication)
      : path_(std::move(path)),
        started_(config),
        current_(config),
        store_(store),
        replication_(replication),
        since_(std::time(nullptr)) {}
  // The parts made after this one; before reload() is called.
  void attach(admin::Handler& handler, update::Door& updates, unsigned workers) {
    handler_ = &handler;
    updates_ = &updates;
    workers_ = workers;
  }

  admin::DaemonInfo info() const override {
    admin::DaemonInfo d;
    d.version = RDNSD_VERSION;
    d.started = since_;
    d.workers = workers_;
    for (const auto& l : started_.server.listen) d.listeners.push_back(l.text);
    d.config = started_.file;
    d.admin_socket = started_.admin.socket;
    return d;
  }

  admin::ReloadOutcome reload() override {
    std::lock_guard lock(mutex_);
    server::systemd::reloading();
    admin::ReloadOutcome out;
    try {
      out.changes = apply(server::load_config(path_));
      out.ok = true;
      for (const auto& c : out.changes) log(Level::Notice, "reload: " + c);
    } catch (const std::exception& e) {
      out.error = e.what();
      log(Level::Error, "reload refused, keeping the running configuration: " + out.error);
    }
    server::systemd::ready(serving_status(store_));
    return out;
  }

 private:
  // Applies `config`; one line per change. Throws (nothing applied) when the store
  // refuses its zones.
  std::vector<std::string> apply(const conf::Config& config) {
    std::vector<std::string> changes;
    try {
      changes.push_back(server::reconcile_zones(store_, config, std::time(nullptr)));
    } catch (const zonestore::StoreError& e) {
      throw std::runtime_error(config.file + ": " + e.what());
    }
    logging::configure(config.log.level, config.log.format);
    if (config.log.level != current_.log.level)
      changes.push_back(std::string("log.level: ") + logging::level_name(current_.log.level) +
                        " -> " + logging::level_name(config.log.level));
    if (config.log.format != current_.log.format)
      changes.push_back(std::string("log.format: ") +
                        (config.log.format == logging::Format::Json ? "json" : "text"));
    handler_->set_zone_defaults(config.zone_defaults);
    handler_->set_resolver(make_resolver(config));
    replication_.transfers->set_policy(server::transfer_policy(config));
    updates_->set_policy(server::update_policy(config));
    replication_.notifier->set_policy(server::replication_policy(config));
    note_restart(config, changes);
    // The reconcile may have stepped serials outside the writer: tell every zone.
    for (const auto& [apex, serial] : served_serials(store_, replication_.catalog_apex))
      replication_.notifier->changed(apex, serial);
    current_ = config;
    return changes;
  }

  // What differs from the settings rdnsd started with that only a restart applies.
  void note_restart(const conf::Config& config, std::vector<std::string>& changes) const {
    const auto stays = [&](const char* what) {
      changes.push_back(std::string(what) +
                        " changed; the running settings stay until rdnsd is restarted");
    };
    if (config.server != started_.server) stays("server");
    if (config.store != started_.store) stays("store");
    if (config.admin != started_.admin) stays("admin");
    if (config.tsig_keys != replication_.key_config)
      stays("tsig-keys");  // the query workers read them without a lock
    if (server::catalog_zone(config) != replication_.catalog)
      stays("catalog (or the zone-defaults its SOA comes from)");
    if (server::forward_zones(config) != server::forward_zones(started_))
      stays("synthesize.forward (or the SOA and NS of its zone)");
  }

  const std::string path_;
  const conf::Config started_;
  conf::Config current_;
  zonestore::Store& store_;
  Replication& replication_;
  const std::time_t since_;
  admin::Handler* handler_ = nullptr;
  update::Door* updates_ = nullptr;
  unsigned workers_ = 0;
  std::mutex mutex_;  // one reload at a time (SIGHUP and the admin op)
};

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

// The rate limiters' counters in the log, when they changed: at once after a quiet
// spell, then at most every kEvery seconds while limiting goes on, and once more at stop.
class RrlLog {
 public:
  static constexpr std::time_t kEvery = 10;
  explicit RrlLog(const server::Workers& workers) : workers_(workers) {}
  void tick(bool final) {
    const rrl::Stats now = workers_.rrl_stats();
    const std::time_t t = std::time(nullptr);
    if (now == logged_ || (!final && t - last_ < kEvery)) return;
    log(Level::Notice,
        "rrl: limited=" + std::to_string(now.limited) + " slipped=" + std::to_string(now.slipped) +
            " dropped=" + std::to_string(now.dropped) + " since start (+" +
            std::to_string(now.limited - logged_.limited) + " limited since the last report)");
    logged_ = now;
    last_ = t;
  }

 private:
  const server::Workers& workers_;
  rrl::Stats logged_;
  std::time_t last_ = 0;
};

// Until a signal to stop: SIGHUP reloads, SIGUSR1/SIGUSR2 are logged and ignored; every
// second without a signal, the RRL counters may be logged.
void wait_for_stop(const sigset_t& signals, Control& control, RrlLog& rrl_log) {
  const timespec second{1, 0};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &second);
    if (sig < 0) {
      rrl_log.tick(false);
      continue;
    }
    if (sig == SIGHUP) {
      control.reload();
    } else if (sig == SIGUSR1 || sig == SIGUSR2) {
      log(Level::Notice, std::string("ignoring ") + strsignal(sig) + " (it has no job in rdnsd)");
    } else {
      log(Level::Notice, std::string("stopping on ") + strsignal(sig));
      server::systemd::stopping(std::string("stopping on ") + strsignal(sig));
      return;
    }
  }
}

void log_ready(const conf::Config& config, const server::Workers& workers) {
  for (const std::string& note : workers.notes()) log(Level::Info, note);
  std::string where;
  for (const auto& l : config.server.listen) where += " " + l.text;
  log(Level::Notice,
      "ready: answering on" + where + " (udp+tcp), admin socket " + config.admin.socket);
  for (const auto& l : config.http.listen)
    log(Level::Notice,
        "http: listening on " + l.text + (config.http.tls_cert.empty() ? " (http)" : " (https)"));
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto done = parse_args(argc, argv, args)) return *done;
  conf::Config config;
  try {
    config = server::load_config(args.path);
  } catch (const conf::ConfigError& e) {
    if (args.check_only)
      say(e.what());
    else
      log(Level::Error, e.what());
    return 2;
  }
  if (args.check_only) {
    say(config.file + ": configuration is valid");
    return 0;
  }
  logging::configure(config.log.level, config.log.format);
  log(Level::Notice, std::string("starting rdnsd ") + RDNSD_VERSION + " (pid " +
                         std::to_string(getpid()) + ", " + config.file + ")");

  const sigset_t signals = block_signals();
  server::ServerOptions query_options = server::server_options(config);
  if (std::string note = server::raise_file_limit(config, query_options.workers); !note.empty())
    log(Level::Warning, note);
  std::unique_ptr<zonestore::Store> store;
  if (int rc = open_store(config, query_options.workers, store)) return rc;
  Replication replication = make_replication(config, *store);
  query_options.transfers = replication.transfers;
  query_options.answer.keys = replication.keys;
  query_options.answer.catalog = replication.catalog;
  query_options.answer.forward = server::forward_zones(config);
  auto control = std::make_shared<Control>(args.path, config, *store, replication);
  admin::HandlerOptions ho = handler_options(config);
  auto replication_view = std::make_shared<NotifierView>(*replication.notifier);
  ho.replication = replication_view;
  ho.catalog_zone = replication.catalog_apex;
  ho.daemon = control;
  admin::Handler handler(*store, std::move(ho));
  admin::AdminServer admin(handler, config.admin.socket, config.admin.mode, admin_options(config));
  follow_commits(admin.scheduler(), *store, *replication.notifier, replication.catalog_apex);
  std::atomic<bool> writer_ready{false};
  auto updates = std::make_shared<update::Door>(
      *store, server::update_policy(config), replication.keys,
      update_writer(admin.scheduler(), writer_ready), logging::sink());
  query_options.updates = updates;
  server::Workers workers(*store, query_options);
  control->attach(handler, *updates, query_options.workers);
  server::HttpDoor http;
  try {
    http = server::make_http(config, *store, admin.scheduler(), replication_view,
                             [](const std::string& text) { log(Level::Notice, text); });
    replication.notifier->start(served_serials(*store, replication.catalog_apex));
    workers.start();
    admin.start();
    writer_ready = true;
    if (http.server) http.server->start();
  } catch (const std::exception& e) {
    log(Level::Error, e.what());
    if (http.server) http.server->stop();
    admin.stop();
    workers.stop();
    replication.notifier->stop();
    return 1;
  }
  log_ready(config, workers);
  server::systemd::ready(serving_status(*store));
  RrlLog rrl_log(workers);
  wait_for_stop(signals, *control, rrl_log);
  rrl_log.tick(true);
  writer_ready = false;
  if (http.server) http.server->quiesce();  // its writes still get answers from the writer
  admin.stop();
  if (http.server) http.server->stop();
  replication.notifier->stop();
  workers.stop();
  log(Level::Notice, "stopped");
  return 0;
}
