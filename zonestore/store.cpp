// Opening a store: the environment, its tables and the schema check in one transaction.
// The Store's other methods live with their job (see zonestore/store.h).
#include "zonestore/store.h"

namespace rdnsd::zonestore {

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  std::unique_ptr<Store> s(new Store(options));
  s->env_ = Env::open(options);
  Txn txn(s->env_.get(), true);
  s->tables_ = open_tables(txn.get());
  s->migrated_from_ = check_schema(txn, s->tables_, options.path);
  txn.commit();
  return s;
}

}  // namespace rdnsd::zonestore
