// Umbrella header of the generated protobuf-c code for Proto/icrl.proto (the wire) and
// Proto/tensorboard.proto (the TensorBoard event files a learner writes).
#include "icrl.pb-c.h"
#include "tensorboard.pb-c.h"
