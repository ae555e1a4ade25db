// rdnsd: wires the config, the store, the query workers and the admin socket together,
// then waits for signals (SIGTERM/SIGINT: stop; SIGHUP: re-read the config's zones).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "admin/ops/handler.h"
#include "admin/socket/server.h"
#include "server/net/workers.h"
#include "server/rdnsd/daemon.h"

namespace {

const char kUsage[] =
    "usage: rdnsd [-c FILE] [-t]\n"
    "  -c, --config FILE  configuration file (default: the built-in conf/rdnsd.yaml)\n"
    "  -t, --check        check the configuration and exit\n"
    "  -V, --version      print the version and exit\n"
    "  -h, --help         print this help\n";

// The stub resolver of forward confirmation, from the config's `fcrdns:` block.
std::shared_ptr<rdnsd::fcrdns::Resolver> make_resolver(const rdnsd::conf::Config& config) {
  rdnsd::fcrdns::StubOptions o;
  for (const auto& r : config.fcrdns.resolvers) o.servers.push_back({r.host, r.port, r.text});
  o.timeout = std::chrono::milliseconds(config.fcrdns.timeout_ms);
  return std::make_shared<rdnsd::fcrdns::StubResolver>(std::move(o));
}

void log(const std::string& text) {
  std::fprintf(stderr, "rdnsd: %s\n", text.c_str());
  std::fflush(stderr);
}

// Re-reads the config on SIGHUP: zone changes and the fcrdns resolvers apply at once;
// listen addresses, workers, store and admin socket settings (path, mode, connection
// limit, idle timeout) need a restart. A bad config
// is refused and the running one stays.
void reload(const std::string& path, rdnsd::zonestore::Store& store,
            rdnsd::admin::Handler& handler) {
  try {
    auto config = rdnsd::server::load_config(path);
    log("reload: " + rdnsd::server::reconcile_zones(store, config, std::time(nullptr)));
    handler.set_zone_defaults(config.zone_defaults);
    handler.set_resolver(make_resolver(config));
  } catch (const std::exception& e) {
    log(std::string("reload refused, keeping the running configuration: ") + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      path = arg.substr(9);
    } else if (arg == "-t" || arg == "--check") {
      check_only = true;
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

  rdnsd::conf::Config config;
  try {
    config = rdnsd::server::load_config(path);
  } catch (const rdnsd::conf::ConfigError& e) {
    log(e.what());
    return 2;
  }
  if (check_only) {
    log(config.file + ": configuration is valid");
    return 0;
  }

  // Signals are taken by sigwait below; every thread inherits this mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const rdnsd::server::ServerOptions query_options = rdnsd::server::server_options(config);
  std::unique_ptr<rdnsd::zonestore::Store> store;
  try {
    rdnsd::zonestore::StoreOptions so;
    so.path = config.store.path;
    so.map_size = config.store.map_size;
    so.max_records = config.max_records;
    // A read transaction for each worker's UDP and TCP threads, one for each admin
    // connection (an export holds one while it streams), and the admin thread's own.
    const unsigned workers = query_options.workers;
    so.max_readers =
        std::max(so.max_readers, 2 * workers + unsigned(config.admin.max_connections) + 16);
    store = rdnsd::zonestore::Store::open(so);
    if (store->migrated_from() != 0)
      log("store " + so.path + ": migrated from schema version " +
          std::to_string(store->migrated_from()) + " to " +
          std::to_string(rdnsd::zonestore::kSchemaVersion));
    log(rdnsd::server::reconcile_zones(*store, config, std::time(nullptr)));
  } catch (const rdnsd::zonestore::StoreError& e) {
    log(config.file + ": " + e.what());
    return e.code() == "internal" ? 1 : 2;
  }

  rdnsd::admin::HandlerOptions ho;
  ho.zone_defaults = config.zone_defaults;
  ho.resolver = make_resolver(config);
  rdnsd::admin::Handler handler(*store, ho);
  rdnsd::admin::AdminServerOptions ao;
  ao.max_connections = config.admin.max_connections;
  ao.idle_timeout = std::chrono::seconds(config.admin.idle_timeout_s);
  ao.commit_wait = std::chrono::milliseconds(config.admin.commit_wait_ms);
  ao.log = [](const std::string& text) { log(text); };  // on the admin thread
  rdnsd::admin::AdminServer admin(handler, config.admin.socket, config.admin.mode, ao);
  rdnsd::server::Workers workers(*store, query_options);
  try {
    workers.start();
    admin.start();
  } catch (const std::exception& e) {
    log(e.what());
    workers.stop();
    return 1;
  }
  for (const std::string& note : workers.notes()) log(note);
  std::string where;
  for (const auto& l : config.server.listen) where += " " + l.text;
  log("ready: answering on" + where + " (udp+tcp), admin socket " + config.admin.socket);

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(path, *store, handler);
      continue;
    }
    log(std::string("stopping on ") + strsignal(sig));
    break;
  }
  admin.stop();
  workers.stop();
  return 0;
}
