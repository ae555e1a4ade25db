// The write entry points: one op, a batch of ops (apply) and a group commit
// (apply_each), each over WriteTxn.
#include <algorithm>
#include <iterator>

#include "zonestore/codec/keys.h"
#include "zonestore/store.h"
#include "zonestore/write_txn.h"

namespace rdnsd::zonestore {

namespace {

// The failures WriteTxn::set / unset raise before writing anything for the op.
bool skippable(const StoreError& e) {
  static const char* const codes[] = {"bad_address", "bad_name", "bad_ttl", "bad_description",
                                      "not_in_zone"};
  return std::find(std::begin(codes), std::end(codes), e.code()) != std::end(codes);
}

void apply_op(WriteTxn& w, const Op& op, std::time_t now) {
  if (op.kind == Op::Kind::Set)
    w.set(op.set, now);
  else
    w.unset(op.unset, now);
}

// The order in which apply() may write `ops` in address order instead of as given: a
// large batch of sets whose answer has no per-op part. Its outcome is the same in any
// order that keeps the ops of each address in theirs: each address's record depends on
// its own ops only, and, sets only ever adding records, a quota is exceeded in one order
// exactly when in any other. Inserting in key order keeps the B-tree paths of `ptr` and
// `meta` in the cache from one op to the next (a 100,000-set batch in random order: most
// of its time was LMDB walking cold pages). Empty when the ops go as given.
std::vector<uint32_t> address_order(const std::vector<Op>& ops, const SkipOp& skip,
                                    bool keep_records) {
  constexpr size_t kMinSorted = 256;
  if (skip || keep_records || ops.size() < kMinSorted || ops.size() > UINT32_MAX) return {};
  std::vector<std::pair<std::string, uint32_t>> keys;
  keys.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind != Op::Kind::Set) return {};
    auto addr = names::parse_ip(ops[i].set.address);
    if (!addr) return {};  // refused below, at its own index
    keys.emplace_back(codec::meta_key(*addr), uint32_t(i));
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint32_t> order;
  order.reserve(keys.size());
  for (const auto& k : keys) order.push_back(k.second);
  return order;
}

}  // namespace

WriteResult Store::set(const SetOp& op, std::time_t now) {
  WriteResult out;
  with_room(false, [&] {
    WriteTxn w(env_.get(), tables_, options_.max_records);
    w.set(op, now);
    w.finish();
    w.commit();
    out = std::move(w.result());
  });
  return out;
}

WriteResult Store::unset(const UnsetOp& op, std::time_t now) {
  WriteResult out;
  with_room(true, [&] {
    WriteTxn w(env_.get(), tables_, options_.max_records);
    w.unset(op, now);
    w.finish();
    w.commit();
    out = std::move(w.result());
  });
  return out;
}

WriteResult Store::apply(const std::vector<Op>& ops, std::time_t now, const SkipOp& skip,
                         bool dry_run, bool keep_records) {
  const bool removal =
      std::all_of(ops.begin(), ops.end(), [](const Op& op) { return op.kind == Op::Kind::Unset; });
  WriteResult out;
  with_room(removal, [&] { out = apply_once(ops, now, skip, dry_run, keep_records); });
  return out;
}

WriteResult Store::apply_once(const std::vector<Op>& ops, std::time_t now, const SkipOp& skip,
                              bool dry_run, bool keep_records) {
  if (std::vector<uint32_t> order = address_order(ops, skip, keep_records); !order.empty()) {
    try {
      WriteTxn w(env_.get(), tables_, options_.max_records);
      w.keep_records = false;
      for (uint32_t i : order) w.set(ops[i].set, now);
      w.finish();
      if (!dry_run) w.commit();
      return std::move(w.result());
    } catch (const StoreError& e) {
      if (e.code() == "store_full") throw;  // grow first (with_room)
      // Nothing was written. The ops go again as given, so that the refusal names the
      // first failing op in the client's order, not in address order.
    }
  }
  WriteTxn w(env_.get(), tables_, options_.max_records);
  w.keep_records = keep_records;
  for (size_t i = 0; i < ops.size(); ++i) {
    try {
      apply_op(w, ops[i], now);
    } catch (const BatchError&) {
      throw;
    } catch (const StoreError& e) {
      if (!skip || !skippable(e) || !skip(i, e)) throw BatchError(i, e);
      ++w.result().skipped;
    }
  }
  w.finish();
  if (!dry_run) w.commit();
  return std::move(w.result());
}

// Each op is a WriteTxn of its own, nested in the group's transaction, so set, unset and
// finish give it exactly the checks, serial step and counts of set() / unset(). Each
// op's journal entry is written by the group, after the last op: the same entries in the
// same transaction, without each op copying the journal's pages.
//
// A full map fails the whole group (store_full is thrown, nothing written), so that it
// runs again in a larger map with every op in its place. At the limit the group runs
// once more with its sets refused (`refuse_sets`), so that its unsets may use the
// reserve (zonestore/store.h).
std::vector<GroupItem> Store::apply_each(const std::vector<Op>& ops, std::time_t now) {
  if (ops.empty()) return {};  // no write transaction (it would wait for the writer lock)
  std::vector<GroupItem> out;
  try {
    with_room(false, [&] { out = apply_each_once(ops, now, nullptr); });
    return out;
  } catch (const StoreError& e) {
    if (e.code() != "store_full") return std::vector<GroupItem>(ops.size(), GroupItem(e));
    if (std::none_of(ops.begin(), ops.end(),
                     [](const Op& op) { return op.kind == Op::Kind::Unset; }))
      return std::vector<GroupItem>(ops.size(), GroupItem(e));
    try {
      with_room(true, [&] { out = apply_each_once(ops, now, &e); });
      return out;
    } catch (const StoreError& again) {
      return std::vector<GroupItem>(ops.size(), GroupItem(again));
    }
  }
}

std::vector<GroupItem> Store::apply_each_once(const std::vector<Op>& ops, std::time_t now,
                                              const StoreError* refuse_sets) {
  std::vector<GroupItem> out;
  out.reserve(ops.size());
  try {
    WriteTxn group(env_.get(), tables_, options_.max_records);
    std::vector<WriteTxn::PendingEntry> journal;
    for (const Op& op : ops) {
      if (refuse_sets && op.kind == Op::Kind::Set) {
        out.emplace_back(*refuse_sets);
        continue;
      }
      WriteTxn w(env_.get(), tables_, options_.max_records, group.txn().get());
      w.defer_journal();
      try {
        apply_op(w, op, now);
        w.finish();  // everything but the commit of the group, which is ours
      } catch (const StoreError& e) {
        if (e.code() == "store_full") throw;
        out.emplace_back(e);  // ~WriteTxn aborts the nested transaction: this op alone
        continue;
      }
      // A nested commit that fails may have left the parent half-merged: give it up.
      w.commit();
      for (WriteTxn::PendingEntry& e : w.take_journal()) journal.push_back(std::move(e));
      out.emplace_back(std::move(w.result()));
    }
    group.write_journal(journal);
    group.commit();
  } catch (const StoreError& e) {
    if (e.code() == "store_full") throw;
    return std::vector<GroupItem>(ops.size(), GroupItem(e));
  }
  return out;
}

}  // namespace rdnsd::zonestore
