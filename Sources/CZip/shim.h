// CZip: libzip (Debian libzip-dev), for the zip packages of OpenDocument and Office Open XML files.
#ifndef FANYI_CZIP_SHIM_H
#define FANYI_CZIP_SHIM_H
#include <zip.h>
#endif
