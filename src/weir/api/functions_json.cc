// PLACEHOLDER being written by a helper.
#include "weir/api/functions.h"
