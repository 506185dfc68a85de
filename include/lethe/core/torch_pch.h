// Precompiled header for every libtorch-using translation unit (see CMakeLists.txt).
#pragma once
#include <torch/torch.h>
