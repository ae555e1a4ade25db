#pragma once
// GET /metrics: the Prometheus text exposition format 0.0.4, made at each scrape from
// the store and the replication view (nothing is counted on the answer path for it).
#include <ctime>
#include <string>

#include "admin/ops/commit_scheduler.h"
#include "admin/ops/replication.h"
#include "zonestore/store.h"

namespace rdnsd::admin::http {

// rdnsd_build_info{version}, rdnsd_start_time_seconds, rdnsd_zone_serial{zone},
// rdnsd_zone_records{zone}, rdnsd_secondary_serial{zone,secondary}, rdnsd_store_bytes,
// rdnsd_tokens. `replication` may be null.
// With `scheduler` (may be null): rdnsd_admin_ops_total{op,result} (every request the
// writer answered, from any door) and the rdnsd_commit_duration_seconds histogram.
std::string metrics_text(const zonestore::Store& store, const ReplicationView* replication,
                         const std::string& version, std::time_t started,
                         const CommitScheduler* scheduler = nullptr);

}  // namespace rdnsd::admin::http
