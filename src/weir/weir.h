// The umbrella header of Weir's public API: include this and write Spark-style code.
#pragma once

#include "weir/api/column.h"
#include "weir/api/data_frame.h"
#include "weir/api/data_frame_reader.h"
#include "weir/api/data_stream_reader.h"
#include "weir/api/data_stream_writer.h"
#include "weir/api/functions.h"
#include "weir/api/memory_stream.h"
#include "weir/api/session.h"
#include "weir/api/streaming_query.h"
#include "weir/base/clock.h"
#include "weir/base/error.h"
#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

namespace weir {
using base::ManualClock;
/// The library version, e.g. "0.1.0".
const char* versionString();
}  // namespace weir
