// Export: one zone and its records read whole from one snapshot (ZoneReader).
#include "zonestore/codec/bytes.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/meta_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/records.h"
#include "zonestore/store.h"
#include "zonestore/zones.h"

namespace rdnsd::zonestore {

namespace {

using codec::val;
using codec::view;

// A zone's records from one read transaction: a meta cursor walking the zone's prefix.
class LmdbZoneReader : public ZoneReader {
 public:
  // The zone is read in the reader's own transaction, so that it and the records are one
  // snapshot. found() is false when there is no zone at `apex_key`.
  LmdbZoneReader(MDB_env* env, const Tables& t, const std::string& apex_key)
      : tables_(t), txn_(env, false) {
    MDB_val k = val(apex_key), v;
    int rc = mdb_get(txn_.get(), t.zones, &k, &v);
    if (rc == MDB_NOTFOUND) return;
    check(rc, "read zone");
    cursor_.emplace(txn_.get(), t.meta);
    zone_ = codec::decode_zone(apex_key, view(v));
  }
  bool found() const { return cursor_.has_value(); }

  const Zone& zone() const override { return zone_; }

  bool next(Record& out) override {
    if (done_) return false;
    MDB_val k, v;
    int rc;
    if (!started_) {
      started_ = true;
      std::string start = codec::meta_key(zone_.settings.prefix.addr);
      k = val(start);
      rc = mdb_cursor_get(cursor_->get(), &k, &v, MDB_SET_RANGE);
    } else {
      rc = mdb_cursor_get(cursor_->get(), &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND) return !(done_ = true);
    check(rc, "read records");
    names::IpAddress addr = codec::address_of_meta_key(view(k));
    if (!names::prefix_contains(zone_.settings.prefix, addr)) return !(done_ = true);
    out = make_record(addr, codec::decode_meta(view(v)), zone_.apex);
    out.dhcid = read_dhcid(txn_, tables_, view(k));
    return true;
  }

 private:
  Zone zone_;
  Tables tables_;
  Txn txn_;                       // declared before the cursor: closed after it
  std::optional<Cursor> cursor_;  // set when the zone was found
  bool started_ = false, done_ = false;
};

}  // namespace

std::unique_ptr<ZoneReader> Store::read_zone(std::string_view name) const {
  auto reader = std::make_unique<LmdbZoneReader>(env_.get(), tables_, zone_key(name));
  if (!reader->found()) return nullptr;
  return reader;
}

}  // namespace rdnsd::zonestore
