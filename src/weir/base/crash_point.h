// Crash points for crash testing. A test runs a query as its own process with the environment
// variable WEIR_CRASH_POINT=<name>[:<n>]; the n-th time (default the first) the process reaches
// crashPoint("<name>") it kills itself with SIGKILL, exactly as a power cut or kill -9 would stop
// it at that step. Without the variable a crash point costs one relaxed load.
//
// Points: "after-offsets-log" (offsets/N written, batch not run), "after-state-delta" (one state
// partition's delta file written), "after-sink" (the sink committed batch N, commits/N not yet
// written), "after-delta-data" (a Delta sink's data files written, its commit not yet),
// "after-commit-log" (commits/N written).
#pragma once

namespace weir::base {

void crashPoint(const char* name);

}  // namespace weir::base
