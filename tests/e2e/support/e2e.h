#pragma once
// Everything an end-to-end test needs: the rdnsd fixture, dig and its parsed output,
// commands, and raw DNS packets.
#include <doctest/doctest.h>

#include "dig.h"
#include "process.h"
#include "rdnsd.h"
#include "wire.h"
