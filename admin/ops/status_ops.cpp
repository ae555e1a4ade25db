// status (the server as a whole) and reload (the config file again, as SIGHUP).
#include <lmdb.h>
#include <sys/stat.h>

#include <string>

#include "admin/ops/handler.h"
#include "admin/ops/views.h"

namespace rdnsd::admin {
namespace {

// The store's files and how much of its map is in use (LMDB's own counters).
Json store_json(const zonestore::Store& store) {
  MDB_envinfo info{};
  MDB_stat stat{};
  const char* path = nullptr;
  mdb_env_info(store.env(), &info);
  mdb_env_stat(store.env(), &stat);
  mdb_env_get_path(store.env(), &path);
  const std::string dir = path ? path : "";
  struct stat st {};
  const uint64_t file = ::stat((dir + "/data.mdb").c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
  const uint64_t used = uint64_t(info.me_last_pgno + 1) * stat.ms_psize;
  const uint64_t map = uint64_t(info.me_mapsize);
  return {{"path", dir},
          {"size", file},
          {"map_size", map},
          {"map_used", used},
          {"map_use_percent", map ? double(used) * 100.0 / double(map) : 0.0},
          {"records", store.record_count()},
          {"readers", info.me_numreaders},
          {"max_readers", info.me_maxreaders}};
}

}  // namespace

Json Handler::secondaries_json(const std::string& apex) const {
  Json list = Json::array();
  if (!options_.replication) return list;
  for (const SecondaryView& s : options_.replication->secondaries(apex)) {
    Json one = {{"address", s.address},
                {"serial", s.serial ? Json(*s.serial) : Json(nullptr)},
                {"answered", s.answered ? Json(rfc3339(s.answered)) : Json(nullptr)},
                {"notified", s.notified ? Json(rfc3339(s.notified)) : Json(nullptr)},
                {"transfer", s.transfer.empty() ? Json(nullptr) : Json(s.transfer)},
                {"transferred", s.transferred ? Json(rfc3339(s.transferred)) : Json(nullptr)}};
    if (s.transferred) one["transfer_serial"] = s.transfer_serial;
    if (!s.error.empty()) one["error"] = s.error;
    list.push_back(std::move(one));
  }
  return list;
}

Json Handler::status(const StatusRequest&) {
  Json out;
  if (options_.daemon) {
    const DaemonInfo d = options_.daemon->info();
    const std::time_t now = options_.clock();
    out["version"] = d.version;
    out["started"] = rfc3339(d.started);
    out["uptime"] = now > d.started ? uint64_t(now - d.started) : 0;
    out["workers"] = d.workers;
    out["listeners"] = d.listeners;
    out["config"] = d.config;
    out["admin_socket"] = d.admin_socket;
  }
  out["store"] = store_json(store_);
  Json zones = Json::array();
  for (const auto& z : sorted_zones(store_)) {
    Json one = zone_view(z);
    if (z.served && options_.replication) one["secondaries"] = secondaries_json(z.apex);
    zones.push_back(std::move(one));
  }
  out["zones"] = std::move(zones);
  return out;
}

Json Handler::reload(const ReloadRequest&) {
  if (!options_.daemon)
    throw zonestore::StoreError(code::kBadRequest, "this server cannot reload its configuration");
  const ReloadOutcome r = options_.daemon->reload();
  if (!r.ok) throw zonestore::StoreError(code::kBadConfig, r.error);
  return Json{{"changes", r.changes}};
}

}  // namespace rdnsd::admin
