#ifndef ICRL_CPROTOBUFC_SHIM_H
#define ICRL_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
