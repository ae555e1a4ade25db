// Opening a store: the environment, its tables and the schema check in one transaction.
// The Store's other methods live with their job (see zonestore/store.h).
#include "zonestore/store.h"

#include <algorithm>
#include <ctime>

#include "zonestore/codec/info_value.h"

namespace rdnsd::zonestore {

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  std::unique_ptr<Store> s(new Store(options));
  s->env_ = Env::open(options);
  s->max_map_ = std::max(options.map_size, options.map_size_max);
  s->reserve_ = std::clamp<uint64_t>(s->max_map_ / 64, 1ull << 20, 1ull << 30);
  Txn txn(s->env_.get(), true);
  s->tables_ = open_tables(txn.get());
  s->migrated_from_ = check_schema(txn, s->tables_, options.path);
  // A new store (or one from before the catalog) starts its catalog serial at the time,
  // as a unixtime zone does: a store made again from scratch then starts above the serial
  // the secondaries kept from the old one, and they take its catalog.
  if (!txn.find(s->tables_.info, codec::kInfoCatalogSerial))
    txn.put(s->tables_.info, codec::kInfoCatalogSerial,
            codec::encode_catalog_serial(
                serial::initial(serial::Policy::UnixTime, std::time(nullptr))));
  txn.commit();
  return s;
}

uint32_t Store::catalog_serial() const {
  Txn txn(env_.get(), false);
  auto v = txn.find(tables_.info, codec::kInfoCatalogSerial);
  return v ? codec::decode_catalog_serial(*v).value_or(0) : 0;
}

}  // namespace rdnsd::zonestore
