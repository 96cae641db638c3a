/*
 * Built for Cortex-M3 by `make size`: the size of this object's symbol is
 * the size of the engine context in the default configuration, and the
 * build itself fails when the context outgrows the 8 KiB budget.
 */
#include "nanoacme.h"

#define NACME_CONTEXT_BUDGET_BYTES 8192

_Static_assert(sizeof(nacme_t) <= NACME_CONTEXT_BUDGET_BYTES,
               "the engine context exceeds its 8 KiB budget on the microcontroller");

nacme_t nacme_context_size_probe;
