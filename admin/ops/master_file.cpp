#include "admin/ops/master_file.h"

#include "admin/ops/views.h"

namespace rdnsd::admin::master_file {
namespace {

std::string rr(const std::string& owner, uint32_t ttl, const char* type) {
  return owner + "\t" + std::to_string(ttl) + "\tIN\t" + type + "\t";
}

}  // namespace

std::string header_line(const zonestore::Zone& zone) {
  return "; zone " + zone.apex + " (" + names::format_prefix(zone.settings.prefix) + "), " +
         std::to_string(zone.record_count) + (zone.record_count == 1 ? " record" : " records");
}

std::string soa_line(const zonestore::Zone& zone) {
  const zonestore::SoaSettings& soa = zone.settings.soa;
  return rr(zone.apex, soa.ttl, "SOA") + soa.mname + " " + soa.rname + " " +
         std::to_string(zone.serial) + " " + std::to_string(soa.refresh) + " " +
         std::to_string(soa.retry) + " " + std::to_string(soa.expire) + " " +
         std::to_string(soa.minimum);
}

std::string ns_line(const zonestore::Zone& zone, const std::string& ns) {
  return rr(zone.apex, zone.settings.ns_ttl_or_soa(), "NS") + ns;
}

std::string ptr_line(const zonestore::Record& record) {
  return rr(record.owner, record.ttl, "PTR") + record.target;
}

std::string dhcid_line(const zonestore::Record& record) {
  return rr(record.owner, record.dhcid->ttl, "DHCID") + base64(record.dhcid->rdata);
}

}  // namespace rdnsd::admin::master_file
