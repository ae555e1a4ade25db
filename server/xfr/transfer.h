#pragma once
// The answer to one zone transfer request over TCP, made one message at a time as the
// connection can take them (RFC 5936 section 2.2): a full transfer (AXFR, or an IXFR
// answered AXFR-style) walks the zone in ONE read transaction, a consistent snapshot
// while writes go on, without holding the records in memory; an incremental one (RFC
// 1995) sends a condensed difference; a one-message answer is the single SOA of a
// client that is current, or an error. Every message carries the OPT RR when the
// request had one (with EDNS EXPIRE, RFC 7314, when asked for) and is signed when the
// request was (MessageSigner).
#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/dns/catalog.h"
#include "server/xfr/xfr_writer.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/names/names.h"
#include "zonestore/types.h"

namespace rdnsd::xfr {

// Signs each message of an answer as it is finished (TSIG, RFC 8945 section 5.3.1).
class MessageSigner {
 public:
  virtual ~MessageSigner() = default;
  // Bytes a signature adds to a message (kept free while it is filled).
  virtual size_t reserve() const = 0;
  // Appends the signature to the message of `len` bytes in `msg` (room `cap`) and bumps
  // ARCOUNT; returns the new length, 0 if it failed.
  virtual size_t sign(uint8_t* msg, size_t len, size_t cap) = 0;
};

// What the answer echoes of the request.
struct RequestEcho {
  uint16_t id = 0;
  bool rd = false;
  std::string question;  // QNAME QTYPE QCLASS as sent
  size_t qname_len = 0;
  bool edns = false;    // the request had an OPT RR: every message gets one
  bool expire = false;  // it asked for EDNS EXPIRE (RFC 7314)
};

// One RR of an incremental transfer (the journal's, zonestore/types.h).
using DiffRr = zonestore::JournalRr;

class Transfer {
 public:
  virtual ~Transfer() = default;
  // The next message into `out` (room `cap`, at most 65535 used); its length, or 0 when
  // the answer is complete (or failed: then the connection should be closed).
  virtual size_t next(uint8_t* out, size_t cap) = 0;
  // How the answer is made, for the log: "AXFR", "IXFR", "IXFR (AXFR-style)", "SOA",
  // or the error.
  virtual const char* kind() const = 0;
  // Records sent so far.
  virtual uint64_t records() const = 0;
  // next() gave 0 because the answer could not be completed (a record that fits no
  // message, the signature failed): the client has a broken stream, close it.
  virtual bool failed() const = 0;

  // Set by the Service, for the log and the replication status.
  std::string zone;  // apex, text; empty when the request named no served zone
  uint32_t serial = 0;
  names::IpAddress peer;
  uint64_t messages = 0, bytes = 0;  // counted by the connection that sends it
};

// A one-message answer with `rcode` and no records (REFUSED, NOTAUTH, FORMERR...).
std::unique_ptr<Transfer> error_answer(RequestEcho echo, uint8_t rcode, const char* kind,
                                       std::unique_ptr<MessageSigner> signer);

// The transfers of the zone at `apex_key` in the snapshot `txn` (a read transaction the
// transfer owns and aborts when destroyed). The zone value must have been checked
// (decode_zone_wire) by the caller; `zones` and `ptr` are the store's tables.
struct Snapshot {
  MDB_txn* txn = nullptr;  // owned
  MDB_dbi zones = 0, ptr = 0;
  MDB_dbi dhcid = 0;     // the DHCIDs beside the PTRs (a key there is a key of `ptr` too)
  std::string apex_key;  // codec apex key
  std::string apex_wire;
  // The zone's prefix: the records are the `ptr` keys inside it.
  uint8_t family = 0;
  std::string prefix_start;  // the record key of the prefix's first address
  unsigned prefix_length = 0;
  // An IPv4 zone of /16 or longer whose synthesized PTRs go in transfers
  // (synthesize.in-transfer): the template (empty: none) and TTL.
  std::string synth_template;
  uint32_t synth_ttl = 0;
};
// The whole zone: SOA, NS, every record in address order (an address's PTR, then its
// DHCID), SOA. `kind` names it.
std::unique_ptr<Transfer> full_transfer(Snapshot snapshot, RequestEcho echo, const char* kind,
                                        std::unique_ptr<MessageSigner> signer);
// The difference from `from_serial` to the zone's serial: SOA(new), SOA(old), removed,
// SOA(new), added, SOA(new).
std::unique_ptr<Transfer> incremental_transfer(Snapshot snapshot, RequestEcho echo,
                                               uint32_t from_serial, std::vector<DiffRr> removed,
                                               std::vector<DiffRr> added,
                                               std::unique_ptr<MessageSigner> signer);
// The zone's SOA alone: to a client that is current (RFC 1995 section 2).
std::unique_ptr<Transfer> soa_answer(Snapshot snapshot, RequestEcho echo,
                                     std::unique_ptr<MessageSigner> signer);

// The catalog zone (server/dns/catalog.h) as one snapshot of the store read it: small
// (one PTR per served zone), so it is read whole when the request comes and the
// snapshot's transaction is not held while it is sent.
struct CatalogSnapshot {
  dns::CatalogZone zone;
  uint32_t serial = 0;
  std::vector<std::string> members;  // the served zones' apexes, wire, in key order
};
// The whole catalog: SOA, NS, the version TXT, one PTR per member, SOA. `kind` names
// it ("AXFR", "IXFR (AXFR-style)": the catalog keeps no journal).
std::unique_ptr<Transfer> catalog_transfer(CatalogSnapshot catalog, RequestEcho echo,
                                           const char* kind, std::unique_ptr<MessageSigner> signer);
// The catalog's SOA alone: to an IXFR client that is current.
std::unique_ptr<Transfer> catalog_soa(CatalogSnapshot catalog, RequestEcho echo,
                                      std::unique_ptr<MessageSigner> signer);

// The owner name (wire, lower case) of the record key `key` (family + address bytes).
std::string owner_of_key(std::string_view key);

}  // namespace rdnsd::xfr
