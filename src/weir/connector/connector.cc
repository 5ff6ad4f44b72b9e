// Out-of-line anchors for the connector interfaces (their vtables live here).
#include "weir/connector/sink.h"
#include "weir/connector/source.h"
