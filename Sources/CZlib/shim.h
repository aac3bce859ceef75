#ifndef PARAPET_CZLIB_SHIM_H
#define PARAPET_CZLIB_SHIM_H
#include <zlib.h>
#endif
