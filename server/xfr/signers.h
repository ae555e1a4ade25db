#pragma once
// TSIG (server/tsig) for the transfer side: the signer of a transfer's messages, of its
// error answers, and of the requests the notifier sends.
#include <memory>

#include "server/tsig/tsig.h"
#include "server/xfr/notifier.h"
#include "server/xfr/transfer.h"

namespace rdnsd::xfr {

using Keys = std::shared_ptr<const tsig::Keyring>;

// Signs every message of the answer to the verified request `request` (status Ok): the
// first with the request's MAC, each later one with the MAC before it (RFC 8945 5.3.1).
std::unique_ptr<MessageSigner> stream_signer(Keys keys, const tsig::Verified& request);
// The TSIG RR of the NOTAUTH answer to a request that failed verification: unsigned
// with BADKEY or BADSIG, signed with BADTIME (the server's clock in Other Data) or
// BADTRUNC.
std::unique_ptr<MessageSigner> error_signer(Keys keys, const tsig::Verified& request);
// Makes the signers of NOTIFY and SOA queries, by key name; null for an unknown key.
SignerFactory request_signers(Keys keys);

}  // namespace rdnsd::xfr
