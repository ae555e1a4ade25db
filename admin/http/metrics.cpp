#include "admin/http/metrics.h"

#include <lmdb.h>

#include <string_view>

namespace rdnsd::admin::http {

namespace {

// A label value with \, " and newline escaped, as the text format wants.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

uint64_t store_bytes(const zonestore::Store& store) {
  MDB_envinfo info;
  MDB_stat stat;
  if (mdb_env_info(store.env(), &info) != 0 || mdb_env_stat(store.env(), &stat) != 0) return 0;
  return uint64_t(info.me_last_pgno + 1) * stat.ms_psize;
}

// The writer's counts: answers per op and result, and the commit-time histogram.
void scheduler_metrics(std::string& out, const SchedulerStats& s) {
  family(out, "rdnsd_admin_ops_total", "counter",
         "Requests the writer answered (admin socket, HTTP, DNS UPDATE), by op and result.");
  for (const auto& [key, n] : s.ops)
    out += "rdnsd_admin_ops_total{op=\"" + label(key.first) + "\",result=\"" + label(key.second) +
           "\"} " + std::to_string(n) + "\n";
  family(out, "rdnsd_commit_duration_seconds", "histogram",
         "Time of each durable commit of the writer (a group or one request).");
  for (size_t i = 0; i < s.commit_buckets.size(); ++i) {
    const std::string le = i < std::size(SchedulerStats::kCommitBuckets)
                               ? std::to_string(SchedulerStats::kCommitBuckets[i])
                               : "+Inf";
    out += "rdnsd_commit_duration_seconds_bucket{le=\"" + le + "\"} " +
           std::to_string(s.commit_buckets[i]) + "\n";
  }
  out += "rdnsd_commit_duration_seconds_sum " + std::to_string(s.commit_seconds) + "\n";
  out += "rdnsd_commit_duration_seconds_count " + std::to_string(s.commits) + "\n";
}

}  // namespace

std::string metrics_text(const zonestore::Store& store, const ReplicationView* replication,
                         const std::string& version, std::time_t started,
                         const CommitScheduler* scheduler) {
  std::string out;
  family(out, "rdnsd_build_info", "gauge", "The version of rdnsd that is running.");
  out += "rdnsd_build_info{version=\"" + label(version) + "\"} 1\n";
  family(out, "rdnsd_start_time_seconds", "gauge", "When rdnsd started, seconds since the epoch.");
  out += "rdnsd_start_time_seconds " + std::to_string(int64_t(started)) + "\n";
  const auto zones = store.zones();
  family(out, "rdnsd_zone_serial", "gauge", "The SOA serial of each served zone.");
  for (const auto& z : zones)
    if (z.served)
      out += "rdnsd_zone_serial{zone=\"" + label(z.apex) + "\"} " + std::to_string(z.serial) + "\n";
  family(out, "rdnsd_zone_records", "gauge", "The PTR records of each served zone.");
  for (const auto& z : zones)
    if (z.served)
      out += "rdnsd_zone_records{zone=\"" + label(z.apex) + "\"} " +
             std::to_string(z.record_count) + "\n";
  family(out, "rdnsd_secondary_serial", "gauge",
         "The serial each secondary of a zone answered last (absent: none yet).");
  if (replication)
    for (const auto& z : zones) {
      if (!z.served) continue;
      for (const auto& s : replication->secondaries(z.apex))
        if (s.serial)
          out += "rdnsd_secondary_serial{zone=\"" + label(z.apex) + "\",secondary=\"" +
                 label(s.address) + "\"} " + std::to_string(*s.serial) + "\n";
    }
  family(out, "rdnsd_store_bytes", "gauge", "Bytes of the store's map in use (its pages).");
  out += "rdnsd_store_bytes " + std::to_string(store_bytes(store)) + "\n";
  family(out, "rdnsd_records", "gauge", "PTR records in the store.");
  out += "rdnsd_records " + std::to_string(store.record_count()) + "\n";
  if (scheduler) scheduler_metrics(out, scheduler->stats());
  return out;
}

}  // namespace rdnsd::admin::http
