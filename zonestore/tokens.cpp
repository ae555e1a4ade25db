// The HTTP API's tokens: one write transaction per change (the admin thread, the single
// writer, makes them), reads on any thread.
#include "zonestore/codec/bytes.h"
#include "zonestore/codec/token_value.h"
#include "zonestore/store.h"

namespace rdnsd::zonestore {

using codec::view;

void Store::add_token(const Token& token) {
  if (token.prefixes.size() > codec::kMaxTokenPrefixes)
    throw StoreError("bad_request", "a token has at most " +
                                        std::to_string(codec::kMaxTokenPrefixes) + " prefixes");
  Txn txn(env_.get(), true);
  if (txn.find(tables_.tokens, token.name))
    throw StoreError("conflict", "a token named " + token.name + " exists");
  txn.put(tables_.tokens, token.name, codec::encode_token(token));
  txn.commit();
}

void Store::remove_token(std::string_view name) {
  Txn txn(env_.get(), true);
  if (!txn.find(tables_.tokens, name))
    throw StoreError("not_found", "no token named " + std::string(name));
  txn.del(tables_.tokens, name);
  txn.commit();
}

std::optional<Token> Store::token(std::string_view name) const {
  if (name.empty() || name.size() > 511) return std::nullopt;  // LMDB's key limit
  Txn txn(env_.get(), false);
  auto v = txn.find(tables_.tokens, name);
  if (!v) return std::nullopt;
  return codec::decode_token(name, *v);
}

std::vector<Token> Store::tokens() const {
  Txn txn(env_.get(), false);
  Cursor cur(txn.get(), tables_.tokens);
  std::vector<Token> out;
  MDB_val k, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT))
    out.push_back(codec::decode_token(view(k), view(v)));
  if (rc != MDB_NOTFOUND) check(rc, "list tokens");
  return out;
}

}  // namespace rdnsd::zonestore
