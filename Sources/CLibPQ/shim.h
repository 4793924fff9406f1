#ifndef SECURENETS_CLIBPQ_SHIM_H
#define SECURENETS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
