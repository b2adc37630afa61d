# Visitor implementations; sources are added to libqvisit.la.

# JSON
libqvisit_la_SOURCES += \
	visitors/json-output-visitor.c \
	visitors/json-input-visitor.c
visitorsinclude_HEADERS += \
	visitors/json-output-visitor.h \
	visitors/json-input-visitor.h

# BER
libqvisit_la_SOURCES += \
	visitors/ber-codec.c \
	visitors/ber-output-visitor.c \
	visitors/ber-input-visitor.c
visitorsinclude_HEADERS += \
	visitors/ber-codec.h \
	visitors/ber-visitor.h

# ber-inspect: the iterative BER/CER/DER walker and checker behind ber-dump
libqvisit_la_SOURCES += visitors/ber-inspect.c
visitorsinclude_HEADERS += visitors/ber-inspect.h

# ber-text: value rendering; ber-oid-names: OID names (built-in, dumpasn1.cfg)
# ber-print: the tree/flat/JSON printer ber-dump prints with
libqvisit_la_SOURCES += visitors/ber-text.c visitors/ber-oid-names.c \
	visitors/ber-print.c
visitorsinclude_HEADERS += visitors/ber-text.h visitors/ber-oid-names.h \
	visitors/ber-print.h
