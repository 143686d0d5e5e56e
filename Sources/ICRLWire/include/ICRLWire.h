// Umbrella header of the generated protobuf-c code for Proto/icrl.proto.
#include "icrl.pb-c.h"
