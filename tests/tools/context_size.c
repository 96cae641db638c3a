/*
 * Built for Cortex-M3 by `make size`: the size of this object's symbol is
 * the size of the engine context in the default configuration.
 */
#include "nanoacme.h"

nacme_t nacme_context_size_probe;
