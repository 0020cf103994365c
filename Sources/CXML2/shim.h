// CXML2: libxml2's HTML and XML parsers and serializers (Debian libxml2-dev).
#ifndef FANYI_CXML2_SHIM_H
#define FANYI_CXML2_SHIM_H
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose C types clash in Swift with Foundation's private ICU
// (see CICU). Fanyi reads and writes UTF-8 only and never touches a converter, so libxml2's
// headers are read without ICU's; only pointers to the structs that change are used.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function pointer, which Swift 6 will not read from any thread.
static inline void fanyi_xml_free(void *pointer) { xmlFree(pointer); }
#endif
