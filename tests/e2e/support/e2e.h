#pragma once
// Everything an end-to-end test needs: the rdnsd fixture, dig and its parsed output,
// commands, and raw DNS packets.
#include <doctest/doctest.h>

#include "tests/e2e/support/dig.h"
#include "tests/e2e/support/process.h"
#include "tests/e2e/support/rdnsd.h"
#include "tests/e2e/support/wire.h"

namespace rdnsd::e2e {

// A command that must succeed; on failure the test stops with its whole output.
inline RunResult must(RunResult r) {
  REQUIRE_MESSAGE(r.ok(), r.describe());
  return r;
}

}  // namespace rdnsd::e2e
