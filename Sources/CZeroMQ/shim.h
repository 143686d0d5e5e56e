#ifndef ICRL_CZEROMQ_SHIM_H
#define ICRL_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
